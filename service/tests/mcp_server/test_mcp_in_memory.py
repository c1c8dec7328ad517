"""The MCP server driven by the SDK's client through its in-memory transport: every tool answers
as the API's endpoint does, refusals are MCP tool errors carrying the API's error, an
account-scoped key sees no other account through any tool or resource, and hostile SQL through
`run_sql` is refused as `POST /sql/query` refuses it."""

from __future__ import annotations

import json
from decimal import Decimal

import anyio
import pytest
from fastapi.testclient import TestClient

from api.api_support import API, SCOPED_ACCOUNTS, headers, hostile_queries
from infralyzer.publish import connect, latest_snapshot
from mcp_client_support import TOOLS, answer, in_memory, refusal

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api(mcp_api: TestClient) -> TestClient:
    return mcp_api


@pytest.fixture(scope="module")
def marts(mcp_settings):
    con = connect(latest_snapshot(mcp_settings.publish_dir).path)
    yield lambda sql, params=None: con.cursor().execute(sql, params or []).fetchall()
    con.close()


def calls(runtime, key: str, *requests: tuple[str, dict]) -> list:
    """The results of `requests` (tool, arguments) in one client session as `key`."""
    async def scenario() -> list:
        async with in_memory(runtime, key) as client:
            return [await client.call_tool(name, arguments) for name, arguments in requests]

    return anyio.run(scenario)


def rest(api: TestClient, path: str, key: str = "analyst", **params) -> list[dict]:
    response = api.get(f"{API}{path}", params=params, headers=headers(key))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_every_tool_is_listed_with_a_description_and_schema(runtime):
    async def scenario():
        async with in_memory(runtime, "analyst") as client:
            return (await client.list_tools()).tools

    tools = anyio.run(scenario)
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert len(tool.description or "") > 40, tool.name
        assert tool.input_schema["type"] == "object"
        assert tool.annotations.read_only_hint


def test_each_tool_answers_as_the_api_does(runtime, api, marts):
    results = calls(
        runtime, "analyst",
        ("list_metrics", {}),
        ("get_dimensions", {"metrics": ["effective_cost", "commitment_coverage"]}),
        ("get_entities", {"metrics": ["effective_cost"]}),
        ("get_dimension_values", {"metrics": ["effective_cost"], "dimension": "account__account_name"}),
        ("query_metrics", {"metrics": ["effective_cost"]}),
        ("get_metrics_compiled_sql", {"metrics": ["effective_cost"], "group_by": ["metric_time__month"]}),
        ("list_saved_queries", {}),
        ("run_sql", {"sql": "select billing_period, sum(amortized_cost) as cost from marts.fct_spend_monthly "
                            "group by 1 order by 1"}),
        ("describe_mart", {"mart": "fct_spend_monthly"}),
        ("top_savings_actions", {"limit": 5}),
        ("anomalies", {"limit": 5}),
        ("forecast_vs_budget", {"limit": 5}),
        ("kpi_status", {}),
        ("ask", {"question": "effective cost by month"}),
    )
    (metrics, dimensions, entities, values, total, compiled, saved, sql, mart, actions, anomalies, budgets, kpis,
     asked) = [answer(r) for r in results]
    assert "effective_cost" in {m["name"] for m in metrics["metrics"]}
    assert {"metric_time", "account__account_name"} <= {d["name"] for d in dimensions["dimensions"]}
    assert "account" in {e["name"] for e in entities["entities"]}
    assert sorted(values["values"]) == sorted(n for (n,) in marts("select distinct account_name from marts.dim_accounts "
                                                                  "where account_id in (select usage_account_id from "
                                                                  "marts.fct_spend_daily)"))
    expected_total = marts("select sum(amortized_cost) from marts.fct_spend_daily")[0][0]
    assert cents(total["data"][0]["effective_cost"]) == cents(expected_total)
    assert total["marts"] == ["fct_spend_daily"] and "SUM(amortized_cost)" in total["sql"]
    assert "SELECT" in compiled["sql"] and compiled["marts"] == ["fct_spend_daily"]
    assert saved == {"saved_queries": []}  # the manifest defines none (yet)
    assert [(r["billing_period"], cents(r["cost"])) for r in sql["data"]] == [
        (p, cents(c)) for p, c in marts("select billing_period, sum(amortized_cost) from marts.fct_spend_monthly "
                                        "group by 1 order by 1")]
    assert mart["name"] == "fct_spend_monthly" and mart["scope"] == "accounts" and mart["description"]
    assert actions["data"] == rest(api, "/optimization/cost-savings", limit=5)
    assert anomalies["data"] == rest(api, "/ai/anomaly-detection", limit=5)
    assert budgets["data"] == rest(api, "/ai/budgets", limit=5)
    rollup = rest(api, "/kpi/summary", rollup="true", limit=10_000)
    assert sorted((r["kpi_row__billing_period"], r["kpi_row__kpi_id"], r["kpi_coverage"]) for r in kpis["data"]) == \
        sorted((r["billing_period"], r["kpi_id"], r["coverage"]) for r in rollup)
    assert asked["answered"] and asked["marts"] == ["fct_spend_daily"]
    assert cents(sum(r["effective_cost"] for r in asked["data"])) == cents(expected_total)


