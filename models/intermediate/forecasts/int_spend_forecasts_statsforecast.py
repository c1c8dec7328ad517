"""Month forecasts of daily effective cost with statsforecast: the mean of four models, its
intervals calibrated on a rolling-origin backtest of month sums (infralyzer.forecasting.engine;
docs/forecasting.md). DuckDB only: dbt
runs Python models in-process there, while Athena and Trino publish the SQL method
(int_spend_forecasts_seasonal_naive). Grain: one row per forecast scope, scope key and billing
period: the period of the last known day (the origin) and the next three."""


def model(dbt, session):
    dbt.config(materialized="table")
    from infralyzer.forecasting import child_process

    history = dbt.ref("int_spend_daily_by_forecast_scope").project(
        "forecast_scope, scope_key, usage_date, cast(daily_cost as double) as daily_cost, "
        "cast(period_cost as double) as period_cost"
    ).df()
    # in a child process: the fit would hold dbt's interpreter lock (child_process.py)
    return child_process.run("forecast_months", history, origin=None, months_ahead=3)
