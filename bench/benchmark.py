"""Build benchmark: how the dbt build compares with one DuckDB pass over the same Parquet files.

    .venv/bin/python bench/benchmark.py --months 12 --line-items 1000000 --runs 3

Generates the sample exports once (kept in --workdir and reused when the same size is asked
again), then for each run, in one process so the ratios compare like with like:

  lower bound   one DuckDB pass over the CUR Parquet reading exactly the columns the models read
                (the Parquet scan's projection in DuckDB's plan of fct_spend_daily), reduced with
                `min(columns(*))`
  models        wall time while any model was executing (union of the models' execute intervals
                in dbt's run_results.json, full build)
  build         wall time of a full `dbt build` from an empty database (models, seeds, all tests,
                publishing); with --production, without unit tests (they test code, in CI)
  rebuild       wall time of `dbt build` after one billing period is re-delivered
  peak memory   maximum RSS of any dbt subprocess

and, to show what bounds the rebuild from below, measured in the same run:

  fixed costs   a build of one trivial model: dbt start-up, landing the exports (on-run-start)
                and publishing a snapshot (on-run-end), which every build pays whatever it rebuilds
  per-period    after another re-delivery, a build of the incremental models alone (no test, seed
  models        or other model): the least work a rebuild can do on the re-delivered period
  ideal         fixed costs + (full build - fixed costs) / months: a rebuild in which every model
                and test did exactly its share of one period, with no per-node overhead

and prints the medians and their ratios to the lower bound. Machines are noisy: read medians.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "service"))

from infralyzer.dbt_runner import run_dbt  # noqa: E402
from infralyzer.exports.schemas import CUR2_SCHEMA  # noqa: E402
from infralyzer.exports.generate import generate, redeliver  # noqa: E402
from infralyzer.settings import Settings  # noqa: E402


def periods_ending(months: int, end: str = "2026-09") -> list[str]:
    year, month = (int(x) for x in end.split("-"))
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


def _plan_nodes(node: dict):
    yield node
    for child in node.get("children", []):
        yield from _plan_nodes(child)


def materialized_model_sql(target: Path) -> list[str]:
    """The compiled SQL of every model dbt materialises (views are not run, only read through)."""
    manifest = json.loads((target / "manifest.json").read_text())
    return [
        (target / "compiled" / node["package_name"] / node["original_file_path"]).read_text()
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] in ("table", "incremental")
    ]


def scanned_columns(build_db: Path, target: Path) -> list[str]:
    """Every CUR column the models read: the union of the Parquet scans' projections and filter
    columns in DuckDB's plans of every materialised model (compiled by the full build)."""
    cur_columns = set(CUR2_SCHEMA.names)
    con = duckdb.connect(str(build_db), read_only=True)
    found: set[str] = set()
    try:
        for sql in materialized_model_sql(target):
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


def lower_bound_seconds(exports: Path, columns: list[str]) -> float:
    con = duckdb.connect()
    con.execute("set threads = 2")
    files = f"{exports}/cur2/data/BILLING_PERIOD=*/*.parquet"
    select = ", ".join(f'"{c}"' for c in columns)
    started = time.perf_counter()
    con.execute(
        f"select min(columns(*)) from (select {select}, billing_period "
        f"from read_parquet('{files}', hive_partitioning = true))"
    ).fetchall()
    return time.perf_counter() - started


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


