"""bench/forecast_error_sources.py: the baseline repeated per resource, with knowledge of the
resources born and retired after the origin."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from forecast_error_sources import forecasts_with_knowledge  # noqa: E402


def _daily(resource: str, first: str, last: str, cost: float) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    return pd.DataFrame({"resource": resource, "usage_date": days, "cost": cost})


def test_births_and_deaths_known_give_the_actual_when_nothing_else_changes():
    # A costs 10 a day until 10 February; B is born on 5 February at 5 a day. Forecast on 31 January
    # of February: the last week repeated is 28 x 10 = 280; the actual 10 x 10 + 24 x 5 = 220.
    daily = pd.concat([_daily("A", "2026-01-01", "2026-02-10", 10.0), _daily("B", "2026-02-05", "2026-02-28", 5.0)])
    backtest = pd.DataFrame([{"target": "next_month", "origin_day": 1, "as_of_date": pd.Timestamp("2026-01-31"),
                              "billing_period": "2026-02", "forecast_cost": 280.0, "actual_cost": 220.0}])
    row = forecasts_with_knowledge(daily, backtest).iloc[0]
    assert row["baseline"] == 280.0
    assert row["deaths known"] == pytest.approx(100.0)  # A's ten days, nothing of B
    assert row["births known"] == pytest.approx(400.0)  # A all month, plus B's 24 days
    assert row["both known"] == pytest.approx(220.0) == row["actual"]


def test_a_resource_first_seen_on_the_origin_is_known_not_born():
    # C starts on the origin day, 31 January, at 1 a day: the last week holds it on one weekday, so
    # the baseline repeats it on 7, 14, 21 and 28 February (4 of its 28); it is not a birth, and
    # knowing births and deaths leaves its ramp-up as the error of a resource that lives on.
    daily = pd.concat([_daily("A", "2026-01-01", "2026-02-28", 10.0), _daily("C", "2026-01-31", "2026-02-28", 1.0)])
    backtest = pd.DataFrame([{"target": "next_month", "origin_day": 1, "as_of_date": pd.Timestamp("2026-01-31"),
                              "billing_period": "2026-02", "forecast_cost": 284.0, "actual_cost": 308.0}])
    row = forecasts_with_knowledge(daily, backtest).iloc[0]
    assert row["deaths known"] == row["births known"] == row["both known"] == pytest.approx(284.0)


def test_what_is_known_and_the_period_charges_are_kept_and_weekdays_repeat():
    # Forecast on 17 February of February: 40 of cost known or posted besides the daily part. A's
    # cost follows the weekday (1 on 1 February ... 7 on 7 February, and again) until its last day,
    # 20 February. The baseline repeats 11-17 February from the 18th: 4+5+6+7+1+2+3+4+5+6+7 = 50
    # over the 11 days left; knowing A's death keeps 18-20 February: 4+5+6 = 15 (a week repeated
    # one day off would give 5+6+7 = 18).
    days = pd.date_range("2026-02-01", "2026-02-20", freq="D")
    daily = pd.DataFrame({"resource": "A", "usage_date": days, "cost": [float((d.day - 1) % 7 + 1) for d in days]})
    backtest = pd.DataFrame([{"target": "month_end", "origin_day": 18, "as_of_date": pd.Timestamp("2026-02-17"),
                              "billing_period": "2026-02", "forecast_cost": 40.0 + 50.0, "actual_cost": 55.0}])
    row = forecasts_with_knowledge(daily, backtest).iloc[0]
    assert row["births known"] == pytest.approx(90.0)
    assert row["deaths known"] == row["both known"] == pytest.approx(40.0 + 15.0)
