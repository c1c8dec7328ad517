"""Wall time and peak memory of a command, counted over its whole process tree.

`run_measured(argv)` starts the command and samples, every `interval` seconds, the summed resident
set size of the process and all its descendants (dbt runs DuckDB in its own process, `nice` and
shells sit in between). The kernel's own high-water mark of each process (`ru_maxrss`, read when
the process ends) catches a peak that falls between two samples of a single process; the larger of
the two figures is reported, so the peak is never under-stated.

CPU seconds (user + system, of the command and every descendant it waited for) are measured too:
on a machine shared with other work they grow with the work done, where wall time also grows
with everyone else's load.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_bytes: int
    cpu_seconds: float | None = None  # None: not measured (figures recorded by an older benchmark)

    @property
    def peak_gb(self) -> float:
        return self.peak_bytes / 1e9


def tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_measured(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
                 log: Path | None = None, interval: float = 0.2) -> Measured:
    """Run `argv` to completion (raising on a non-zero exit, with the log's tail) and measure it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = open(log, "a") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    try:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        root = psutil.Process(process.pid)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(root))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        done.set()
        sampler.join()
        seconds = time.perf_counter() - started
    finally:
        if log:
            out.close()
    if code != 0:
        tail = log.read_text()[-4000:] if log else ""
        raise subprocess.CalledProcessError(code, argv, output=tail)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss (KiB) of the children waited for so far: it moved only if this command's largest
    # process was larger than any earlier child
    largest_process = after.ru_maxrss * 1024 if after.ru_maxrss > before.ru_maxrss else 0
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(seconds, max(peak, largest_process), cpu)


def python_env() -> dict[str, str]:
    """This environment with unbuffered output, so a log shows progress as it happens."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
