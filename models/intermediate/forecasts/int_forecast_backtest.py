"""The rolling-origin backtest of the month forecasts (infralyzer.forecasting.backtest;
docs/forecasting.md, 'Accuracy'): for every complete billing period after the first, the forecasts
of its total made on day 1, 8, 15 and 22 from the days before (`month_end`) and of the next
period's total (`next_month`), by the forecast method and by the seasonal-naive baseline, next to
the actual cost. Grain: one row per forecast scope, scope key, billing period, target, origin day
and method kind (is_baseline). DuckDB only, as the forecasts. A month's block whose inputs and
method are unchanged since the last build is taken from this table as it was (input_fingerprint).
The scopes backtested: config `backtest_scopes` (its YAML; the organisation total)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from infralyzer.forecasting import child_process

    scopes = dbt.config.get("backtest_scopes") or ["total"]
    history = dbt.ref("int_spend_daily_by_forecast_scope").project(
        "forecast_scope, scope_key, usage_date, cast(daily_cost as double) as daily_cost, "
        "cast(period_cost as double) as period_cost"
    ).df()
    # in a child process: the fits would hold dbt's interpreter lock (child_process.py)
    return child_process.run("backtest", history[history["forecast_scope"].isin(scopes)],
                             previous=previous_backtest(dbt, session))


def previous_backtest(dbt, session):
    """This model's table from the last build, if any: its blocks whose inputs and method are
    unchanged are reused (infralyzer.forecasting.backtest). Read before dbt replaces the table."""
    this = dbt.this
    exists = session.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_name = ?", [this.database, this.schema, this.identifier]).fetchone()[0]
    if not exists:
        return None
    columns = {row[0] for row in session.execute(f"describe {this}").fetchall()}
    return session.sql(f"select * from {this}").df() if "input_fingerprint" in columns else None
