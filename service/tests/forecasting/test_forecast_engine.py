"""The forecasting engine (infralyzer.forecasting.engine) on series whose future is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from infralyzer.forecasting.engine import (Target, backtest_windows, forecast_months, interval_half_width,
                                           period_changes, targets_from)

WEEK = np.array([100.0, 104.0, 103.0, 105.0, 101.0, 80.0, 78.0])


def history(days: int, end: dt.date, noise: float = 0.0, period_charge: float = 0.0, seed: int = 3) -> pd.DataFrame:
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    rng = np.random.default_rng(seed)
    daily = WEEK[dates.dayofweek.to_numpy()] * (1 + noise * rng.standard_normal(days))
    period = np.where(dates.day == 1, period_charge, 0.0)
    return pd.DataFrame({"forecast_scope": "total", "scope_key": "total", "usage_date": dates.date,
                         "daily_cost": daily, "period_cost": period})


def month_cost(month: str) -> float:
    dates = pd.date_range(f"{month}-01", periods=pd.Period(month).days_in_month, freq="D")
    return float(WEEK[dates.dayofweek.to_numpy()].sum())


def test_targets_are_the_remaining_days_of_each_period():
    assert targets_from(dt.date(2026, 9, 14), 2) == [
        Target("2026-09", 0, 1, 16), Target("2026-10", 1, 17, 47), Target("2026-11", 2, 48, 77)]
    assert targets_from(dt.date(2026, 9, 30), 1)[0].remaining_days == 0


def test_windows_grow_with_history_a_week_apart_up_to_twenty():
    assert [backtest_windows(n, 60) for n in (100, 116, 122, 123, 600)] == [0, 1, 1, 2, 20]


def test_the_interval_half_width_is_the_levels_quantile_of_the_absolute_errors():
    errors = np.array([-10.0, 1.0, -2.0, 3.0, 4.0, -5.0, 6.0, 7.0, -8.0, 9.0])
    # |errors| 1..10: the 80 % quantile lies 0.8 * 9 = 7.2 positions in: 8 + 0.2 * (9 - 8)
    assert interval_half_width(errors, 80) == pytest.approx(8.2)
    assert interval_half_width(errors, 95) == pytest.approx(9.55)
    assert interval_half_width(np.array([]), 80) == 0.0


def test_a_regular_weekly_series_is_forecast_to_the_cent_with_ordered_intervals():
    rows = forecast_months(history(400, dt.date(2026, 9, 14), period_charge=500.0), None, 2)
    assert list(rows["billing_period"]) == ["2026-09", "2026-10", "2026-11"]
    assert (rows["method"] == "ensemble").all()
    assert (rows["backtest_windows"] == 20).all()
    for row in rows.itertuples():
        # the period charge of September is posted; October's and November's are carried forward
        expected = month_cost(row.billing_period) + 500.0
        assert row.forecast_cost == pytest.approx(expected, abs=0.01)
        assert row.lower_95 <= row.lower_80 <= row.forecast_cost <= row.upper_80 <= row.upper_95
    september = rows.iloc[0]
    assert (september.period_cost_estimate, september.remaining_days) == (0.0, 16)


def test_carried_forward_period_charges_widen_the_interval_by_how_much_they_changed():
    frame = history(400, dt.date(2026, 9, 14))
    dates = pd.to_datetime(frame["usage_date"])
    charges = {month: 500.0 + 40.0 * (i % 3) for i, month in enumerate(sorted(set(dates.dt.strftime("%Y-%m"))))}
    frame["period_cost"] = np.where(dates.dt.day == 1, dates.dt.strftime("%Y-%m").map(charges), 0.0)
    monthly = pd.Series(charges)
    one_month, two_months = period_changes(monthly, "2026-09", 1), period_changes(monthly, "2026-09", 2)
    assert sorted(set(np.abs(one_month))) == [40.0, 80.0] and len(one_month) == len(charges) - 1
    # September is posted, so October carries it one month and November two; a series without noise
    # has no daily error, and the whole interval is the charges' own
    rows = forecast_months(frame, None, 2).set_index("billing_period")
    assert rows.loc["2026-09", "upper_80"] == pytest.approx(rows.loc["2026-09", "forecast_cost"], abs=1e-6)
    for month, changes in (("2026-10", one_month), ("2026-11", two_months)):
        half = rows.loc[month, "upper_80"] - rows.loc[month, "forecast_cost"]
        assert half == pytest.approx(interval_half_width(changes, 80), abs=1e-6)
    assert period_changes(pd.Series({"2026-08": 500.0}), "2026-09", 1).size == 0  # nothing to learn from yet


def test_short_history_is_labelled_and_its_intervals_widen_with_the_horizon():
    rows = forecast_months(history(60, dt.date(2026, 9, 30), noise=0.03), None, 3)
    assert set(rows["method"]) == {"mstl_short_history"}
    widths = (rows["upper_80"] - rows["lower_80"]).to_list()
    assert widths[0] == 0 and widths[1] < widths[3]
    assert abs(rows.iloc[1].forecast_cost - month_cost("2026-10")) / month_cost("2026-10") < 0.05
    few = forecast_months(history(10, dt.date(2026, 9, 30)), None, 1)
    assert set(few["method"]) == {"mean_short_history"}


def test_a_backtest_reuses_only_the_blocks_whose_days_did_not_change(monkeypatch):
    from infralyzer.forecasting import backtest as bt

    frame = history(150, dt.date(2026, 9, 30), noise=0.02)
    first = bt.backtest(frame)
    assert list(first["backtest_month"].unique()) == ["2026-07", "2026-08", "2026-09"]
    # the newest month re-delivered with other costs: its block and the month before's (whose
    # next-month actual it is) change; the earlier blocks are taken from the first result
    redelivered = frame.copy()
    redelivered.loc[pd.to_datetime(redelivered["usage_date"]).dt.month == 9, "daily_cost"] *= 1.1
    computed = []
    forecast = bt.engine.forecast_months
    monkeypatch.setattr(bt.engine, "forecast_months",
                        lambda h, origin, **kw: computed.append(origin) or forecast(h, origin, **kw))
    import duckdb

    as_stored = duckdb.sql("select * from first").df()  # what the model reads back from its table
    reused = bt.backtest(redelivered, previous=as_stored)
    # the origins of the August and September blocks (the day before day 1, 8, 15 and 22), each
    # forecast by the method and by the baseline
    origins = [dt.date(2026, m, d) - dt.timedelta(days=1) for m in (8, 9) for d in (1, 8, 15, 22)]
    assert sorted(computed) == sorted(origins * 2)
    monkeypatch.undo()
    fresh = bt.backtest(redelivered)
    pd.testing.assert_frame_equal(reused.reset_index(drop=True), fresh.reset_index(drop=True))
    unchanged = first["backtest_month"] == "2026-07"
    pd.testing.assert_frame_equal(reused[unchanged].reset_index(drop=True), first[unchanged].reset_index(drop=True))
    assert not reused.equals(first)
    again = bt.backtest(redelivered, previous=pd.concat([reused, reused]))  # a block is taken once
    pd.testing.assert_frame_equal(again.reset_index(drop=True), fresh.reset_index(drop=True))


def test_the_models_read_the_last_52_weeks_only():
    long = history(600, dt.date(2026, 9, 14), noise=0.02)
    recent = long.tail(52 * 7)
    pd.testing.assert_frame_equal(forecast_months(long, None, 3), forecast_months(recent, None, 3))