def test_refusals_are_mcp_tool_errors_with_the_api_error(runtime):
    unknown, bad_dimension, viewer_sql, no_such_mart, invalid, no_tool = calls(
        runtime, "analyst",
        ("query_metrics", {"metrics": ["no_such_metric"]}),
        ("query_metrics", {"metrics": ["effective_cost"], "group_by": ["no_such_dimension"]}),
        ("run_sql", {"sql": "select 1"}),  # allowed for an analyst: the viewer's is refused below
        ("describe_mart", {"mart": "fct_no_such_mart"}),
        ("top_savings_actions", {"limit": 0}),
        ("no_such_tool", {}),
    )
    assert refusal(unknown)["error"] == "unknown_metric"
    assert refusal(bad_dimension)["error"] == "invalid_metric_query"
    assert answer(viewer_sql)["data"] == [{"1": 1}]
    assert refusal(no_such_mart)["error"] == "mart_not_published"
    assert invalid.is_error and no_tool.is_error
    (viewer,) = calls(runtime, "viewer", ("run_sql", {"sql": "select 1"}))
    assert refusal(viewer)["error"] == "forbidden"


def test_a_scoped_key_sees_no_other_account_through_any_tool(runtime, api, marts):
    scoped = set(SCOPED_ACCOUNTS)
    names = {n for (n,) in marts("select account_name from marts.dim_accounts where account_id in (?, ?)",
                                 SCOPED_ACCOUNTS)}
    other = marts("select distinct usage_account_id from marts.fct_spend_daily where usage_account_id not in (?, ?) "
                  "limit 1", SCOPED_ACCOUNTS)[0][0]
    results = calls(
        runtime, "scoped-analyst",
        ("query_metrics", {"metrics": ["effective_cost"], "group_by": ["account"]}),
        ("query_metrics", {"metrics": ["effective_cost"]}),
        ("get_dimension_values", {"metrics": ["effective_cost"], "dimension": "account__account_name"}),
        ("run_sql", {"sql": "select distinct usage_account_id from marts.fct_spend_daily"}),
        ("top_savings_actions", {"limit": 500}),
        ("anomalies", {"limit": 500}),
        ("forecast_vs_budget", {"limit": 500}),
        ("kpi_status", {}),
        ("ask", {"question": "effective cost by account last month"}),
        ("describe_mart", {"mart": "fct_invoice_summary"}),
        ("run_sql", {"sql": "select * from marts.fct_invoice_summary"}),
        ("query_metrics", {"metrics": ["effective_cost"], "filters": [{"dimension": "account", "value": other}]}),
        ("run_sql", {"sql": f"select * from marts.fct_spend_daily where usage_account_id = '{other}'"}),
        ("top_savings_actions", {"account": [other]}),
    )
    by_account, total, values, sql, actions, anomalies, budgets, kpis, asked = [answer(r) for r in results[:9]]
    assert {r["account"] for r in by_account["data"]} <= scoped and by_account["data"]
    expected = marts("select sum(amortized_cost) from marts.fct_spend_daily where usage_account_id in (?, ?)",
                     SCOPED_ACCOUNTS)[0][0]
    assert cents(total["data"][0]["effective_cost"]) == cents(expected)
    assert set(values["values"]) <= names
    assert {r["usage_account_id"] for r in sql["data"]} <= scoped
    assert {r["account_id"] for r in actions["data"]} <= scoped
    assert {r["monitor_account_id"] for r in anomalies["data"]} <= scoped
    assert {r["usage_account_id"] for r in budgets["data"]} <= scoped
    assert sorted(json.dumps(r, sort_keys=True) for r in kpis["data"]) == sorted(
        json.dumps(r, sort_keys=True) for r in _kpi_rows(rest(api, "/kpi/summary", "scoped-analyst", rollup="true",
                                                              limit=10_000)))
    assert {r["account__account_name"] for r in asked["data"]} <= names
    refused = [refusal(r)["error"] for r in results[9:]]
    assert refused == ["table_not_in_scope", "table_not_in_scope", "account_not_in_scope", "account_not_in_scope",
                       "account_not_in_scope"]
    (nothing,) = calls(runtime, "nobody", ("query_metrics", {"metrics": ["effective_cost"], "group_by": ["account"]}))
    assert answer(nothing)["data"] == []


