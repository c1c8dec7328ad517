"""The API's Athena backend answering from Trino (Athena engine v3's engine): every endpoint's SQL,
exactly as the backend would send it to Athena, is executed by the Trino server over the marts the
Trino build made, and the answers equal the DuckDB backend's over the DuckDB build.

The adapter (`AthenaOnTrino`) replaces only the backend's query seam, `execute(sql, timeout)`:
the SQL goes unchanged to Trino over its DB-API, where the catalog `awsdatacatalog` (Athena's name)
is the Hive catalog the marts were built in, and the result's column types are handed to the
backend's own `to_arrow` as Athena's GetQueryResults names them (a bare type name, precision and
scale apart). Everything before it (guard, scoping, rendering for Athena, the lint) is the real
backend's. Glue is not there: no table comments or update times (so no `built_at`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from test_trino_reconciliation import DUCKDB_ONLY_MARTS
from trino_server import ATHENA_CATALOG

from infralyzer.api.app import create_app
from infralyzer.api.backends.athena import AthenaBackend, GlueTable
from infralyzer.api.backends.athena_sql import to_arrow
from infralyzer.checks.athena_portability import check_sql

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from api_support import API, headers, make_settings  # noqa: E402
from test_api_athena_backend import CROSS_CHECKS, _call, _same  # noqa: E402

pytestmark = pytest.mark.e2e

VIEWER, ANALYST = headers("viewer"), headers("analyst")
# the forecast and budget metrics (their marts came after the Athena backend's CROSS_CHECKS)
FORECAST_CHECKS: list[tuple[str, str, dict, dict]] = [
    ("POST", "/metrics/query", {"metrics": ["forecast_cost", "forecast_lower_80", "forecast_upper_80"],
                                "group_by": ["metric_time__month", "spend_forecast__forecast_scope"]}, VIEWER),
    ("POST", "/metrics/query", {"metrics": ["budget_amount", "budget_actual_cost", "budget_forecast_cost"],
                                "group_by": ["metric_time__month", "budget_row__budget_id"]}, VIEWER),
]
# the dashboards' metrics: month over month (offset windows) and tag compliance per tag
FORECAST_CHECKS += [
    ("POST", "/metrics/query", {"metrics": ["effective_cost_previous_month", "effective_cost_mom_change",
                                            "effective_cost_mom_change_share"],
                                "group_by": ["metric_time__month"]}, VIEWER),
    ("POST", "/metrics/query", {"metrics": ["tag_compliance_share", "tag_conforming_share", "taggable_amortized_cost"],
                                "group_by": ["metric_time__month", "tag_compliance_row__tag"]}, VIEWER),
]
# the endpoints that read a mart built on DuckDB only: on Athena they answer 404 (not published)
DUCKDB_ONLY_PATHS = {f"/tables/{mart}" for mart in DUCKDB_ONLY_MARTS} | {"/ai/forecasting/accuracy"}


def athena_column(column: Any) -> tuple:
    """A Trino DB-API column description as Athena's result metadata gives it: `decimal(38, 8)`
    is type `decimal` with precision 38 and scale 8, `varchar(12)` is `varchar`, `timestamp(3)`
    is `timestamp`."""
    type_name = re.sub(r"\(.*\)$", "", str(column.type_code)).strip()
    return (column.name, type_name, None, None, column.precision, column.scale, column.null_ok)


class AthenaOnTrino(AthenaBackend):
    """The real Athena backend, with each query it would start on Athena run on Trino instead."""

    def __init__(self, settings, trino_connection) -> None:
        super().__init__(settings)
        self.trino = trino_connection
        self.sent: list[str] = []

    def execute(self, sql: str, timeout: float) -> pa.Table:
        import trino

        self.sent.append(sql)
        cursor = self.trino.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        except trino.exceptions.TrinoQueryError as exc:
            raise AssertionError(f"Trino refused the SQL the backend would send to Athena: {exc}\n{sql}") from exc
        return to_arrow([athena_column(c) for c in cursor.description], rows)

    def glue_tables(self) -> dict[str, GlueTable]:
        return {}


@pytest.fixture(scope="module")
def duckdb_client(built) -> TestClient:
    return TestClient(create_app(settings=make_settings(built.publish_dir)))


@pytest.fixture(scope="module")
def trino_client(trino_built, built) -> tuple[TestClient, AthenaOnTrino]:
    # the Trino build's own dbt artefacts: the marts' declared scopes and MetricFlow's manifest
    settings = make_settings(built.publish_dir, backend="athena", athena_catalog=ATHENA_CATALOG,
                             athena_marts_database="marts", api_result_cache_mb=0,
                             dbt_manifest=trino_built.target_path / "manifest.json",
                             semantic_manifest=trino_built.target_path / "semantic_manifest.json")
    backend = AthenaOnTrino(settings, trino_built.server.connect(catalog=ATHENA_CATALOG, schema="marts"))
    return TestClient(create_app(settings=settings, backend=backend)), backend


def _endpoints(client: TestClient) -> list[tuple[str, str, dict, dict]]:
    """Every GET endpoint of the API with its default parameters, a path parameter by each of
    its values (every mart for /tables/{table}), then the parameterised checks of the Athena
    backend's own test (filters, scoped keys, metrics, analyst SQL)."""
    spec = client.get("/openapi.json").json()
    marts = [t["name"] for t in client.get(f"{API}/tables", headers=VIEWER).json()["data"]]
    checks = []
    for path, operations in spec["paths"].items():
        if not path.startswith(API) or "get" not in operations:
            continue
        route = path.removeprefix(API)
        parameters = {p["name"]: p for p in operations["get"].get("parameters", []) if p["in"] == "path"}
        if not parameters:
            checks.append(("GET", route, {}, VIEWER))
        elif route == "/tables/{table}":
            checks += [("GET", f"/tables/{mart}", {}, VIEWER) for mart in marts]
        else:
            [(name, parameter)] = parameters.items()
            schema = parameter["schema"]
            values = schema.get("enum") or spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["enum"]
            checks += [("GET", route.replace(f"{{{name}}}", value), {}, VIEWER) for value in values]
    return checks + CROSS_CHECKS + FORECAST_CHECKS


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return next((d for k in a if (d := _first_difference(a[k], b[k], f"{where}.{k}"))), None)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _first_difference(x, y, f"{where}[{i}]"))), None)
    return None if _same(a, b) else f"{where}: duckdb {json.dumps(b, default=str)[:300]}, trino {json.dumps(a, default=str)[:300]}"


