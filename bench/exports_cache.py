"""Generated exports for the benchmark, generated once per size and measured while they are.

`ensure_exports(workdir, months, line_items, seed)` returns the folder of that size's exports and
how long generating it took and how much memory it used: generated in a child process (so its peak
memory is the generator's alone) the first time, read from `<folder>.generate.json` afterwards.

    python bench/exports_cache.py <folder> <months> <line items per month> <seed> <workers>

is that child process: it writes the exports of the billing periods ending 2026-09, `workers`
periods at a time.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measured, python_env, run_measured  # noqa: E402


def periods_ending(months: int, end: str = "2026-09") -> list[str]:
    year, month = (int(x) for x in end.split("-"))
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


@dataclass(frozen=True)
class Exports:
    path: Path
    months: int
    line_items: int
    seed: int
    generated: Measured

    @property
    def periods(self) -> list[str]:
        return periods_ending(self.months)


def exports_folder(workdir: Path, months: int, line_items: int, seed: int) -> Path:
    return workdir / f"exports-{months}x{line_items}-s{seed}"


def ensure_exports(workdir: Path, months: int, line_items: int, seed: int, log: Path, workers: int = 1) -> Exports:
    folder = exports_folder(workdir, months, line_items, seed)
    record = folder.with_name(folder.name + ".generate.json")
    workdir.mkdir(parents=True, exist_ok=True)
    # one generator per folder: a second benchmark asking for the same size waits for the first
    with open(folder.with_name(folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (record.exists() and (folder / "_answer_key" / "answer_key.json").exists()):
            shutil.rmtree(folder, ignore_errors=True)  # a generation that did not finish
            print(f"generating {months} x {line_items:,} line items into {folder} (log: {log}) ...", flush=True)
            measured = run_measured([sys.executable, __file__, str(folder), str(months), str(line_items), str(seed),
                                     str(workers)], env=python_env(), log=log)
            record.write_text(json.dumps({"seconds": measured.seconds, "peak_bytes": measured.peak_bytes,
                                          "cpu_seconds": measured.cpu_seconds, "workers": workers}))
    figures = json.loads(record.read_text())
    return Exports(folder, months, line_items, seed,
                   Measured(figures["seconds"], figures["peak_bytes"], figures.get("cpu_seconds")))


def _generate(folder: str, months: str, line_items: str, seed: str, workers: str = "1") -> None:
    from infralyzer.exports.generate import generate

    generate(Path(folder), periods=periods_ending(int(months)), line_items_per_month=int(line_items),
             seed=int(seed), progress=True, workers=int(workers))


if __name__ == "__main__":
    _generate(*sys.argv[1:6])
