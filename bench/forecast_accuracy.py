"""Forecast accuracy benchmark: the rolling-origin backtest of the month forecasts on generated history.

    .venv/bin/python bench/forecast_accuracy.py --seed 42 --months 20

Generates --months billing periods of CUR 2.0 (seed --seed; ending with --end-period), builds the
backtest with dbt (`dbt run -s +fct_forecast_accuracy`: the daily series, the forecasts made on
day 1, 8, 15 and 22 of every complete month after the first from the days before, and their
summary) and prints fct_forecast_accuracy: MAPE, bias and 80/95 % interval coverage of month-end
and next-month totals, each row next to the seasonal-naive baseline, with PASS/FAIL against the
issue's targets:

  month-end MAPE <= 5 % from day 15     next-month MAPE <= 12 %
  every row better than the baseline: a lower MAPE on the same forecasts (same months and origins)
  80 % interval coverage in [75 %, 85 %] per target, its rows pooled over the origin days

Every figure printed is the mart's (the pooled coverage is its rows weighted by their counts; t is
the MAPE difference over its paired standard error, both from the mart).
The method was tuned on seed 7 (the shared test sample's seed); report on another seed (42)
so the figures are not measured on the data it was tuned on. Forecasts made with too little
history for the backtest windows (`short_history_count`, the first months) are scored too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import generate
from infralyzer.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exports_cache import periods_ending  # noqa: E402  (bench/ is the script's folder)

MAPE_TARGETS = {("month_end", 15): 0.05, ("month_end", 22): 0.05, ("next_month", 1): 0.12, ("next_month", 8): 0.12,
                ("next_month", 15): 0.12, ("next_month", 22): 0.12}  # (target, origin day) -> the MAPE ceiling
COVERAGE_80 = (0.75, 0.85)


def pooled(records: list[dict]) -> dict[str, dict[str, float]]:
    """Per target, the mart's rows pooled over origin days (weighted by their forecast counts)."""
    out: dict[str, dict[str, float]] = {}
    for r in records:
        p = out.setdefault(r["target"], {"n": 0, "coverage_80": 0.0, "coverage_95": 0.0, "baseline_coverage_80": 0.0})
        p["n"] += r["forecast_count"]
        for column in ("coverage_80", "coverage_95", "baseline_coverage_80"):
            p[column] += r[column] * r["forecast_count"]
    for p in out.values():
        for column in ("coverage_80", "coverage_95", "baseline_coverage_80"):
            p[column] /= p["n"]
    return out


def paired_t(record: dict) -> float:
    """How many standard errors of the paired difference separate the row's MAPE from the baseline's."""
    se = record["mape_difference_standard_error"]
    return (record["mape"] - record["baseline_mape"]) / se if se else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--months", type=int, default=20, help="Billing periods of history (at least 14).")
    parser.add_argument("--end-period", default="2026-11")
    parser.add_argument("--line-items", type=int, default=5000, help="CUR line items per month.")
    parser.add_argument("--workdir", type=Path, help="Keep the exports and the build here (default: a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print the mart as JSON instead of a table.")
    parser.add_argument("--skip-build", action="store_true", help="Print the marts of the build already in --workdir.")
    args = parser.parse_args()
    if args.months < 14:
        parser.error("--months: the backtest needs at least 14 months of history")

    root = args.workdir or Path(tempfile.mkdtemp(prefix="forecast-accuracy-"))
    settings = Settings(exports_dir=root / "exports", build_db=root / "build" / "accuracy.duckdb",
                        publish_dir=root / "publish", required_exports="cur2")
    started = time.monotonic()
    if not any(settings.exports_dir.glob("*/data")):
        generate(settings.exports_dir, periods=periods_ending(args.months, args.end_period),
                 line_items_per_month=args.line_items, seed=args.seed, exports=("cur2",))
    generated = time.monotonic()
    if not args.skip_build:
        # the models only: the selection's singular tests also read models outside it
        run_dbt(settings, "run", "-s", "+fct_forecast_accuracy", "--target-path", str(root / "target"),
                "--log-path", str(root / "logs"), capture=True)
    built = time.monotonic()

    con = duckdb.connect(str(settings.build_db), read_only=True)
    relation = con.sql("select * from marts.fct_forecast_accuracy order by forecast_scope, target, origin_day")
    columns, rows = relation.columns, relation.fetchall()
    con.close()
    records = [dict(zip(columns, row)) for row in rows]
    if args.json:
        print(json.dumps(records, indent=2, default=str))
        return 0

    print(f"seed {args.seed}, {args.months} months to {args.end_period}, {args.line_items} line items/month; "
          f"generate {generated - started:.0f} s, dbt run {built - generated:.0f} s")
    print("each row: the forecasts next to the seasonal-naive baseline's ('base'); better = lower MAPE than the "
          "baseline's")
    print(f"{'target':<11}{'day':>4}{'n':>4}{'short':>6}{'MAPE':>8}{'base':>8}{'bias':>8}{'base':>8}"
          f"{'cov80':>7}{'base':>7}{'cov95':>7}{'base':>7}{'t':>7}  {'better':<7}{'target':<15}result")
    failed = 0
    for r in records:
        ceiling = MAPE_TARGETS.get((r["target"], r["origin_day"]))
        meets = ceiling is None or r["mape"] <= ceiling
        ok = meets and r["is_better_than_baseline"]
        failed += not ok
        print(f"{r['target']:<11}{r['origin_day']:>4}{r['forecast_count']:>4}{r['short_history_count']:>6}"
              f"{r['mape']:>8.2%}{r['baseline_mape']:>8.2%}{r['bias']:>+8.2%}{r['baseline_bias']:>+8.2%}"
              f"{r['coverage_80']:>7.0%}{r['baseline_coverage_80']:>7.0%}{r['coverage_95']:>7.0%}"
              f"{r['baseline_coverage_95']:>7.0%}{paired_t(r):>+7.1f}  {'yes' if r['is_better_than_baseline'] else 'NO':<7}"
              f"{'MAPE <= ' + format(ceiling, '.0%') if ceiling else '-':<15}{'PASS' if ok else 'FAIL'}")
    print(f"\npooled over origin days (the rows above, weighted by n); target: 80 % coverage in "
          f"[{COVERAGE_80[0]:.0%}, {COVERAGE_80[1]:.0%}]")
    for target, p in pooled(records).items():
        ok = COVERAGE_80[0] <= p["coverage_80"] <= COVERAGE_80[1]
        failed += not ok
        print(f"  {target:<11} n={p['n']:<4} coverage 80 % {p['coverage_80']:.1%} (baseline "
              f"{p['baseline_coverage_80']:.1%})  95 % {p['coverage_95']:.1%}  {'PASS' if ok else 'FAIL'}")
    within = sum(abs(paired_t(r)) < 2 for r in records)
    print(f"\nt: (MAPE - baseline MAPE) / its paired standard error (mape_difference_standard_error); "
          f"{within} of {len(records)} rows within 2, where a few other months could reverse 'better'")
    print(f"\n{'all targets met' if not failed else f'{failed} check(s) FAILED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