def test_every_endpoint_answers_on_trino_as_on_duckdb(duckdb_client, trino_client):
    client, backend = trino_client
    assert client.get("/health").status_code == 200
    compared, differing = [], []
    for method, path, args, key in _endpoints(duckdb_client):
        expected = _call(duckdb_client, method, path, args, key)
        if expected.status_code == 422 and not args:
            continue  # needs parameters: covered by CROSS_CHECKS
        assert expected.status_code == 200, (path, expected.text)
        before = len(backend.sent)
        got = _call(client, method, path, args, key)
        if path in DUCKDB_ONLY_PATHS:
            assert got.status_code == 404 and got.json()["error"] == "mart_not_published", got.text
            assert len(backend.sent) == before
            continue
        assert got.status_code == 200, (path, args, got.text)
        want, have = expected.json(), got.json()
        if path == "/tables":  # the catalog: each engine names its types its own way
            want, have = ([(t["name"], [c["name"] for c in t["columns"]]) for t in answer["data"]
                           if t["name"] not in DUCKDB_ONLY_MARTS]
                          for answer in (want, have))
        elif path == "/metrics":  # the metric definitions (no query), beside the backend's own freshness
            want, have = want["data"], have["data"]
        else:
            assert want["row_count"] > 0, f"{path} {args}: nothing to compare"
            want = {k: want.get(k) for k in ("data", "row_count", "has_more", "truncated")}
            have = {k: have.get(k) for k in ("data", "row_count", "has_more", "truncated")}
            for sql in backend.sent[before:]:
                assert not check_sql(sql), sql
                assert f'"{ATHENA_CATALOG}"."marts".' in sql
        compared.append(path)
        if difference := _first_difference(have, want):
            differing.append(f"{method} {path} {json.dumps(args)}: {difference}")
    assert not differing, "\n".join(differing)
    marts = [p for p in compared if p.startswith("/tables/")]
    assert len(marts) >= 25 and len(compared) > len(marts) + 20, compared


def test_health_reads_the_sources_freshness_from_trino(duckdb_client, trino_client):
    client, _ = trino_client
    want, have = duckdb_client.get("/health").json(), client.get("/health").json()
    assert have["sources"] == want["sources"] and want["sources"]
    assert have["freshness"]["newest_billing_period"] == want["freshness"]["newest_billing_period"] == "2026-09"
