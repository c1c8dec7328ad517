"""Hostile inputs to the SQL endpoint and the API (issue: hardening): every one is refused with a
4xx and the error shape, none answers 5xx or drops the connection, none reads or writes a file,
and no answer leaks the server's paths, settings or the columns of marts a key may not read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api_support import API, SCOPED_ACCOUNTS, headers, hostile_queries

pytestmark = pytest.mark.e2e

ANALYST = headers("analyst")
SCOPED = headers("scoped-analyst")
CANARY = "CANARY-7c1d9e2b-never-served"
SUM_OF_ONES = "select " + "+".join(["1"] * 491)

# shapes of the hardening issue, and more of the same families
SCOPING = [
    # a CTE declared in one scope is no table anywhere else
    "select t.*, d.* from (with duckdb_databases as (select 1) select 1) t, duckdb_databases d",
    "select t.*, d.* from (with pg_settings as (select 1) select 1) t, pg_settings d",
    "select t.*, d.* from (with duckdb_tables as (select 1) select 1) t, duckdb_tables d",
    "select t.*, d.* from (with semantic_manifest as (select 1) select 1) t, semantic_manifest d",
    "select t.*, d.* from (with table_meta as (select 1) select 1) t, table_meta d",
    "select * from (with x as (select 1) select * from x) t, x",
    "with a as (select * from (with duckdb_settings as (select 1) select 1)) select * from duckdb_settings",
    "select (select count(*) from (with duckdb_views as (select 1) select 1)), * from duckdb_views",
    "select * from marts.dim_regions where region in (select * from (with pg_settings as (select 1) select 1) "
    "union all select name from pg_settings)",
    "with x as (select 1) select * from (with y as (select 1) select 1) t, y",
    "select * from duckdb_databases",
    "select * from main.duckdb_databases",
    "select * from pg_catalog.pg_settings",
    "select * from main.semantic_manifest",
    "select * from main.table_meta",
    "select * from semantic_manifest",
    "select * from information_schema.columns",
    "select * from system.main.duckdb_tables",
    "select * from temp.main.duckdb_tables",
    "select * from marts.fct_spend_daily as duckdb_tables, duckdb_tables",
    "with recursive duckdb_databases as (select 1) select 1",
    # CTEs named like marts or the system's views
    "with fct_spend_daily as (select 1 as usage_account_id) select * from fct_spend_daily",
    "with Pg_Settings as (select 1) select * from Pg_Settings",
    'with "duckdb_databases" as (select 1) select * from "duckdb_databases"',
    # window, aggregate and scalar calls outside the allowlist, whatever the node type
    "select approx_top_k(region, 3) over () from marts.dim_regions",
    "select current_setting('memory_limit') over () from marts.dim_regions",
    "select getenv('HOME'), row_number() over () from marts.dim_regions",
    "select reservoir_quantile(1, 0.5) over ()",
    "select list_reduce([1, 2], (x, y) -> x + y) over ()",
    "select arbitrary(region) over (partition by region) from marts.dim_regions",
    "select sum(read_text('/etc/passwd')) over ()",
    "select main.getenv('HOME')",
    "select system.main.current_setting('temp_directory')",
    "select list_transform([1], x -> getenv('HOME'))",
    "select * from marts.dim_regions order by current_setting('temp_directory')",
    "select region from marts.dim_regions group by region having max(getenv('HOME')) is null",
    "select region from marts.dim_regions qualify row_number() over (order by getenv('HOME')) = 1",
    # functions whose work or output grows with an argument, not with the data
    "select levenshtein(repeat('x', 100000), repeat('y', 100000))",
    "select damerau_levenshtein(region, region) from marts.dim_regions",
    "select repeat('x', 1500000000)",
    "select lpad('x', 2000000000, 'y')",
    "select rpad('x', 2000000000, 'y')",
    "select printf('%2000000000d', 1)",
    "select format('{:>2000000000}', 1)",
    "select jaro_winkler_similarity(region, region) from marts.dim_regions",
    "select range(1000000000)",
    "select generate_series(1, 1000000000)",
    "select * from range(1000000000)",
    "select * from unnest(range(1000000000))",
    # parser limits: 4xx, never a server error
    SUM_OF_ONES,
    "select " + "-".join(["1"] * 2000),
    "select " + " and ".join(["true"] * 3000),
    "select " + "coalesce(" * 60 + "1" + ")" * 60,
    "select [" * 60 + "1" + "]" * 60,
    "select 1 from marts.dim_regions where region in (" + ",".join(f"'{i}'" for i in range(4000)) + ")",
    "select " + ", ".join(f"{i} as c{i}" for i in range(2500)),
    "select '" + "'||'".join(["x"] * 2500) + "'",
    "select case " + " ".join(f"when {i} = 1 then {i}" for i in range(1500)) + " end",
    # leaks through errors
    "select no_such_column from marts.fct_spend_daily",
    "select * from marts.fct_spend_daily, marts.fct_chargeback where nope = 1",
    "select * from marts.no_such_mart",
    "select * from fct_chargebak",
]

OTHER_STATEMENTS = [
    "select 1 as x; pragma database_list",
    "explain select 1",
    "explain analyze select 1",
    "vacuum",
    "set memory_limit = '100GB'",
    "select * from marts.dim_regions, (select * from duckdb_secrets())",
    "pivot marts.dim_regions on region using count(*)",
    "select * from marts.dim_regions, lateral (select read_text('/etc/passwd'))",
    "select * from marts.dim_regions as r, (from '/etc/passwd')",
    "select * from marts.dim_regions at (version => 1)",
    "select * from 'marts.dim_regions'",
    "select * from read_parquet(['/etc/passwd'])",
    "select * from marts.dim_regions where region = (select * from read_text('/etc/hostname'))",
    "select 1 as x union all select * from read_text('/etc/passwd')",
]


def hostile() -> list[str]:
    return [*SCOPING, *OTHER_STATEMENTS]


def _refused(response, text: str) -> None:
    assert 400 <= response.status_code < 500, (text[:120], response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error", "message", "details"}, (text[:120], body)


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "canary.csv").write_text(f"secret\n{CANARY}\n")
    return folder


def _no_leak(response, publish_dir, canary) -> None:
    text = response.text
    for secret in (CANARY, "root:x:0:0", str(publish_dir), str(canary), "Candidate bindings", "temp_directory ="):
        assert secret not in text, (secret, text[:300])


def test_there_are_at_least_a_hundred_hostile_inputs(canary):
    inputs = [*hostile(), *hostile_queries(str(canary / "canary.csv"), str(canary / "w.csv"), str(canary / "o.db"))]
    assert len(inputs) >= 100 and len(set(inputs)) == len(inputs)


@pytest.mark.parametrize("sql", hostile(), ids=lambda sql: sql[:60])
def test_hostile_sql_is_refused_with_the_error_shape(client: TestClient, sql, publish_dir, canary):
    for key in (ANALYST, SCOPED):
        response = client.post(f"{API}/sql/query", json={"sql": sql}, headers=key)
        _refused(response, sql)
        _no_leak(response, publish_dir, canary)
    assert sorted(p.name for p in canary.iterdir()) == ["canary.csv"]
    assert not list(publish_dir.glob("*.tmp")) and not list(publish_dir.glob("*.wal"))


def test_a_scoped_key_learns_nothing_of_other_marts_from_errors(client):
    response = client.post(f"{API}/sql/query", headers=SCOPED, json={"sql": "select * from marts.nope"})
    assert response.status_code == 400
    assert "fct_chargeback" not in response.text and "fct_invoice_summary" not in response.text
    response = client.post(f"{API}/sql/query", headers=SCOPED,
                           json={"sql": "select nope from marts.fct_spend_daily, marts.dim_regions"})
    assert response.status_code == 400 and "usage_account_id" not in response.text


def test_a_cte_is_still_visible_in_its_own_query_and_below(client):
    sql = """
        with spend as (select billing_period, sum(amortized_cost) as cost from marts.fct_spend_monthly group by 1),
             latest as (select max(billing_period) as period from spend)
        select (select count(*) from spend) as periods, s.cost > 0 as has_cost
        from spend as s join latest as l on s.billing_period = l.period
        where exists (select 1 from (select * from spend) as inner_spend)"""
    body = client.post(f"{API}/sql/query", headers=SCOPED, json={"sql": sql}).json()
    assert body["data"] == [{"periods": 3, "has_cost": True}], body
    window = "select region, row_number() over (order by region) as n, sum(1) over () as total from marts.dim_regions"
    assert client.post(f"{API}/sql/query", headers=ANALYST, json={"sql": window}).status_code == 200


HOSTILE_REQUESTS = [
    ("GET", "/tables/fct_spend_daily?sort=nope", None),
    ("GET", "/tables/fct_spend_daily?limit=100000000", None),
    ("GET", "/tables/fct_spend_daily?from=2026-09&to=2026-07", None),
    ("GET", "/tables/..%2F..%2Fetc%2Fpasswd", None),
    ("GET", "/tables/duckdb_settings", None),
    ("GET", "/tables/fct_spend_daily?account=1%27%20or%201=1", None),
    ("GET", "/spend/by/nope", None),
    ("GET", "/metrics/query?metrics=nope", None),
    ("GET", "/metrics/query?metrics=billed_cost&filter=a:zz:b", None),
    ("GET", "/metrics/query?metrics=billed_cost&group_by=x%3B%20drop", None),
    ("POST", "/metrics/query", {"metrics": ["billed_cost"], "filters": [{"dimension": "x", "value": "{{ env }}"}]}),
    ("POST", "/sql/query", {"sql": ""}),
    ("POST", "/sql/query", {"sql": 42}),
    ("POST", "/sql/query", {"sql": "select 1", "limit": 0}),
    ("POST", "/sql/query", {"nope": "select 1"}),
]


@pytest.mark.parametrize("method,path,body", HOSTILE_REQUESTS, ids=[f"{m} {p[:50]}" for m, p, _ in HOSTILE_REQUESTS])
def test_hostile_requests_are_refused_with_the_error_shape(client, method, path, body):
    response = client.request(method, f"{API}{path}", json=body, headers=ANALYST)
    _refused(response, path)


def test_include_sql_with_binary_formats_answers(client):
    for fmt in ("csv", "parquet", "arrow"):
        response = client.get(f"{API}/metrics/query", headers=ANALYST,
                              params={"metrics": "billed_cost", "group_by": "metric_time__month", "format": fmt,
                                      "include_sql": "true"})
        assert response.status_code == 200, response.text[:300]
        from urllib.parse import unquote

        assert "\n" in unquote(response.headers["x-infralyzer-sql"])
        assert all(32 <= ord(c) < 127 for c in response.headers["x-infralyzer-sql"])


def test_scoped_keys_see_no_figure_beyond_their_accounts(client):
    for path in ("/spend/invoice-summary", "/spend/top-movers", "/discounts/commitments"):
        response = client.get(f"{API}{path}", headers=headers("scoped-viewer"))
        assert response.status_code == 403, (path, response.text[:200])
    body = client.get(f"{API}/spend/trends", headers=headers("scoped-viewer"), params={"limit": 10000}).json()
    assert {r["usage_account_id"] for r in body["data"]} <= set(SCOPED_ACCOUNTS)
