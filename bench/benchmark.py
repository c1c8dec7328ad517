"""Build benchmark: how the generator and the build scale with rows, and what a rebuild costs.

    .venv/bin/python bench/benchmark.py                          # both parts, the limits of issue 14
    .venv/bin/python bench/benchmark.py --scale-sizes 1M,3M      # the scale table only for these sizes
    .venv/bin/python bench/benchmark.py --rebuild-only --runs 3  # the rebuild ratios only

Generated exports are kept in --workdir (one folder per size, reused when the same size is asked
again; --delete-exports removes each after use). Every command runs in its own process, measured
over its whole process tree (bench/measure.py): wall time and peak memory.

**Scale** (--scale-sizes, default 1M,3M,10M line items per month, over --months): per size, the
generation of the exports (timed once, when generated: reused exports show the figures recorded
then) and a full `dbt build` from an empty database, with rows/s over the CUR line items built.
Limits: time per row at the largest size ≤ 1.25 × time per row at the smallest (the build grows
linearly with rows), and peak memory < 12 GB for the generator and for the build.

**Rebuild** (--rebuild-line-items per month, default 1M, --runs times): per run, at --months
months, then at twice as many months (the same size per month):

  build         a full `dbt build` from an empty database (models, seeds, all tests, publishing);
                with --production, without unit tests (they test code, in CI)
  rebuild       `dbt build` after the newest billing period is re-delivered
  fixed costs   a build of one trivial model: dbt start-up, landing the exports (on-run-start)
                and publishing a snapshot (on-run-end), which every build pays whatever it rebuilds
  per-period    after another re-delivery, a build of the incremental models alone (no test, seed
  models        or other model): the least work a rebuild can do on the re-delivered period
  ideal         fixed costs + (full build - fixed costs) / months: a rebuild in which every model
                and test did exactly its share of one period, with no per-node overhead
  lower bound   one DuckDB pass over the CUR Parquet reading exactly the columns the models read
                (the scans' projections in DuckDB's plans of the materialised models)
  models        wall time while any model was executing (union of the models' execute intervals
                in dbt's run_results.json, full build)

Limits, per run (both figures of a ratio from the same run; the median over runs is judged):
rebuild ≤ 2.5 × ideal, and the rebuild at twice the months ≤ 1.25 × the rebuild at --months.
Machines are noisy: read medians and ratios, not single timings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "service"))
sys.path.insert(0, str(BENCH))

from exports_cache import Exports, ensure_exports, exports_folder  # noqa: E402
from measure import Measured, run_measured  # noqa: E402

from infralyzer.dbt_runner import dbt_executable  # noqa: E402
from infralyzer.exports.generate import redeliver  # noqa: E402
from infralyzer.exports.schemas import CUR2_SCHEMA  # noqa: E402
from infralyzer.settings import Settings  # noqa: E402

PEAK_LIMIT_GB = 12.0
LINEARITY_LIMIT = 1.25  # time per row, largest size / smallest size
IDEAL_LIMIT = 2.5  # rebuild / ideal rebuild
HISTORY_LIMIT = 1.25  # rebuild at twice the months / rebuild at the months


# ------------------------------------------------------------------ building

@dataclass
class Builder:
    """Runs dbt on one set of exports into a fresh database under `root`, each command measured."""

    exports: Exports
    root: Path
    memory_limit: str
    threads: int
    log: Path

    def __post_init__(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.settings = Settings(exports_dir=self.exports.path, build_db=self.root / "build" / "bench.duckdb",
                                 publish_dir=self.root / "publish", memory_limit=self.memory_limit,
                                 threads=self.threads)
        # dbt's own target folder, so a concurrent dbt in the project cannot mix in
        self.target = self.root / "target"
        for folder in (self.settings.build_db.parent, self.settings.publish_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def dbt(self, *args: str) -> Measured:
        env = {**os.environ, **self.settings.dbt_env(), "DBT_TARGET_PATH": str(self.target),
               "DBT_LOG_PATH": str(self.root / "logs")}
        with open(self.log, "a") as log:
            log.write(f"\n$ dbt {' '.join(args)}   ({self.exports.path.name}, {datetime.now():%H:%M:%S})\n")
        measured = run_measured([dbt_executable(), *args, "--project-dir", str(REPO), "--profiles-dir", str(REPO)],
                                cwd=REPO, env=env, log=self.log)
        with open(self.log, "a") as log:  # each figure as soon as it is measured
            log.write(f"= {measured.seconds:.2f} s wall, {measured.cpu_seconds:.2f} s CPU, "
                      f"peak {measured.peak_gb:.2f} GB\n")
        return measured

    def models_seconds(self) -> float:
        return models_seconds(json.loads((self.target / "run_results.json").read_text()))


def models_seconds(results: dict) -> float:
    """Wall time during which at least one model was executing: the union of the models' execute
    intervals in run_results.json. (Summing execution times would count twice what two dbt
    threads ran side by side.)"""
    spans = sorted(
        (datetime.fromisoformat(t["started_at"].rstrip("Z")), datetime.fromisoformat(t["completed_at"].rstrip("Z")))
        for r in results["results"] if r["unique_id"].startswith("model.")
        for t in r["timing"] if t["name"] == "execute" and t.get("started_at")
    )
    total, current_start, current_end = 0.0, None, None
    for start, end in spans:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def _plan_nodes(node: dict):
    yield node
    for child in node.get("children", []):
        yield from _plan_nodes(child)


def scanned_columns(build_db: Path, target: Path) -> list[str]:
    """Every CUR column the models read: the union of the Parquet scans' projections and filter
    columns in DuckDB's plans of every materialised model (compiled by the full build)."""
    manifest = json.loads((target / "manifest.json").read_text())
    sqls = [(target / "compiled" / node["package_name"] / node["original_file_path"]).read_text()
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] in ("table", "incremental")
            and node.get("language", "sql") == "sql"]  # Python models (forecasts) read marts, not the exports
    cur_columns = set(CUR2_SCHEMA.names)
    found: set[str] = set()
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        for sql in sqls:
            plan = json.loads(con.execute(f"explain (format json) {sql}").fetchall()[0][1])
            for node in (n for root in plan for n in _plan_nodes(root)):
                info = node.get("extra_info") or {}
                if info.get("Function") != "READ_PARQUET":
                    continue
                projections = info.get("Projections") or []
                projections = [projections] if isinstance(projections, str) else projections
                filters = json.dumps(info.get("Filters", ""))
                found |= cur_columns & (set(projections) | set(re.findall(r"[a-z_]+", filters)))
    finally:
        con.close()
    return sorted(found)


