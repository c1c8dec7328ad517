"""The forecasts the dbt models compute in a child process (infralyzer.forecasting.child_process)
equal those computed in this process, with the child's fits spread over several processes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from infralyzer.forecasting import child_process, engine


def noisy_history(end: dt.date) -> pd.DataFrame:
    """Three series of different lengths (one too short for a cross-validation), with noise, so the
    models fit something and every method path runs."""
    rng = np.random.default_rng(11)
    frames = []
    for key, days in (("a", 300), ("b", 260), ("c", 40)):
        dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
        daily = 100 + 20 * (dates.dayofweek.to_numpy() < 5) + rng.normal(0, 6, days)
        frames.append(pd.DataFrame({"forecast_scope": "account", "scope_key": key, "usage_date": dates.date,
                                    "daily_cost": daily, "period_cost": np.where(dates.day == 1, 50.0, 0.0)}))
    return pd.concat(frames, ignore_index=True)


def test_the_child_process_forecasts_exactly_what_this_process_does():
    history = noisy_history(dt.date(2026, 9, 14))
    in_process = engine.forecast_months(history, None, months_ahead=2)
    assert engine.FIT_JOBS == 1  # in-process: statsforecast must not fork dbt's process
    in_child = child_process.run("forecast_months", history, origin=None, months_ahead=2)
    assert set(in_child["method"]) == {"ensemble", "mstl_short_history"}
    pd.testing.assert_frame_equal(in_child, in_process, check_exact=True)


def test_a_failure_in_the_child_raises_with_its_traceback():
    broken = pd.DataFrame({"forecast_scope": ["total"], "usage_date": [dt.date(2026, 9, 1)]})  # no cost columns
    with pytest.raises(child_process.ChildProcessError, match=r"(?s)forecast_months.*KeyError"):
        child_process.run("forecast_months", broken, origin=None)


def test_only_the_named_tasks_run():
    with pytest.raises(ValueError, match="unknown forecasting task"):
        child_process.run("os:system", "true")
