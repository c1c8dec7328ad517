"""The rolling-origin backtest of the month forecasts (engine.py), what the dbt Python model
`int_forecast_backtest` runs and `fct_forecast_accuracy` summarises (docs/forecasting.md,
'Accuracy').

For every billing period M of the history whose days are all known, forecasts are made as they
would have been on day 1, 8, 15 and 22 of M, from the days before only (the origin is the day
before): M's total (`month_end`) and, when M+1 is complete too, M+1's total (`next_month`). The
models are cross-validated once per month, on the history before M's first day (the windows that
calibrate the intervals of every origin of M); the seasonal-naive baseline is forecast from the
same origins with the same interval rule.

A month's forecasts (its `backtest_month` block) depend only on the days up to the end of the next
month and on the method; each block carries a fingerprint of both (`input_fingerprint`), and a
block whose fingerprint a previous backtest already holds is taken from it instead of being
forecast again. Re-delivering the newest period thus recomputes two blocks, not the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from infralyzer.forecasting import engine

ORIGIN_DAYS = (1, 8, 15, 22)
BACKTEST_COLUMNS = ["forecast_scope", "scope_key", "billing_period", "target", "origin_day", "as_of_date",
                    "is_baseline", "method", "backtest_windows", "forecast_cost", "lower_80", "upper_80",
                    "lower_95", "upper_95", "actual_cost", "backtest_month", "input_fingerprint"]
GRAIN = ["forecast_scope", "scope_key", "billing_period", "target", "origin_day", "is_baseline"]
_SOURCES = (Path(__file__).with_name("engine.py"), Path(__file__))


def _complete_months(days: pd.Series) -> list[dt.date]:
    first, last = min(days), max(days)
    months, month = [], engine.month_start(first) if first.day == 1 else engine.month_start(first, 1)
    while engine.month_start(month, 1) - dt.timedelta(days=1) <= last:
        months.append(month)
        month = engine.month_start(month, 1)
    return months


def method_fingerprint(kinds: dict[bool, dict[str, object]]) -> str:
    """What the forecasts depend on besides the data: the engine's code, statsforecast's version and
    the models (their repr holds their parameters)."""
    import statsforecast

    digest = hashlib.sha256(statsforecast.__version__.encode())
    for source in _SOURCES:
        digest.update(source.read_bytes())
    for kind, models in sorted(kinds.items()):
        digest.update(repr((kind, sorted((name, repr(model)) for name, model in models.items()))).encode())
    return digest.hexdigest()


def block_fingerprint(history: pd.DataFrame, month: dt.date, method: str) -> str:
    """The fingerprint of a month's block: the method, the month and every day up to the end of the
    next month (the last two months of a history see the same days)."""
    until = engine.month_start(month, 2)
    days = history[history["usage_date"] < until].sort_values(["forecast_scope", "scope_key", "usage_date"])
    digest = hashlib.sha256(f"{method} {month:%Y-%m}".encode())
    digest.update(pd.util.hash_pandas_object(
        days[["forecast_scope", "scope_key", "usage_date", "daily_cost", "period_cost"]], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def backtest(history: pd.DataFrame, models: dict[str, object] | None = None,
             baseline: dict[str, object] | None = None, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forecast against actual for every series of `history` (the columns engine.forecast_months
    reads), every complete month after the first and every origin day; BACKTEST_COLUMNS.
    `previous`: an earlier result, whose blocks with the same fingerprint are reused."""
    history = history.copy()
    history["usage_date"] = pd.to_datetime(history["usage_date"]).dt.date
    history["period"] = [d.strftime("%Y-%m") for d in history["usage_date"]]
    months = _complete_months(history["usage_date"])
    actual = (history.assign(cost=history["daily_cost"] + history["period_cost"])
              .groupby(["forecast_scope", "scope_key", "period"])["cost"].sum())
    kinds = {False: models or engine.candidate_models(), True: baseline or engine.baseline_models()}
    method = method_fingerprint(kinds)
    reusable = ({key: block for key, block in previous.groupby(["backtest_month", "input_fingerprint"])}
                if previous is not None and "input_fingerprint" in previous else {})
    frames = []
    for month in months[1:]:
        next_month = engine.month_start(month, 1)
        period, next_period = month.strftime("%Y-%m"), next_month.strftime("%Y-%m")
        fingerprint = block_fingerprint(history, month, method)
        if (period, fingerprint) in reusable:
            kept = reusable[(period, fingerprint)][BACKTEST_COLUMNS].drop_duplicates(GRAIN)
            # as computed: a table read back gives timestamps where the forecasts give dates
            frames.append(kept.assign(as_of_date=pd.to_datetime(kept["as_of_date"]).dt.date))
            continue
        parts = []
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
                parts.append(rows)
        block = pd.concat(parts, ignore_index=True)
        block["actual_cost"] = [float(actual.get((s, k, p), np.nan)) for s, k, p in
                                zip(block["forecast_scope"], block["scope_key"], block["billing_period"])]
        block["backtest_month"], block["input_fingerprint"] = period, fingerprint
        frames.append(block[BACKTEST_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _month_cross_validation(history: pd.DataFrame, origin: dt.date, models: dict[str, object]) -> pd.DataFrame | None:
    """The cross-validation of the month's intervals: every series with history for two windows
    of the longest horizon the month's origins need (M and M+1 from M's first day)."""
    horizon = (engine.month_start(origin, 3) - dt.timedelta(days=1) - origin).days
    known = history[history["usage_date"] <= origin]
    group = {f"{s}|{k}": g.sort_values("usage_date")["daily_cost"].to_numpy(dtype=float)[-engine.MODEL_HISTORY_DAYS:]
             for (s, k), g in known.groupby(["forecast_scope", "scope_key"])}
    windows = {uid: engine.backtest_windows(len(v), horizon) for uid, v in group.items()}
    group = {uid: v for uid, v in group.items() if windows[uid] >= 2}
    if not group:
        return None
    return engine.cross_validate(group, origin, models, min(windows[uid] for uid in group), horizon)
