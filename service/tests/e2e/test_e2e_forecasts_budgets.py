"""End to end: the month forecasts, their backtest and the budgets on the shared sample (three
closed months, so every series is short: the models' labels say so), and budgets built on a copy
of the session's build with a budgets seed of the sample's accounts."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.auth import hash_key
from infralyzer.dbt_runner import run_dbt
from infralyzer.forecasting.engine import baseline_models, forecast_months
from infralyzer.settings import Settings

from dbt_project_copy import project_copy
from sample_build import SAMPLE_PERIODS

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")
NEXT_PERIODS = ["2026-10", "2026-11", "2026-12"]


def test_forecasts_cover_every_scope_and_the_next_three_periods(build_db):
    rows = build_db.execute(
        "select forecast_scope, scope_key, billing_period, horizon_months, method, as_of_date "
        "from marts.fct_spend_forecasts").fetchall()
    accounts = {a for (a,) in build_db.execute("select distinct usage_account_id from marts.fct_spend_daily").fetchall()}
    services = {s for (s,) in build_db.execute("select distinct service from marts.fct_spend_daily").fetchall()}
    keys = {(scope, key) for scope, key, *_ in rows}
    assert keys == {("total", "total")} | {("account", a) for a in accounts} | {("service", s) for s in services}
    for key in keys:
        periods = sorted((p, h) for s, k, p, h, *_ in rows if (s, k) == key)
        assert periods == [(SAMPLE_PERIODS[-1], 0)] + [(p, i + 1) for i, p in enumerate(NEXT_PERIODS)]
    assert {as_of for *_, as_of in rows} == {dt.date(2026, 9, 30)}
    # three months of history are too few for the backtest windows: the label says so
    assert {row[4] for row in rows} <= {"mstl_short_history", "mean_short_history"}


def test_the_closed_month_is_its_actual_and_the_intervals_are_ordered(build_db):
    closed = build_db.execute(
        "select scope_key, forecast_cost, lower_95, upper_95 from marts.fct_spend_forecasts "
        "where forecast_scope = 'total' and horizon_months = 0").fetchone()
    spend = build_db.execute("select sum(amortized_cost) from marts.fct_spend_monthly where billing_period = ?",
                             [SAMPLE_PERIODS[-1]]).fetchone()[0]
    assert closed[1].quantize(CENT) == spend.quantize(CENT) == closed[2].quantize(CENT) == closed[3].quantize(CENT)
    future = build_db.execute(
        "select count(*), count(*) filter (where lower_95 < lower_80 and lower_80 < forecast_cost "
        "and forecast_cost < upper_80 and upper_80 < upper_95) from marts.fct_spend_forecasts "
        "where horizon_months > 0 and forecast_scope = 'total'").fetchone()
    assert future[0] == future[1] == 3


def test_the_sql_method_equals_statsforecasts_seasonal_naive(build_db):
    """The SQL seasonal-naive forecast (Athena's and Trino's method) against statsforecast's
    SeasonalNaive run by the Python engine on the same daily series: the same month means."""
    history = build_db.execute(
        "select forecast_scope, scope_key, usage_date, cast(daily_cost as double) as daily_cost, "
        "cast(period_cost as double) as period_cost from intermediate.int_spend_daily_by_forecast_scope").df()
    python = forecast_months(history, None, 3, models=baseline_models())
    sql = build_db.execute(
        "select forecast_scope, scope_key, billing_period, forecast_cost, period_cost_estimate "
        "from intermediate.int_spend_forecasts_seasonal_naive").fetchall()
    assert len(sql) == len(python) > 0
    expected = {(r.forecast_scope, r.scope_key, r.billing_period): (r.forecast_cost, r.period_cost_estimate)
                for r in python.itertuples()}
    for scope, key, period, cost, estimate in sql:
        assert float(cost) == pytest.approx(expected[(scope, key, period)][0], abs=1e-6)
        assert float(estimate) == pytest.approx(expected[(scope, key, period)][1], abs=1e-6)


def test_the_backtest_measures_the_sample_months_against_their_actuals(build_db):
    backtest = build_db.execute(
        "select billing_period, target, origin_day, is_baseline, actual_cost from intermediate.int_forecast_backtest "
        "where forecast_scope = 'total'").fetchall()
    # 2026-08 and 2026-09 have a month before them; next-month totals need the month after too
    assert {(p, t) for p, t, *_ in backtest} == {("2026-08", "month_end"), ("2026-09", "month_end"),
                                                 ("2026-09", "next_month")}
    assert len(backtest) == 3 * 4 * 2
    actual = dict(build_db.execute("select billing_period, sum(amortized_cost) from marts.fct_spend_monthly "
                                   "group by 1").fetchall())
    for period, *_, cost in backtest:
        assert Decimal(str(cost)).quantize(CENT) == actual[period].quantize(CENT)
    summary = build_db.execute("select target, origin_day, forecast_count from marts.fct_forecast_accuracy "
                               "order by 1, 2").fetchall()
    assert summary == [("month_end", d, 2) for d in (1, 8, 15, 22)] + [("next_month", d, 1) for d in (1, 8, 15, 22)]


def test_the_error_sources_benchmark_repeats_the_forecasts_daily_part(build_db):
    """bench/forecast_error_sources.py splits the daily part per resource: its days add up to the
    organisation's series the forecasts read, so its per-resource baseline is the baseline."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from forecast_error_sources import RESOURCE_DAILY_COST

    per_resource = dict(build_db.execute(f"select usage_date, sum(cost) from ({RESOURCE_DAILY_COST}) group by 1")
                        .fetchall())
    series = build_db.execute("select usage_date, daily_cost from intermediate.int_spend_daily_by_forecast_scope "
                              "where forecast_scope = 'total'").fetchall()
    assert len(per_resource) == len(series) > 60
    for day, cost in series:
        assert float(per_resource[day]) == pytest.approx(float(cost), abs=1e-9)