def lower_bound_seconds(exports: Path, columns: list[str], threads: int) -> float:
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    files = f"{exports}/cur2/data/BILLING_PERIOD=*/*.parquet"
    select = ", ".join(f'"{c}"' for c in columns)
    started = time.perf_counter()
    con.execute(f"select min(columns(*)) from (select {select}, billing_period "
                f"from read_parquet('{files}', hive_partitioning = true))").fetchall()
    return time.perf_counter() - started


def cur_rows(exports: Exports) -> int:
    """CUR line items on disk (the answer key describes the newest delivery of every period)."""
    key = json.loads((exports.path / "_answer_key" / "answer_key.json").read_text())
    return sum(int(entry["cur2"]["row_count"]) for entry in key["periods"].values())


# ------------------------------------------------------------------ the two parts

def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 500k, 1M, 10M)")
    return int(float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()])


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n / 1_000:g}k"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_scale(args, build_args: list[str]) -> tuple[list[dict], bool]:
    rows_out = []
    for n in args.scale_sizes:
        exports = ensure_exports(args.workdir, args.months, n, args.seed, args.logdir / f"generate-{args.months}x{n}.log",
                                 workers=args.generate_workers)
        rows = cur_rows(exports)
        builds = []
        for run in range(1, args.scale_runs + 1):
            builder = Builder(exports, args.workdir / "run-scale", args.memory_limit, args.threads,
                              args.logdir / f"build-{args.months}x{n}.log")
            measured = builder.dbt(*build_args)
            builds.append(measured)
            print(f"  {args.months} x {size_label(n)}: build {run}: {measured.seconds:.1f} s, "
                  f"peak {measured.peak_gb:.2f} GB", flush=True)
        shutil.rmtree(args.workdir / "run-scale", ignore_errors=True)
        if args.delete_exports:
            shutil.rmtree(exports.path)
        rows_out.append({
            "size": f"{args.months} x {size_label(n)}", "line_items_per_month": n, "rows": rows,
            "generate_seconds": exports.generated.seconds, "generate_cpu_seconds": exports.generated.cpu_seconds,
            "generate_peak_gb": exports.generated.peak_gb,
            "build_seconds": statistics.median(m.seconds for m in builds),
            "build_cpu_seconds": statistics.median(m.cpu_seconds for m in builds),
            "build_peak_gb": max(m.peak_gb for m in builds),
        })
    print()
    print(f"scale: {args.months} months, `dbt {' '.join(build_args)}`, DuckDB memory_limit {args.memory_limit}, "
          f"{args.threads} threads" + (f", median of {args.scale_runs} builds" if args.scale_runs > 1 else ""))
    print("  wall s: elapsed; cpu s: user + system of the process tree; rows/s: CUR rows / wall s")
    print(f"  {'size':>9} {'CUR rows':>12} | {'gen s':>8} {'gen cpu s':>9} {'gen GB':>6} {'gen rows/s':>10} | "
          f"{'build s':>8} {'build cpu s':>11} {'build GB':>8} {'build rows/s':>12}")

    def cpu(value: float | None, width: int) -> str:
        return f"{value:>{width}.1f}" if value is not None else f"{'n/a':>{width}}"

    for r in rows_out:
        print(f"  {r['size']:>9} {r['rows']:>12,} | {r['generate_seconds']:>8.1f} {cpu(r['generate_cpu_seconds'], 9)} "
              f"{r['generate_peak_gb']:>6.2f} {r['rows'] / r['generate_seconds']:>10,.0f} | "
              f"{r['build_seconds']:>8.1f} {cpu(r['build_cpu_seconds'], 11)} {r['build_peak_gb']:>8.2f} "
              f"{r['rows'] / r['build_seconds']:>12,.0f}")
    ok = True
    print("  limits:")
    if len(rows_out) > 1:
        small, large = rows_out[0], rows_out[-1]
        for what in ("generate", "build"):
            # CPU time when both sizes have it: on a shared machine wall time also measures the load
            basis = "cpu_seconds" if small[f"{what}_cpu_seconds"] and large[f"{what}_cpu_seconds"] else "seconds"
            ratio = (large[f"{what}_{basis}"] / large["rows"]) / (small[f"{what}_{basis}"] / small["rows"])
            ok &= ratio <= LINEARITY_LIMIT
            print(f"    {what} {'CPU' if basis == 'cpu_seconds' else 'wall'} time per row, {large['size']} / "
                  f"{small['size']}: {ratio:5.2f} x  (limit {LINEARITY_LIMIT} x)  {verdict(ratio <= LINEARITY_LIMIT)}")
    for what in ("generate", "build"):
        peak = max(r[f"{what}_peak_gb"] for r in rows_out)
        ok &= peak < PEAK_LIMIT_GB
        print(f"    {what} peak memory, largest of all sizes: {peak:5.2f} GB  (limit < {PEAK_LIMIT_GB:g} GB)  "
              f"{verdict(peak < PEAK_LIMIT_GB)}")
    return rows_out, ok


