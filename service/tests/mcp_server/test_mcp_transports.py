"""The MCP server over its real transports, driven by the SDK's client: streamable HTTP at the
API's /mcp (uvicorn on loopback, the API tests' keys) and stdio (`infralyzer mcp` as a desktop
assistant starts it). Keys, roles and account scopes apply as on every endpoint; the REST
adapters (`mcp/tools`, `mcp/query`) answer with the same tools."""

from __future__ import annotations

import json
import os
import sys

import anyio
import httpx2 as httpx
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from api.api_support import API, SCOPED_ACCOUNTS, headers, hostile_queries
from mcp_client_support import TOOLS, answer, over_http, refusal

pytestmark = pytest.mark.e2e


def test_over_http_each_key_gets_its_role_and_scope(api_url):
    async def scenario():
        async with over_http(api_url, "analyst") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            everyone = answer(await client.call_tool("query_metrics", {"metrics": ["effective_cost"],
                                                                       "group_by": ["account"]}))
            sql = answer(await client.call_tool("run_sql", {"sql": "select count(*) as n from marts.dim_regions"}))
            resources = await client.list_resources()
        async with over_http(api_url, "scoped-viewer") as client:
            scoped = answer(await client.call_tool("query_metrics", {"metrics": ["effective_cost"],
                                                                     "group_by": ["account"]}))
            viewer_sql = await client.call_tool("run_sql", {"sql": "select 1"})
            organisation = await client.call_tool("describe_mart", {"mart": "fct_invoice_summary"})
            other = await client.call_tool("anomalies", {"account": [everyone["data"][0]["account"]]
                                                         if everyone["data"][0]["account"] not in SCOPED_ACCOUNTS
                                                         else ["999999999999"]})
        return tools, everyone, sql, resources, scoped, viewer_sql, organisation, other

    tools, everyone, sql, resources, scoped, viewer_sql, organisation, other = anyio.run(scenario)
    assert tools == TOOLS and len(resources.resources) == 3
    assert sql["data"][0]["n"] > 0
    assert {r["account"] for r in scoped["data"]} <= set(SCOPED_ACCOUNTS) and scoped["data"]
    assert all(row in everyone["data"] for row in scoped["data"]) and len(scoped["data"]) < len(everyone["data"])
    assert refusal(viewer_sql)["error"] == "forbidden"
    assert refusal(organisation)["error"] == "table_not_in_scope"
    assert refusal(other)["error"] == "account_not_in_scope"
    rest = httpx.post(f"{api_url}{API}/metrics/query", json={"metrics": ["effective_cost"], "group_by": ["account"]},
                      headers=headers("analyst"), timeout=60).json()
    assert everyone["data"] == rest["data"]


def test_over_http_a_request_without_a_valid_key_is_refused(api_url):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for extra in ({}, {"X-API-Key": "not-a-key"}):
        response = httpx.post(f"{api_url}/mcp", json=initialize, headers={**accept, **extra}, timeout=30)
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"

    async def scenario():
        async with over_http(api_url, None) as client:
            await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017 - the SDK's client fails to connect, whichever way it reports it
        anyio.run(scenario)


def test_over_http_hostile_sql_is_refused_as_on_the_api(api_url, tmp_path):
    canary = tmp_path / "canary.csv"
    canary.write_text("secret\nhttp-canary-51c2\n")
    queries = hostile_queries(str(canary), str(tmp_path / "out.csv"), str(tmp_path / "other.duckdb"))[:25]

    async def scenario():
        async with over_http(api_url, "analyst") as client:
            return [await client.call_tool("run_sql", {"sql": sql}) for sql in queries]

    for sql, result in zip(queries, anyio.run(scenario)):
        expected = httpx.post(f"{api_url}{API}/sql/query", json={"sql": sql}, headers=headers("analyst"),
                              timeout=60).json()
        assert refusal(result)["error"] == expected["error"], sql
        assert "http-canary-51c2" not in result.content[0].text


def test_the_rest_adapters_list_and_call_the_same_tools(api_url):
    with httpx.Client(base_url=f"{api_url}{API}", timeout=60) as http:
        tools = http.get("/mcp/tools", headers=headers("viewer")).json()
        assert {t["name"] for t in tools["data"]} == TOOLS
        called = http.post("/mcp/query", json={"tool": "query_metrics", "arguments": {"metrics": ["billed_cost"]}},
                           headers=headers("scoped-viewer")).json()
        direct = http.post("/metrics/query", json={"metrics": ["billed_cost"]}, headers=headers("scoped-viewer")).json()
        assert called["result"]["data"] == direct["data"] and called["result"]["marts"] == ["fct_spend_daily"]
        refused = http.post("/mcp/query", json={"tool": "run_sql", "arguments": {"sql": "select 1"}},
                            headers=headers("viewer"))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        resources = http.get("/mcp/resources", headers=headers("viewer")).json()
        assert "infralyzer://marts/{mart}" in {r["uri"] for r in resources["data"]}
        mart = http.get("/mcp/resources", params={"uri": "infralyzer://marts/fct_spend_monthly"},
                        headers=headers("viewer")).json()["data"][0]
        assert json.loads(mart["text"])["name"] == "fct_spend_monthly"


def test_over_stdio_as_a_desktop_assistant_starts_it(mcp_settings):
    from api.api_support import key_of

    env = {**os.environ, "INFRALYZER_PUBLISH_DIR": str(mcp_settings.publish_dir),
           "INFRALYZER_API_KEYS": mcp_settings.api_keys, "INFRALYZER_API_KEY": key_of("scoped-viewer")}
    env.pop("INFRALYZER_API_KEYS_FILE", None)
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "infralyzer.cli", "mcp"], env=env)

    async def scenario():  # calls that need neither MetricFlow nor a query worker: a cheap process
        async with Client(parameters, read_timeout_seconds=120) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            mart = answer(await client.call_tool("describe_mart", {"mart": "fct_spend_monthly"}))
            organisation = await client.call_tool("describe_mart", {"mart": "fct_invoice_summary"})
            sql = await client.call_tool("run_sql", {"sql": "select 1"})
            return tools, mart, organisation, sql

    tools, mart, organisation, sql = anyio.run(scenario)
    assert tools == TOOLS and mart["row_count"] == 0  # a scoped key does not learn the organisation's size
    assert refusal(organisation)["error"] == "table_not_in_scope"  # the key's accounts
    assert refusal(sql)["error"] == "forbidden"  # the key's role: a viewer
