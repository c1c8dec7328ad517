"""POST /sql/query: analysts' SELECTs work and equal the marts; everything else is refused with a
4xx, reads no file and writes none; row and time limits; account scoping cannot be bypassed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app

from api_support import API, SCOPED_ACCOUNTS, close, headers, hostile_queries, make_settings, read_table

pytestmark = pytest.mark.e2e

ANALYST = headers("analyst")
SCOPED = headers("scoped-analyst")
CANARY = "CANARY-5f0e1c8a-never-served"


def run(client, sql: str, key=ANALYST, **body):
    return client.post(f"{API}/sql/query", json={"sql": sql, **body}, headers=key)


def test_hostile_sql_is_refused_and_touches_no_file(client, tmp_path):
    canary = tmp_path / "canary.csv"
    canary.write_text(f"secret\n{CANARY}\n")
    target = tmp_path / "written.csv"
    database = tmp_path / "other.duckdb"
    for sql in hostile_queries(str(canary), str(target), str(database)):
        for key in (ANALYST, SCOPED):
            response = run(client, sql, key)
            assert 400 <= response.status_code < 500, (sql[:100], response.status_code, response.text[:300])
            body = response.json()
            assert set(body) == {"error", "message", "details"}, sql[:100]
            assert CANARY not in response.text and "root:x:0:0" not in response.text, sql[:100]
    assert not target.exists() and not database.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canary.csv"]


def test_every_refusal_has_a_stable_code(client):
    codes = {
        "select * from read_csv('/etc/passwd')": "sql_not_allowed",
        "select * from '/etc/passwd'": "table_not_allowed",
        "select 1; select 2": "sql_not_allowed",
        "copy (select 1) to '/tmp/x.csv'": "sql_not_allowed",
        "select from where": "sql_parse_error",
        "select " + "(" * 300 + "1" + ")" * 300: "sql_too_complex",
        "select 1 " + "union all select 1 " * 5_000: "sql_too_long",
        "select no_such_column from marts.dim_regions": "query_failed",
    }
    for sql, code in codes.items():
        assert run(client, sql).json()["error"] == code, sql[:60]


def test_valid_queries_equal_the_marts(client, mart):
    body = run(client, "select billing_period, sum(amortized_cost) as cost from marts.fct_spend_monthly "
                       "group by billing_period order by billing_period").json()
    expected = mart("select billing_period, sum(amortized_cost) from marts.fct_spend_monthly group by 1 order by 1")
    assert [(r["billing_period"]) for r in body["data"]] == [e[0] for e in expected]
    assert all(close(r["cost"], e[1]) for r, e in zip(body["data"], expected))
    assert body["truncated"] is False
    # CTEs, joins, window functions, unqualified mart names, DuckDB syntax
    body = run(client, """
        with monthly as (
            select s.billing_period, a.account_name, sum(s.unblended_cost) as cost
            from fct_spend_monthly as s join marts.dim_accounts as a on s.usage_account_id = a.account_id
            group by all
        )
        select *, rank() over (partition by billing_period order by cost desc) as rnk
        from monthly qualify rnk <= 3 order by billing_period, rnk""").json()
    assert body["row_count"] == 9 and body["data"][0]["rnk"] == 1
    metadata = run(client, "select newest_billing_period from main.snapshot_info").json()
    assert metadata["data"] == [{"newest_billing_period": "2026-09"}]


def test_row_limit_truncates(client, mart):
    body = run(client, "select * from marts.fct_spend_daily", limit=7).json()
    assert body["row_count"] == 7 and body["truncated"] is True
    body = run(client, "select * from marts.fct_spend_daily order by amortized_cost desc limit 3").json()
    assert body["row_count"] == 3 and body["truncated"] is False
    top = mart("select max(amortized_cost) from marts.fct_spend_daily")[0][0]
    assert close(body["data"][0]["amortized_cost"], top)
    body = run(client, "select * from marts.fct_spend_daily limit 100000").json()
    assert body["row_count"] == body["row_limit"] == 10_000 and body["truncated"] is True


def test_formats(client, mart):
    response = client.post(f"{API}/sql/query", params={"format": "parquet"}, headers=ANALYST,
                           json={"sql": "select region from marts.dim_regions order by region"})
    assert read_table(response).column("region").to_pylist() == [r[0] for r in mart(
        "select region from marts.dim_regions order by region")]


def test_time_limit_interrupts_the_query(publish_dir):
    slow = TestClient(create_app(settings=make_settings(publish_dir, sql_timeout_seconds=0.5)))
    response = run(slow, "select count(*) from marts.fct_spend_daily as a, marts.fct_spend_daily as b, "
                         "marts.fct_spend_daily as c where a.amortized_cost + b.amortized_cost > c.amortized_cost")
    assert response.status_code == 408 and response.json()["error"] == "query_timeout"
    assert run(slow, "select count(*) as n from marts.dim_regions").status_code == 200  # the service lives on


def test_viewer_keys_cannot_run_sql(client):
    response = run(client, "select 1 as x", headers("viewer"))
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert run(client, "select 1 as x", {}).status_code == 401
    assert run(client, "select 1 as x", {"X-API-Key": "wrong"}).status_code == 401


@pytest.mark.parametrize("sql", [
    "select distinct usage_account_id from marts.fct_spend_daily",
    "select distinct usage_account_id from fct_spend_daily",
    'select distinct usage_account_id from "marts"."fct_spend_daily"',
    "select distinct usage_account_id from marts.fct_spend_daily as s where s.usage_account_id is not null "
    "or true",
    "with all_rows as (select * from marts.fct_spend_monthly) select distinct usage_account_id from all_rows",
    "select distinct usage_account_id from (select * from marts.fct_spend_daily) as x",
    "select distinct account_id as usage_account_id from marts.dim_accounts",
    "select usage_account_id from marts.fct_spend_trends union select usage_account_id from marts.fct_savings_summary",
    "select distinct s.usage_account_id from marts.dim_accounts as a left join marts.fct_commitment_coverage as s "
    "on true where s.usage_account_id is not null",
])
def test_scoped_sql_sees_only_its_accounts(client, sql):
    body = run(client, sql, SCOPED).json()
    seen = {r["usage_account_id"] for r in body["data"]}
    assert seen and seen <= set(SCOPED_ACCOUNTS), (sql, seen)


def test_scoped_sql_numbers_and_unreadable_marts(client, mart):
    body = run(client, "select sum(amortized_cost) as cost from marts.fct_spend_daily", SCOPED).json()
    expected = mart("select sum(amortized_cost) from marts.fct_spend_daily where usage_account_id in (?, ?)",
                    SCOPED_ACCOUNTS)[0][0]
    assert close(body["data"][0]["cost"], expected)
    # the payer's invoice sums accounts beyond the key's: not its to see; reference dimensions are
    response = run(client, "select count(*) as n from marts.fct_invoice_summary", SCOPED)
    assert response.status_code == 403 and response.json()["error"] == "table_not_in_scope"
    assert run(client, "select count(*) as n from marts.dim_services", SCOPED).json()["data"][0]["n"] > 0
    response = run(client, "select count(*) from marts.fct_chargeback", SCOPED)
    assert response.status_code == 403 and response.json()["error"] == "table_not_in_scope"
    assert run(client, "select count(*) as n from marts.fct_spend_daily", headers("nobody")).json()["data"] == [{"n": 0}]
