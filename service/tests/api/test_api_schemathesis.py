"""Property-based tests from the OpenAPI document (schemathesis), with every check it has: no
server error, status codes, content types, headers and bodies as documented, the one error shape,
auth enforced, invalid input refused, and valid input accepted.

Valid input is accepted unless the refusal is one that JSON Schema cannot state and the OpenAPI
describes in words: SQL the guard refuses, metric or dimension names the served semantic layer
does not know, sort keys and filters a mart's columns do not allow (GET /tables/{table} serves any
mart), and a period range whose `from` is after its `to`. Any other refusal of valid input fails."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import CHECKS, positive_data_acceptance  # noqa: E402

from infralyzer.api.app import create_app  # noqa: E402
from infralyzer.publish import latest_snapshot  # noqa: E402

from api_support import headers, make_settings  # noqa: E402

pytestmark = pytest.mark.e2e

# (operation label pattern, error code, message pattern): refusals of schema-valid input that
# depend on the served marts or on the relation of two parameters
SEMANTIC_REFUSALS = [
    (r"/sql/query$", r"sql_\w+|table_not_allowed|query_failed|query_timeout|query_too_large|result_too_large", ""),
    (r"/metrics/query$", r"invalid_metric_query", ""),
    (r"/metrics/query$", r"invalid_parameter", r"`from` is after `to`|Operator .* takes one value|"
                                               r"metric query has invalid parameters"),
    (r".", r"invalid_parameter", r"^`from` is after `to`\.$"),
    (r".", r"invalid_parameter", r"^Cannot sort by "),
    (r"/tables/\{table\}$", r"invalid_parameter", r" has no \w+ column to filter on\.$"),
    # the MCP tools called over REST: their run_sql is /sql/query's guard, their metric tools /metrics/query's
    (r"/mcp/query$", r"sql_\w+|table_not_allowed|query_failed|query_timeout|query_too_large|result_too_large|"
                     r"invalid_metric_query", ""),
    (r"/mcp/query$", r"invalid_parameter", r"Operator .* takes one value|metric query has invalid parameters"),
]


def _semantic_refusal(label: str, body: dict) -> bool:
    return any(re.search(op, label) and re.fullmatch(code, body.get("error", ""))
               and re.search(message, body.get("message", "")) for op, code, message in SEMANTIC_REFUSALS)


def valid_input_is_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, but for the refusals SEMANTIC_REFUSALS lists."""
    if response.status_code in (400, 422) and _semantic_refusal(case.operation.label, response.json()):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture(scope="session")
def api_app(request):
    override = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")
    publish = Path(override) if override else request.getfixturevalue("built").publish_dir
    assert latest_snapshot(publish) is not None
    # keys configured (auth is checked too), no rate limit: the examples come quickly
    return create_app(settings=make_settings(publish, sql_timeout_seconds=2.0, api_rate_limit_per_minute=0))


def test_the_api_conforms_to_its_openapi(api_app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    checks = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=int(os.environ.get("INFRALYZER_SCHEMATHESIS_EXAMPLES", "20")), deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
        def conforms(case) -> None:
            response = case.call_and_validate(headers=headers("analyst"), checks=checks,
                                              additional_checks=[valid_input_is_accepted])
            if response.status_code >= 400:
                assert set(response.json()) == {"error", "message", "details"}, response.text[:300]

        conforms()
        checked.append(operation.label)
    assert len(checked) >= 20, checked