@pytest.fixture(scope="module")
def budgets_build(built: Settings, build_db, tmp_path_factory: pytest.TempPathFactory):
    """The budget models built on a copy of the session's build, with budgets of every scope and
    time unit over the sample's accounts, services and teams."""
    tmp_path = tmp_path_factory.mktemp("budgets")
    project = project_copy(tmp_path)
    account, account_spend = build_db.execute(
        "select usage_account_id, sum(amortized_cost) from marts.fct_spend_monthly where billing_period = '2026-09' "
        "group by 1 order by 2 desc limit 1").fetchone()
    team = build_db.execute("select dimension_value from marts.fct_showback where dimension = 'team' "
                            "and dimension_value <> 'unallocated' group by 1 order by sum(amortized_cost) desc "
                            "limit 1").fetchone()[0]
    total = build_db.execute("select sum(amortized_cost) from marts.fct_spend_monthly "
                             "where billing_period = '2026-08'").fetchone()[0]
    total = total.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)  # never above the spend: it must run out
    (project / "seeds" / "budgets.csv").write_text(
        "budget_id,budget_name,budget_scope,scope_key,time_unit,start_period,end_period,amount,cost_basis\n"
        f"org,Organisation,total,,monthly,2026-07,,{total:.2f},amortized\n"
        f"acct,Largest account,account,{account},monthly,2026-08,2026-11,{account_spend * Decimal('0.5'):.2f},amortized\n"
        "ec2,EC2 per year,service,AmazonEC2,annual,2026-01,,1000000.00,amortized\n"
        f"team,Largest team,team,{team},monthly,2026-09,,1000.00,net_unblended\n"
        "billed,Organisation billed,total,,monthly,2026-09,2026-09,1.00,unblended\n")
    (tmp_path / "build").mkdir()
    build_db_copy = tmp_path / "build" / "infralyzer.duckdb"
    shutil.copy2(built.build_db, build_db_copy)
    settings = Settings(project_dir=project, exports_dir=built.exports_dir, build_db=build_db_copy,
                        publish_dir=tmp_path / "publish")
    run_dbt(settings, "build", "--select", "budgets+", "--exclude", "resource_type:unit_test",
            extra_env={"DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")})
    with duckdb.connect(str(build_db_copy), read_only=True) as con:
        rows = con.execute("select * from marts.fct_budget_status order by budget_id, budget_period").df()
    return settings, rows, account


