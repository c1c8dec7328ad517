"""Month totals of daily effective cost, forecast with statsforecast by an equal-weight combination
of candidate models, with intervals calibrated on a rolling-origin backtest of month sums; what the
dbt Python models `int_spend_forecasts_statsforecast` and `int_forecast_backtest` run
(docs/forecasting.md).

A series is one scope's daily cost split in two (int_spend_daily_by_forecast_scope): `daily`
accrues every day and is forecast by the models; `period` is posted once per billing period on
its first day (support, tax, credits, ...) and is carried forward from the last month that has it.

Per series, at an origin (the last day whose cost is known):
1. the candidates (AutoETS, MSTL, AutoARIMA and the seasonal-naive baseline) are cross-validated
   on the history before the origin: up to `MAX_WINDOWS` cutoffs `STEP_DAYS` apart, each
   forecasting `h` days (fitted once on the first window, then run forward over each later one);
2. the forecast is the mean of the candidates' forecasts (`ensemble`): on the development seed a
   per-series choice by the same windows picked noise and lost to the combination;
3. each target month's interval is the empirical quantile of the combination's absolute errors of
   the same step range's sum over the windows (the interval of the month sum, which daily
   intervals added up do not give).
Given one model (the baseline), it is run alone with the same interval rule.
A series too short for two windows gets the `short_history` method: one MSTL fit, with the
seasonal-naive's daily 80/95 % intervals added up day by day (as if the days' errors moved together).
Period charges are carried forward; their interval is what they changed over as many months before,
added in quadrature to the daily part's.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

ENSEMBLE = "ensemble"
LEVELS = (80, 95)
SEASON_DAYS = 7
STEP_DAYS = 7  # between cross-validation cutoffs: a week, so every weekday starts a window equally often
MAX_WINDOWS = 20  # errors to calibrate an interval on: the 80 % quantile needs several, 95 % needs 19
MIN_TRAIN_DAYS = 56  # the shortest history a window's model is fitted on (8 weeks)
MIN_MODEL_DAYS = 2 * SEASON_DAYS  # below this the mean of the days known is all there is
# the days the models read, counted back from the origin: 52 weekly seasons hold the 20 windows of
# the longest horizon, and no yearly season is modelled, so older days would only cost time (a
# forecast's cost stays the same however long the history grows)
MODEL_HISTORY_DAYS = 52 * SEASON_DAYS
# processes statsforecast spreads the series over (each series is fitted alone, so the results are
# the same for any number); 1 in-process, since forking there would copy dbt's and DuckDB's threads
# and locks: the child process of the dbt models (child_process.py) raises it to the CPU count
FIT_JOBS = 1

log = logging.getLogger(__name__)


def candidate_models() -> dict[str, object]:
    """The models whose forecasts are averaged (name -> statsforecast model); each implements
    `forward`, which the cross-validation without refit needs."""
    from statsforecast.models import MSTL, AutoARIMA, AutoETS

    return {
        **baseline_models(),  # on very regular cost the last week is hard to beat: it weighs in
        "auto_ets": AutoETS(season_length=SEASON_DAYS, alias="auto_ets"),
        # the deseasonalised level by simple exponential smoothing: a trend extrapolated over months
        # of daily cost ran away in development
        "mstl": MSTL(season_length=SEASON_DAYS, trend_forecaster=AutoETS(model="ANN"), alias="mstl"),
        # a small order search: the default one costs seconds per fit and never won on daily cost
        "auto_arima": AutoARIMA(season_length=SEASON_DAYS, max_p=2, max_q=2, max_P=1, max_Q=1,
                                approximation=True, alias="auto_arima"),
    }


def baseline_models() -> dict[str, object]:
    """The seasonal-naive baseline: the last week repeated (the SQL method of Athena and Trino)."""
    from statsforecast.models import SeasonalNaive

    return {"seasonal_naive": SeasonalNaive(season_length=SEASON_DAYS, alias="seasonal_naive")}


@dataclass(frozen=True)
class Target:
    """A billing period to forecast from an origin: its days are steps `first_step..last_step`
    after the origin (none left when the origin is its last day)."""

    billing_period: str
    horizon_months: int
    first_step: int
    last_step: int

    @property
    def remaining_days(self) -> int:
        return max(0, self.last_step - self.first_step + 1)


def month_start(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def targets_from(origin: dt.date, months_ahead: int) -> list[Target]:
    """The origin's own billing period (horizon 0) and the next `months_ahead` ones."""
    targets = []
    for k in range(months_ahead + 1):
        first = max(month_start(origin, k), origin + dt.timedelta(days=1))
        last = month_start(origin, k + 1) - dt.timedelta(days=1)
        targets.append(Target(month_start(origin, k).strftime("%Y-%m"), k, (first - origin).days,
                              (last - origin).days))
    return targets