def _kpi_rows(rows: list[dict]) -> list[dict]:
    """/kpi/summary?rollup=true's rows under the semantic layer's names (kpi_status answers with those)."""
    from infralyzer.api.routers.kpi import ROLLUP_KEYS, ROLLUP_METRICS

    names = {**ROLLUP_KEYS, **ROLLUP_METRICS}
    return [{names[k]: v for k, v in row.items()} for row in rows]


def test_a_scoped_key_reads_only_its_marts_as_resources(runtime):
    async def scenario():
        async with in_memory(runtime, "scoped-viewer") as client:
            listed = await client.list_resources()
            marts = json.loads((await client.read_resource("infralyzer://marts")).contents[0].text)
            definitions = (await client.read_resource("infralyzer://definitions")).contents[0].text
            return listed, marts, definitions

    listed, marts, definitions = anyio.run(scenario)
    assert {str(r.uri) for r in listed.resources} == {"infralyzer://marts", "infralyzer://metrics",
                                                      "infralyzer://definitions"}
    assert "fct_invoice_summary" not in {t["name"] for t in marts["data"]} and marts["data"]
    assert all(t["row_count"] == 0 for t in marts["data"])  # a scoped key does not learn the organisation's size
    assert definitions.startswith("## Definitions") and "| effective cost |" in definitions


def test_hostile_sql_through_run_sql_is_refused_as_on_the_api(runtime, api, tmp_path):
    canary = tmp_path / "canary.csv"
    canary.write_text("secret\nmcp-canary-7f3a\n")
    queries = hostile_queries(str(canary), str(tmp_path / "out.csv"), str(tmp_path / "other.duckdb"))
    results = calls(runtime, "analyst", *[("run_sql", {"sql": sql}) for sql in queries])
    for sql, result in zip(queries, results):
        response = api.post(f"{API}/sql/query", json={"sql": sql}, headers=headers("analyst"))
        assert response.status_code >= 400, sql
        assert result.is_error, sql[:200]
        assert "mcp-canary-7f3a" not in result.content[0].text
        if response.json()["error"] != "invalid_parameter":  # the body's own validation (an empty SQL)
            assert refusal(result)["error"] == response.json()["error"], sql[:200]
    assert not (tmp_path / "out.csv").exists()