def test_budget_actuals_reconcile_and_forecasts_follow_the_forecast_mart(budgets_build, build_db):
    _, rows, account = budgets_build
    by_key = {(r.budget_id, r.budget_period): r for r in rows.itertuples()}
    assert set(by_key) == ({("org", p) for p in ["2026-07", "2026-08", "2026-09", *NEXT_PERIODS]}
                           | {("acct", p) for p in ["2026-08", "2026-09", "2026-10", "2026-11"]}
                           | {("ec2", "2026")} | {("team", p) for p in ["2026-09", *NEXT_PERIODS]}
                           | {("billed", "2026-09")})
    spend = dict(build_db.execute("select billing_period, sum(amortized_cost) from marts.fct_spend_monthly "
                                  "group by 1").fetchall())
    for period in SAMPLE_PERIODS:
        assert Decimal(str(by_key[("org", period)].actual_cost)).quantize(CENT) == spend[period].quantize(CENT)
    ec2 = build_db.execute("select sum(amortized_cost) from marts.fct_spend_monthly where service = 'AmazonEC2'"
                           ).fetchone()[0]
    assert Decimal(str(by_key[("ec2", "2026")].actual_cost)).quantize(CENT) == ec2.quantize(CENT)
    forecasts = dict(build_db.execute("select billing_period, forecast_cost from marts.fct_spend_forecasts "
                                      "where forecast_scope = 'total'").fetchall())
    for period in NEXT_PERIODS:
        assert Decimal(str(by_key[("org", period)].forecast_cost)).quantize(CENT) == forecasts[period].quantize(CENT)
    # half the account's September spend runs out mid-month; the organisation's August amount is
    # its own August spend: it runs out on the month's last day
    assert by_key[("acct", "2026-09")].status == "over"
    assert dt.date(2026, 9, 10) <= by_key[("acct", "2026-09")].projected_run_out_date.date() <= dt.date(2026, 9, 20)
    assert by_key[("org", "2026-08")].projected_run_out_date.date() == dt.date(2026, 8, 31)
    assert by_key[("billed", "2026-09")].status == "over" and by_key[("team", "2026-10")].status == "no_forecast"


def test_budgets_endpoint_serves_the_mart_scoped_by_account(budgets_build):
    settings, rows, account = budgets_build
    keys = [{"name": "all", "key_sha256": hash_key("key-all-0123456789"), "role": "viewer", "accounts": None},
            {"name": "one", "key_sha256": hash_key("key-one-0123456789"), "role": "viewer", "accounts": [account]}]
    api = TestClient(create_app(settings=Settings(publish_dir=settings.publish_dir, api_keys=json.dumps(keys),
                                                  api_keys_file=None)))
    url = "/api/v1/finops/ai/budgets"
    everyone = api.get(url, params={"limit": 1000}, headers={"X-API-Key": "key-all-0123456789"}).json()["data"]
    assert len(everyone) == len(rows)
    mine = api.get(url, params={"limit": 1000}, headers={"X-API-Key": "key-one-0123456789"}).json()["data"]
    assert mine and {r["budget_id"] for r in mine} == {"acct"}
    over = api.get(url, params={"status": "over", "budget_id": "acct"},
                   headers={"X-API-Key": "key-all-0123456789"}).json()["data"]
    assert over and {r["status"] for r in over} == {"over"}
