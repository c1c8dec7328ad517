"""Where the month forecasts' errors come from: how much of the seasonal-naive baseline's error a
forecast would avoid if it knew, at the origin, the resources' future births and deaths.

    .venv/bin/python bench/forecast_accuracy.py --seed 42 --months 48 --workdir /tmp/fa48
    .venv/bin/python bench/forecast_error_sources.py --workdir /tmp/fa48

Reads the build that bench/forecast_accuracy.py left in --workdir: the backtest's baseline forecasts
(int_forecast_backtest) and the line items (int_line_items_amortized). Per resource (its resource
id; lines without one by service, usage type and account) the daily cost of the line item types
that accrue day by day (int_line_item_type_postings, the split the forecasts' series uses: on
more than a quarter of a billing period's days) is repeated from the last known week, as the
baseline does; their sum equals the baseline's daily part. Then, per forecast, with knowledge no forecast made on the
origin has:

  deaths known   every resource seen in the last week costs 0 after its last day of cost
  births known   the cost of every resource first seen after the origin is added
  both known     both

and prints the MAPE of each next to the baseline's and the method's (fct_forecast_accuracy). What
is left with both known is the cost change of the resources that live on (usage, commitment
coverage, prices); the gap between the baseline and 'both known' bounds what information on
births and deaths could gain; a model of them from the history gains a part of it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

RESOURCE_DAILY_COST = """
select
    coalesce(nullif(line_items.resource_id, ''),
             concat_ws('|', line_items.service, line_items.usage_type, line_items.usage_account_id)) as resource,
    line_items.usage_date,
    sum(line_items.amortized_cost) as cost
from intermediate.int_line_items_amortized as line_items
inner join intermediate.int_line_item_type_postings as postings
    on line_items.billing_period = postings.billing_period
    and line_items.line_item_type = postings.line_item_type
where not postings.is_posted_per_period
group by all
"""

KNOWN = ("deaths known", "births known", "both known")


def forecasts_with_knowledge(daily: pd.DataFrame, backtest: pd.DataFrame) -> pd.DataFrame:
    """Per baseline forecast of the organisation total: the forecast with each kind of knowledge."""
    last_target_day = max(pd.Period(p, freq="M").end_time.normalize() for p in backtest["billing_period"])
    # to the last target day: a resource retired before it has no cost on the days after
    days = pd.date_range(daily["usage_date"].min(), max(daily["usage_date"].max(), last_target_day), freq="D")
    cost = (daily.pivot_table(index="usage_date", columns="resource", values="cost", aggfunc="sum")
            .reindex(days).fillna(0.0).to_numpy())
    has_cost = cost != 0
    first = np.where(has_cost.any(0), has_cost.argmax(0), len(days))
    last = np.where(has_cost.any(0), len(days) - 1 - has_cost[::-1].argmax(0), -1)
    index = {day: i for i, day in enumerate(days)}
    rows = []
    for forecast in backtest.itertuples():
        origin = index[pd.Timestamp(forecast.as_of_date)]
        period = pd.Period(forecast.billing_period, freq="M")
        target_days = pd.date_range(max(period.start_time, days[origin] + pd.Timedelta(days=1)),
                                    period.end_time.normalize())
        target = np.array([index[d] for d in target_days])
        repeated = cost[origin - 6 + (target - origin - 1) % 7]  # the last week, weekday by weekday
        without_dead = np.where(target[:, None] > last[None, :], 0.0, repeated)
        births = cost[target][:, first > origin].sum()
        base = forecast.forecast_cost - repeated.sum()  # what is known plus the period charges
        rows.append({"target": forecast.target, "origin_day": forecast.origin_day, "actual": forecast.actual_cost,
                     "baseline": forecast.forecast_cost, "deaths known": base + without_dead.sum(),
                     "births known": forecast.forecast_cost + births, "both known": base + without_dead.sum() + births})
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True, help="The --workdir of bench/forecast_accuracy.py.")
    args = parser.parse_args()
    con = duckdb.connect(str(args.workdir / "build" / "accuracy.duckdb"), read_only=True)
    daily = con.sql(RESOURCE_DAILY_COST).df()
    backtest = con.sql("select * from intermediate.int_forecast_backtest where forecast_scope = 'total' "
                       "and is_baseline and actual_cost <> 0").df()
    method = con.sql("select target, origin_day, mape from marts.fct_forecast_accuracy "
                     "where forecast_scope = 'total'").df().set_index(["target", "origin_day"])["mape"]
    con.close()
    daily["usage_date"] = pd.to_datetime(daily["usage_date"])
    scored = forecasts_with_knowledge(daily, backtest)
    for column in ("baseline", *KNOWN):
        scored[column] = (scored[column] - scored["actual"]).abs() / scored["actual"].abs()
    table = scored.groupby(["target", "origin_day"])[["baseline", *KNOWN]].mean()
    table.insert(1, "method", method.reindex(table.index))
    print(f"MAPE of the organisation's month totals, {len(scored)} baseline forecasts "
          f"({scored['target'].value_counts().to_dict()}); the baseline with knowledge of the future:")
    print(table.map(lambda v: f"{v:.2%}").to_string())
    pooled = scored.groupby("target")[["baseline", *KNOWN]].mean()
    print("\npooled over origin days, share of the baseline's MAPE left:")
    print((pooled[list(KNOWN)].div(pooled["baseline"], axis=0)).map(lambda v: f"{v:.0%}").to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