def timed_build(settings: Settings, target: Path, build_args: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    run_dbt(settings, *build_args, capture=True)
    wall = time.perf_counter() - started
    return wall, models_seconds(json.loads((target / "run_results.json").read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--line-items", type=int, default=1_000_000, help="CUR line items per month")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--production", action="store_true",
                        help="build as a scheduled deployment does: data tests, no unit tests (those run in CI)")
    args = parser.parse_args()
    build_args = ["build", "--quiet"] + (["--exclude-resource-type", "unit_test"] if args.production else [])

    exports = args.workdir / f"exports-{args.months}x{args.line_items}-s{args.seed}"
    periods = periods_ending(args.months)
    if not (exports / "_answer_key" / "answer_key.json").exists():
        print(f"generating {args.months} x {args.line_items:,} line items into {exports} ...", flush=True)
        started = time.perf_counter()
        generate(exports, periods=periods, line_items_per_month=args.line_items, seed=args.seed, progress=True)
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)

    # dbt's own folder for this benchmark, so a concurrent dbt in the project cannot mix in
    target = args.workdir / "target"
    os.environ["DBT_TARGET_PATH"] = str(target)
    runs: dict[str, list[float]] = {name: [] for name in ("lower_bound", "models", "build", "rebuild", "fixed", "per_period")}
    for run in range(1, args.runs + 1):
        root = args.workdir / "run"
        shutil.rmtree(root, ignore_errors=True)
        settings = Settings(exports_dir=exports, build_db=root / "build" / "bench.duckdb", publish_dir=root / "publish")
        build, models = timed_build(settings, target, build_args)
        columns = scanned_columns(settings.build_db, target)
        lower = lower_bound_seconds(exports, columns)
        redeliver(exports, period=periods[-1], seed=args.seed, revision=run)
        rebuild, _ = timed_build(settings, target, build_args)
        # what bounds any rebuild from below (selective builds record no verified delivery, so
        # they leave the next run's full build unchanged; each run starts from an empty database)
        redeliver(exports, period=periods[-1], seed=args.seed, revision=args.runs + run)
        per_period, _ = timed_build(settings, target, ["build", "--quiet", "--select", "config.materialized:incremental",
                                                       "--exclude-resource-type", "test", "unit_test", "seed"])
        fixed, _ = timed_build(settings, target, ["build", "--quiet", "--select", "metricflow_time_spine",
                                                  "--exclude-resource-type", "test", "unit_test"])
        for name, value in (("lower_bound", lower), ("models", models), ("build", build), ("rebuild", rebuild),
                            ("fixed", fixed), ("per_period", per_period)):
            runs[name].append(value)
        print(f"run {run}: lower bound {lower:.2f} s ({len(columns)} columns), models {models:.2f} s, "
              f"build {build:.2f} s, rebuild after one re-delivery {rebuild:.2f} s, fixed costs {fixed:.2f} s, "
              f"per-period models alone {per_period:.2f} s", flush=True)

    med = {name: statistics.median(values) for name, values in runs.items()}
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    print()
    print(f"medians over {args.runs} run(s), {args.months} months x {args.line_items:,} line items/month, "
          f"`dbt {' '.join(build_args)}`:")
    print(f"  lower bound (one pass, {len(columns)} columns) {med['lower_bound']:8.2f} s")
    print(f"  models (run_results)                {med['models']:8.2f} s   {med['models'] / med['lower_bound']:5.1f} x lower bound")
    print(f"  dbt build (tests, publish)          {med['build']:8.2f} s   {med['build'] / med['lower_bound']:5.1f} x lower bound")
    print(f"  rebuild after one re-delivery       {med['rebuild']:8.2f} s   {100 * med['rebuild'] / med['build']:5.1f} % of the full build")
    ideal = med["fixed"] + (med["build"] - med["fixed"]) / args.months
    print("  what bounds the rebuild from below:")
    for label, seconds, what in (
        ("fixed costs", med["fixed"], "start-up, landing, publishing: a build of one trivial model"),
        ("per-period models alone", med["per_period"], "fixed costs + the incremental models, nothing else"),
        ("ideal rebuild", ideal, f"fixed costs + 1/{args.months} of the rest of the full build"),
    ):
        print(f"    {label:34s}{seconds:8.2f} s   {100 * seconds / med['build']:5.1f} % of the full build   ({what})")
    print(f"  peak memory (max RSS of dbt)        {peak_gb:8.2f} GB")


if __name__ == "__main__":
    main()