@dataclass
class SeriesForecast:
    """One series' forecast of its targets: the daily part's sums and their intervals."""

    unique_id: str
    method: str
    history_days: int
    windows: int
    sums: dict[str, float] = field(default_factory=dict)  # billing period -> forecast of its remaining days
    half_widths: dict[tuple[str, int], float] = field(default_factory=dict)  # (period, level) -> half width


def _frame(series: dict[str, np.ndarray], origin: dt.date) -> pd.DataFrame:
    frames = []
    for uid, values in series.items():
        days = pd.date_range(end=pd.Timestamp(origin), periods=len(values), freq="D")
        frames.append(pd.DataFrame({"unique_id": uid, "ds": days, "y": np.asarray(values, dtype=float)}))
    return pd.concat(frames, ignore_index=True)


def backtest_windows(history_days: int, h: int) -> int:
    return max(0, min(MAX_WINDOWS, (history_days - h - MIN_TRAIN_DAYS) // STEP_DAYS + 1))


def _range_sums(values: np.ndarray, targets: list[Target]) -> dict[str, float]:
    return {t.billing_period: float(values[t.first_step - 1:t.last_step].sum()) if t.remaining_days else 0.0
            for t in targets}


def interval_half_width(errors: np.ndarray, level: int) -> float:
    """The half width of a `level` % interval: that quantile of the absolute backtest errors
    (numpy's linear interpolation between the errors; 0 without errors)."""
    if len(errors) == 0:
        return 0.0
    return float(np.quantile(np.abs(errors), level / 100))


def _cv_errors(cv: pd.DataFrame, model: str, targets: list[Target]) -> dict[str, dict[str, np.ndarray]]:
    """Per series and target: the errors (actual - forecast) of the target's step-range sum, one per window."""
    out: dict[str, dict[str, list[float]]] = {}
    for (uid, _cutoff), window in cv.sort_values("ds").groupby(["unique_id", "cutoff"], sort=True):
        actual = window["y"].to_numpy()
        predicted = window[model].to_numpy()
        errors = out.setdefault(str(uid), {t.billing_period: [] for t in targets})
        for t in targets:
            if t.remaining_days:
                span = slice(t.first_step - 1, t.last_step)
                errors[t.billing_period].append(float(actual[span].sum() - predicted[span].sum()))
    return {uid: {p: np.array(e) for p, e in per.items()} for uid, per in out.items()}


def forecast_series(series: dict[str, np.ndarray], origin: dt.date, targets: list[Target],
                    models: dict[str, object] | None = None,
                    backtest: pd.DataFrame | None = None) -> dict[str, SeriesForecast]:
    """Forecast the daily part of each series (values up to and including `origin`) for `targets`.
    `models`: the candidates averaged (default `candidate_models()`); one model is run alone.
    `backtest`: a cross-validation already run on an earlier origin (`cross_validate`), reused for
    the series it holds instead of running a new one (the accuracy backtest cross-validates once a month)."""
    models = models or candidate_models()
    h = max(t.last_step for t in targets)
    results: dict[str, SeriesForecast] = {}
    if h <= 0:
        return {uid: SeriesForecast(uid, "none_remaining", len(v), 0) for uid, v in series.items()}
    by_windows: dict[int, dict[str, np.ndarray]] = {}
    for uid, values in series.items():
        by_windows.setdefault(backtest_windows(len(values), h), {})[uid] = values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast's convergence warnings on short or flat series
        for windows, group in sorted(by_windows.items()):
            if windows < 2:
                results.update(_short_history(group, origin, targets, models))
                continue
            if backtest is not None and set(group) <= set(backtest["unique_id"].astype(str)):
                cv, windows = backtest, int(backtest["cutoff"].nunique())
            else:
                cv = cross_validate(group, origin, models, windows, h)
            results.update(_selected(group, origin, targets, models, windows, cv))
    return results


def cross_validate(group: dict[str, np.ndarray], origin: dt.date, models: dict[str, object], windows: int,
                   h: int) -> pd.DataFrame:
    """Every candidate's forecasts of `h` days from `windows` cutoffs STEP_DAYS apart before the origin."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = _statsforecast(list(models.values()), len(group)).cross_validation(
            df=_frame(group, origin), h=h, n_windows=windows, step_size=STEP_DAYS, refit=False)
    return _with_ensemble(cv, models)


def _statsforecast(models: list[object], series: int):
    from statsforecast import StatsForecast

    return StatsForecast(models=models, freq="D", n_jobs=max(1, min(FIT_JOBS, series)))


def _with_ensemble(frame: pd.DataFrame, models: dict[str, object]) -> pd.DataFrame:
    if len(models) > 1:
        frame[ENSEMBLE] = frame[list(models)].mean(axis=1)
    return frame


def method_name(models: dict[str, object]) -> str:
    return ENSEMBLE if len(models) > 1 else next(iter(models))


def _selected(group: dict[str, np.ndarray], origin: dt.date, targets: list[Target], models: dict[str, object],
              windows: int, cv: pd.DataFrame) -> dict[str, SeriesForecast]:
    """The combination's (or the one model's) forecast and its intervals from the backtest errors."""
    h = max(t.last_step for t in targets)
    name = method_name(models)
    errors = _cv_errors(cv, name, targets)
    fitted = _with_ensemble(_statsforecast(list(models.values()), len(group)).forecast(
        df=_frame(group, origin), h=h), models)
    results: dict[str, SeriesForecast] = {}
    for uid, path in fitted.sort_values("ds").groupby("unique_id"):
        uid = str(uid)
        result = SeriesForecast(uid, name, len(group[uid]), windows, _range_sums(path[name].to_numpy(), targets))
        for t in targets:
            e = errors[uid][t.billing_period] if t.remaining_days else np.array([])
            for level in LEVELS:
                result.half_widths[(t.billing_period, level)] = interval_half_width(e, level)
        results[uid] = result
    return results


def _short_history(group: dict[str, np.ndarray], origin: dt.date, targets: list[Target],
                   models: dict[str, object]) -> dict[str, SeriesForecast]:
    """Too short to choose: MSTL (or the one model given, e.g. the baseline) with its daily intervals."""
    from statsforecast.models import MSTL, AutoETS

    h = max(t.last_step for t in targets)
    results: dict[str, SeriesForecast] = {}
    modelled = {uid: v for uid, v in group.items() if len(v) >= MIN_MODEL_DAYS}
    if modelled:
        name, model = next(iter(models.items())) if len(models) == 1 else (
            "mstl", MSTL(season_length=SEASON_DAYS, trend_forecaster=AutoETS(model="ANN"), alias="mstl"))
        # the intervals are the seasonal-naive's, whose spread grows with the weeks ahead: MSTL's own
        # barely grow (a smoothed level) and covered about half of the generated next months
        spread_name, spread_model = next(iter(baseline_models().items()))
        fitting = [model] + ([spread_model] if spread_name != name else [])
        fitted = _statsforecast(fitting, len(modelled)).forecast(
            df=_frame(modelled, origin), h=h, level=list(LEVELS))
        for uid, path in fitted.sort_values("ds").groupby("unique_id"):
            uid = str(uid)
            result = SeriesForecast(uid, f"{name}_short_history", len(group[uid]), 0,
                                    _range_sums(path[name].to_numpy(), targets))
            for level in LEVELS:
                daily_half = (path[f"{spread_name}-hi-{level}"] - path[spread_name]).to_numpy()
                for t, width in _range_sums(daily_half, targets).items():
                    result.half_widths[(t, level)] = width
            results[uid] = result
    for uid, values in group.items():
        if uid in results:
            continue
        # fewer than two weeks: the mean of the days known, its spread added up day by day
        mean = float(np.mean(values)) if len(values) else 0.0
        spread = float(np.std(values)) if len(values) > 1 else abs(mean)
        result = SeriesForecast(uid, "mean_short_history", len(values), 0,
                                {t.billing_period: mean * t.remaining_days for t in targets})
        for t in targets:
            for level in LEVELS:
                z = float(stats.norm.ppf(0.5 + level / 200))
                result.half_widths[(t.billing_period, level)] = z * spread * t.remaining_days
        results[uid] = result
    return results


def period_changes(monthly: pd.Series, current: str, lag: int) -> np.ndarray:
    """The errors carrying period charges forward `lag` months would have made: each known month's
    charges (`monthly`: billing period -> sum) minus those `lag` months before. Known: the months
    before `current`, and `current` once its charges are posted."""
    known = monthly[monthly.index <= current] if monthly.get(current, 0) != 0 else monthly[monthly.index < current]
    values = known.sort_index().to_numpy(dtype=float)
    return values[lag:] - values[:-lag] if len(values) > lag else np.array([])


FORECAST_COLUMNS = ["forecast_scope", "scope_key", "billing_period", "horizon_months", "as_of_date", "method",
                    "history_days", "backtest_windows", "remaining_days", "actual_to_date", "period_cost_estimate",
                    "forecast_cost", "lower_80", "upper_80", "lower_95", "upper_95", "forecast_daily_rate"]


def forecast_months(history: pd.DataFrame, origin: dt.date | None, months_ahead: int = 3,
                    models: dict[str, object] | None = None,
                    backtest: pd.DataFrame | None = None) -> pd.DataFrame:
    """Month totals of every series in `history` (columns forecast_scope, scope_key, usage_date,
    daily_cost, period_cost; one row per series and day up to `origin`, later days are ignored):
    the origin's billing period (what is known plus the forecast of its remaining days) and the
    next `months_ahead` ones, with 80 and 95 % intervals; FORECAST_COLUMNS. The origin defaults
    to the last day of the history."""
    if history.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    if origin is None:
        origin = pd.to_datetime(history["usage_date"]).max().date()
    history = history[pd.to_datetime(history["usage_date"]).dt.date <= origin].copy()
    history["usage_date"] = pd.to_datetime(history["usage_date"]).dt.date
    history["uid"] = history["forecast_scope"] + "|" + history["scope_key"]
    history["period"] = [d.strftime("%Y-%m") for d in history["usage_date"]]
    history = history.sort_values(["uid", "usage_date"])
    targets = targets_from(origin, months_ahead)
    series = {uid: g["daily_cost"].to_numpy(dtype=float)[-MODEL_HISTORY_DAYS:] for uid, g in history.groupby("uid")}
    forecasts = forecast_series(series, origin, targets, models, backtest)
    current = targets[0].billing_period
    rows = []
    for uid, g in history.groupby("uid"):
        scope, key = uid.split("|", 1)
        monthly = g.groupby("period")["period_cost"].sum()
        posted = monthly[monthly != 0]
        last_posted = float(posted.iloc[-1]) if len(posted) else 0.0
        known = g[g["period"] == current]
        known_total = float(known["daily_cost"].sum() + known["period_cost"].sum())
        f = forecasts[uid]
        for t in targets:
            estimate = 0.0 if (t.horizon_months == 0 and current in posted.index) else last_posted
            actual = known_total if t.horizon_months == 0 else 0.0
            mean = actual + estimate + f.sums.get(t.billing_period, 0.0)
            half = {level: f.half_widths.get((t.billing_period, level), 0.0) for level in LEVELS}
            if estimate:
                # the carried-forward period charges miss by what they changed over as many months
                # before, independently of the daily part's error: the half widths add in quadrature
                lag = t.horizon_months + (0 if current in posted.index else 1)
                changes = period_changes(monthly, current, lag)
                half = {level: float(np.hypot(half[level], interval_half_width(changes, level))) for level in LEVELS}
            rows.append({
                "forecast_scope": scope, "scope_key": key, "billing_period": t.billing_period,
                "horizon_months": t.horizon_months, "as_of_date": origin, "method": f.method,
                "history_days": f.history_days, "backtest_windows": f.windows, "remaining_days": t.remaining_days,
                "actual_to_date": actual, "period_cost_estimate": estimate, "forecast_cost": mean,
                "lower_80": mean - half[80], "upper_80": mean + half[80],
                "lower_95": mean - half[95], "upper_95": mean + half[95],
                "forecast_daily_rate": (f.sums.get(t.billing_period, 0.0) / t.remaining_days
                                        if t.remaining_days else None),
            })
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS)
