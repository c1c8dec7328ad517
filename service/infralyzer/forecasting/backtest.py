"""The rolling-origin backtest of the month forecasts (engine.py), what the dbt Python model
`int_forecast_backtest` runs and `fct_forecast_accuracy` summarises (docs/forecasting.md,
'Accuracy').

For every billing period M of the history whose days are all known, forecasts are made as they
would have been on day 1, 8, 15 and 22 of M, from the days before only (the origin is the day
before): M's total (`month_end`) and, when M+1 is complete too, M+1's total (`next_month`). The
models are cross-validated once per month, on the history before M's first day (the windows that
calibrate the intervals of every origin of M); the seasonal-naive baseline is forecast from the
same origins with the same interval rule.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from infralyzer.forecasting import engine

ORIGIN_DAYS = (1, 8, 15, 22)
BACKTEST_COLUMNS = ["forecast_scope", "scope_key", "billing_period", "target", "origin_day", "as_of_date",
                    "is_baseline", "method", "backtest_windows", "forecast_cost", "lower_80", "upper_80",
                    "lower_95", "upper_95", "actual_cost"]


def _complete_months(days: pd.Series) -> list[dt.date]:
    first, last = min(days), max(days)
    months, month = [], engine.month_start(first) if first.day == 1 else engine.month_start(first, 1)
    while engine.month_start(month, 1) - dt.timedelta(days=1) <= last:
        months.append(month)
        month = engine.month_start(month, 1)
    return months


def backtest(history: pd.DataFrame, models: dict[str, object] | None = None,
             baseline: dict[str, object] | None = None) -> pd.DataFrame:
    """Forecast against actual for every series of `history` (the columns engine.forecast_months
    reads), every complete month after the first and every origin day; BACKTEST_COLUMNS."""
    history = history.copy()
    history["usage_date"] = pd.to_datetime(history["usage_date"]).dt.date
    history["period"] = [d.strftime("%Y-%m") for d in history["usage_date"]]
    months = _complete_months(history["usage_date"])
    actual = (history.assign(cost=history["daily_cost"] + history["period_cost"])
              .groupby(["forecast_scope", "scope_key", "period"])["cost"].sum())
    kinds = {False: models or engine.candidate_models(), True: baseline or engine.baseline_models()}
    frames = []
    for month in months[1:]:
        next_month = engine.month_start(month, 1)
        period, next_period = month.strftime("%Y-%m"), next_month.strftime("%Y-%m")
        has_next = next_month in months
        month_origin = month - dt.timedelta(days=1)
        for is_baseline, candidates in kinds.items():
            cv = _month_cross_validation(history, month_origin, candidates)
            for day in ORIGIN_DAYS:
                origin = month.replace(day=day) - dt.timedelta(days=1)
                # up to M+1: from day 1 the origin is in the month before
                rows = engine.forecast_months(history, origin, months_ahead=2 if day == 1 else 1, models=candidates,
                                              backtest=cv)
                wanted = {period: "month_end", **({next_period: "next_month"} if has_next else {})}
                rows = rows[rows["billing_period"].isin(wanted)].copy()
                rows["target"] = rows["billing_period"].map(wanted)
                rows["origin_day"] = day
                rows["is_baseline"] = is_baseline
                frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    result["actual_cost"] = [float(actual.get((s, k, p), np.nan)) for s, k, p in
                             zip(result["forecast_scope"], result["scope_key"], result["billing_period"])]
    return result[BACKTEST_COLUMNS]


def _month_cross_validation(history: pd.DataFrame, origin: dt.date, models: dict[str, object]) -> pd.DataFrame | None:
    """The cross-validation of the month's intervals: every series with history for two windows
    of the longest horizon the month's origins need (M and M+1 from M's first day)."""
    horizon = (engine.month_start(origin, 3) - dt.timedelta(days=1) - origin).days
    known = history[history["usage_date"] <= origin]
    group = {f"{s}|{k}": g.sort_values("usage_date")["daily_cost"].to_numpy(dtype=float)
             for (s, k), g in known.groupby(["forecast_scope", "scope_key"])}
    windows = {uid: engine.backtest_windows(len(v), horizon) for uid, v in group.items()}
    group = {uid: v for uid, v in group.items() if windows[uid] >= 2}
    if not group:
        return None
    return engine.cross_validate(group, origin, models, min(windows[uid] for uid in group), horizon)