def rebuild_run(args, exports: Exports, run: int, build_args: list[str], full_detail: bool) -> dict:
    """One run at one history length: full build, rebuild after a re-delivery and, with
    `full_detail`, what bounds the rebuild from below."""
    builder = Builder(exports, args.workdir / "run-rebuild", args.memory_limit, args.threads,
                      args.logdir / f"rebuild-{exports.months}x{exports.line_items}.log")
    newest = exports.periods[-1]
    build = builder.dbt(*build_args)
    out = {"build": build.seconds, "build_cpu": build.cpu_seconds}
    if full_detail:
        out["models"] = builder.models_seconds()
        columns = scanned_columns(builder.settings.build_db, builder.target)
        out["lower_bound"] = lower_bound_seconds(exports.path, columns, args.threads)
        out["columns"] = len(columns)
    redeliver(exports.path, period=newest, seed=args.seed, revision=2 * run - 1)
    rebuild = builder.dbt(*build_args)
    out["rebuild"], out["rebuild_cpu"] = rebuild.seconds, rebuild.cpu_seconds
    out["rebuild_steps"] = slowest_steps(builder)
    if full_detail:
        # selective builds record no verified delivery, so they leave the next run's full build
        # unchanged; each run starts from an empty database
        redeliver(exports.path, period=newest, seed=args.seed, revision=2 * run)
        out["per_period"] = builder.dbt("build", "--quiet", "--select", "config.materialized:incremental",
                                        "--exclude-resource-type", "test", "unit_test", "seed").seconds
        fixed = builder.dbt("build", "--quiet", "--select", "metricflow_time_spine",
                            "--exclude-resource-type", "test", "unit_test")
        out["fixed"], out["fixed_cpu"] = fixed.seconds, fixed.cpu_seconds
        out["ideal"] = out["fixed"] + (out["build"] - out["fixed"]) / exports.months
        out["ideal_cpu"] = out["fixed_cpu"] + (out["build_cpu"] - out["fixed_cpu"]) / exports.months
    shutil.rmtree(builder.root, ignore_errors=True)
    return out


