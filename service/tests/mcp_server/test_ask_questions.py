"""Plain-language questions without a model: the 40 questions of questions.yaml become exactly
their expected metric queries (>= 90 % answered, the rest refused with the closest metrics —
never a different query), and `POST /ai/ask` answers with the numbers, the query and the marts."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
import yaml
from fastapi.testclient import TestClient

from api.api_support import API, headers
from infralyzer.api.auth import DEVELOPMENT
from infralyzer.api.semantic_layer import MetricQuery
from infralyzer.ask.parser import Parsed, Unanswerable, parse
from infralyzer.mcp.runtime import Runtime
from infralyzer.mcp.tools import Toolbox

pytestmark = pytest.mark.e2e

QUESTIONS = yaml.safe_load((Path(__file__).with_name("questions.yaml")).read_text())


@pytest.fixture(scope="module")
def catalogue(mcp_api: TestClient) -> dict:
    """The served semantic layer's metrics with their dimensions (the parser's vocabulary)."""
    return anyio.run(Toolbox(Runtime.of_app(mcp_api.app)).metric_catalogue, DEVELOPMENT)


def test_the_questions_become_exactly_their_metric_queries(catalogue):
    questions = QUESTIONS["questions"]
    assert len(questions) == 40
    exact, refused = 0, 0
    for item in questions:
        parsed = parse(item["question"], catalogue["metrics"], QUESTIONS["anchor"])
        if isinstance(parsed, Parsed):
            assert item["expect"] is not None, f"{item['question']!r} must be refused, got {parsed.interpretation}"
            assert parsed.query == MetricQuery.model_validate(item["expect"]), item["question"]
            exact += 1
        else:  # never a wrong query: a refusal, saying why and what comes closest
            assert isinstance(parsed, Unanswerable) and parsed.reason and parsed.suggestions, item["question"]
            refused += 1
    assert exact / len(questions) >= 0.9, (exact, refused)


def test_a_question_it_cannot_read_is_refused_with_the_closest_metrics(catalogue):
    parsed = parse("commitment coverage excluding Lambda", catalogue["metrics"], "2026-09")
    assert isinstance(parsed, Unanswerable)
    assert parsed.not_understood == ["excluding", "lambda"]
    assert parsed.suggestions[0]["name"] == "commitment_coverage"
    nothing = parse("how is the weather", catalogue["metrics"], "2026-09")
    assert isinstance(nothing, Unanswerable) and "No metric" in nothing.reason


def test_ai_ask_answers_with_numbers_query_and_marts(mcp_api: TestClient):
    api = mcp_api
    asked = api.post(f"{API}/ai/ask", json={"question": "top 3 accounts by effective cost"},
                     headers=headers("analyst")).json()
    assert asked["answered"] and asked["method"] == "semantic_parser"
    assert asked["query"] == {"tool": "query_metrics", "arguments": {
        "metrics": ["effective_cost"], "group_by": ["account__account_name"], "order_by": ["-effective_cost"],
        "limit": 3}}
    direct = api.post(f"{API}/metrics/query", json=asked["query"]["arguments"], headers=headers("analyst")).json()
    assert asked["data"] == direct["data"] and len(asked["data"]) == 3
    assert asked["marts"] == ["dim_accounts", "fct_spend_daily"] and "SELECT" in asked["sql"]
    refused = api.post(f"{API}/ai/ask", json={"question": "why is EC2 so expensive"},
                       headers=headers("analyst")).json()
    assert not refused["answered"] and refused["message"].startswith("Cannot answer") and refused["data"] == []
    # the MCP `ask` tool over REST is the same answer
    via_tool = api.post(f"{API}/mcp/query", json={"tool": "ask", "arguments": {
        "question": "top 3 accounts by effective cost"}}, headers=headers("analyst")).json()
    assert via_tool["result"]["data"] == asked["data"]


def test_ask_with_a_scoped_key_answers_from_its_accounts_only(mcp_api: TestClient):
    api = mcp_api
    everyone = api.post(f"{API}/ai/ask", json={"question": "effective cost by account"},
                        headers=headers("analyst")).json()
    scoped = api.post(f"{API}/ai/ask", json={"question": "effective cost by account"},
                      headers=headers("scoped-viewer")).json()
    assert scoped["answered"] and 0 < len(scoped["data"]) < len(everyone["data"])
    assert all(row in everyone["data"] for row in scoped["data"])