def slowest_steps(builder: Builder, count: int = 6) -> list[tuple[str, float]]:
    """The slowest steps of the last dbt command, nodes and hooks (landing, publishing), from its
    run_results.json."""
    results = json.loads((builder.target / "run_results.json").read_text())
    steps = [(r["unique_id"].split(".", 2)[-1], float(r["execution_time"])) for r in results["results"]]
    return sorted(steps, key=lambda step: -step[1])[:count]


def run_rebuild(args, build_args: list[str]) -> tuple[dict, bool]:
    n, months, longer = args.rebuild_line_items, args.months, 2 * args.months
    def exports(m: int) -> Exports:
        return ensure_exports(args.workdir, m, n, args.seed, args.logdir / f"generate-{m}x{n}.log",
                              workers=args.generate_workers)

    runs = []
    for run in range(1, args.runs + 1):
        a = rebuild_run(args, exports(months), run, build_args, full_detail=True)
        b = rebuild_run(args, exports(longer), run, build_args, full_detail=False)
        r = {**a, "build_longer": b["build"], "rebuild_longer": b["rebuild"], "rebuild_longer_cpu": b["rebuild_cpu"],
             "rebuild_longer_steps": b["rebuild_steps"]}
        r["rebuild_over_ideal"] = r["rebuild"] / r["ideal"]
        r["longer_over_shorter"] = r["rebuild_longer"] / r["rebuild"]
        r["rebuild_over_ideal_cpu"] = r["rebuild_cpu"] / r["ideal_cpu"]
        r["longer_over_shorter_cpu"] = r["rebuild_longer_cpu"] / r["rebuild_cpu"]
        runs.append(r)
        print(f"  run {run}: {months} months: build {r['build']:.1f} s, rebuild {r['rebuild']:.1f} s, ideal "
              f"{r['ideal']:.1f} s (fixed {r['fixed']:.1f} s) -> {r['rebuild_over_ideal']:.2f} x ideal; {longer} months: "
              f"build {r['build_longer']:.1f} s, rebuild {r['rebuild_longer']:.1f} s -> "
              f"{r['longer_over_shorter']:.2f} x the {months}-month rebuild", flush=True)
    if args.delete_exports:
        for m in (months, longer):
            shutil.rmtree(exports_folder(args.workdir, m, n, args.seed), ignore_errors=True)
    med = {name: statistics.median(r[name] for r in runs) for name in runs[0] if not name.endswith("_steps")}
    print()
    print(f"rebuild: medians over {args.runs} run(s), {size_label(n)} line items/month, `dbt {' '.join(build_args)}`:")
    print(f"  {'lower bound (one pass, ' + str(int(med['columns'])) + ' columns)':44s}{med['lower_bound']:8.2f} s")
    for label, name in (("models (run_results)", "models"), (f"full build, {months} months", "build"),
                        (f"full build, {longer} months", "build_longer")):
        print(f"  {label:44s}{med[name]:8.2f} s   {med[name] / med['lower_bound']:5.1f} x lower bound")
    print(f"  {'rebuild after one re-delivery, ' + str(months) + ' months':44s}{med['rebuild']:8.2f} s   "
          f"{100 * med['rebuild'] / med['build']:5.1f} % of the full build")
    print(f"  {'rebuild after one re-delivery, ' + str(longer) + ' months':44s}{med['rebuild_longer']:8.2f} s   "
          f"{100 * med['rebuild_longer'] / med['build_longer']:5.1f} % of the full build")
    print("  what bounds the rebuild from below:")
    for label, name, what in (
        ("fixed costs", "fixed", "start-up, landing, publishing: a build of one trivial model"),
        ("per-period models alone", "per_period", "fixed costs + the incremental models, nothing else"),
        ("ideal rebuild", "ideal", f"fixed costs + 1/{months} of the rest of the full build"),
    ):
        print(f"    {label:42s}{med[name]:8.2f} s   {100 * med[name] / med['build']:5.1f} % of the full build   ({what})")
    ok_ideal = med["rebuild_over_ideal"] <= IDEAL_LIMIT
    ok_history = med["longer_over_shorter"] <= HISTORY_LIMIT
    print("  limits (median of the per-run ratios):")
    print(f"    rebuild / ideal rebuild, {months} months: {med['rebuild_over_ideal']:5.2f} x  "
          f"(limit {IDEAL_LIMIT} x)  {verdict(ok_ideal)}")
    print(f"    rebuild at {longer} months / at {months} months: {med['longer_over_shorter']:5.2f} x  "
          f"(limit {HISTORY_LIMIT} x)  {verdict(ok_history)}")
    print(f"  the same ratios in CPU seconds of the process trees (steadier than wall time on a shared machine): "
          f"{med['rebuild_over_ideal_cpu']:.2f} x ideal, {med['longer_over_shorter_cpu']:.2f} x the {months}-month rebuild")
    print(f"  slowest steps of the rebuilds (run {len(runs)}, run_results.json):")
    for label, name in ((f"{months} months", "rebuild_steps"), (f"{longer} months", "rebuild_longer_steps")):
        print(f"    {label}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in runs[-1][name]))
    return {"medians": med, "runs": runs}, ok_ideal and ok_history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--scale-sizes", type=lambda s: [parse_size(x) for x in s.split(",")],
                        default=[1_000_000, 3_000_000, 10_000_000], help="CUR line items per month, e.g. 1M,3M,10M")
    parser.add_argument("--scale-runs", type=int, default=1, help="full builds per scale size (median)")
    parser.add_argument("--rebuild-line-items", type=parse_size, default=1_000_000,
                        help="CUR line items per month of the rebuild part")
    parser.add_argument("--runs", type=int, default=3, help="runs of the rebuild part (medians)")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--scale-only", action="store_true")
    part.add_argument("--rebuild-only", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench",
                        help="generated exports (reused across invocations) and the benchmark's databases")
    parser.add_argument("--generate-workers", type=int, default=2, help="billing periods generated at once")
    parser.add_argument("--delete-exports", action="store_true", help="remove each size's exports after use")
    parser.add_argument("--memory-limit", default=Settings().memory_limit, help="DuckDB memory_limit of the builds")
    parser.add_argument("--threads", type=int, default=Settings().threads, help="dbt and DuckDB threads")
    parser.add_argument("--production", action="store_true",
                        help="build as a scheduled deployment does: data tests, no unit tests (those run in CI)")
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    args.logdir = args.workdir / "logs"
    args.logdir.mkdir(parents=True, exist_ok=True)
    build_args = ["build", "--quiet"] + (["--exclude-resource-type", "unit_test"] if args.production else [])
    print(f"benchmark {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, logs in {args.logdir}", flush=True)

    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    ok = True
    if not args.rebuild_only:
        results["scale"], scale_ok = run_scale(args, build_args)
        ok &= scale_ok
        print(flush=True)
    if not args.scale_only:
        results["rebuild"], rebuild_ok = run_rebuild(args, build_args)
        ok &= rebuild_ok
    out = args.workdir / f"results-{datetime.now():%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o)))
    print(f"\n{'all limits PASS' if ok else 'some limit FAILS'}; figures in {out}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
