"""The API on the Athena backend (INFRALYZER_BACKEND=athena), tested offline. There is no Athena here.

What is covered, and how:

1. **Plumbing, against moto** (`ThreadedMotoServer`; the app talks to it over HTTP through the
   real pyathena and boto3 clients): an app configured for Athena reads its catalog
   (information_schema through Athena, comments and update times from Glue), answers endpoints
   in JSON and Parquet with the rows the test injects, stops a query at the time limit
   (StopQueryExecution) and answers failures with the API's error shape. moto does *not* run
   SQL: it records each query and returns what the test injected for it — so these tests say
   nothing about what Athena would compute.
2. **What is sent**: every SQL string moto recorded passes the project's offline Athena
   portability lint (`infralyzer.checks.athena_portability`), a scoped key's queries filter each
   mart with an account column by the key's accounts, and user values arrive as quoted literals.
3. **Meaning, without moto**: for a set of endpoint, metric and analyst queries, the Athena SQL the
   backend renders is transpiled back to DuckDB with sqlglot and run on the session's snapshot;
   the answers equal the DuckDB backend's. This shows the rendering keeps the meaning as far as
   sqlglot models both dialects; Trino-only behaviour (its type coercions, decimal precision
   rules, function edge cases) is not exercised.
4. **Hostile SQL** is refused with a 4xx before anything reaches Athena (moto records nothing).

Not covered: a live Athena (real SQL errors, performance, S3 result locations, IAM and
workgroup policies — the README asks for a read-only workgroup and role).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import moto  # noqa: F401  (the test extra; a missing moto must fail, not skip)
import pyarrow as pa
import pytest
import sqlglot
from fastapi.testclient import TestClient
from sqlglot import exp

from infralyzer.api.app import create_app
from infralyzer.api.backends.athena import AthenaBackend, GlueTable
from infralyzer.api.errors import ApiError
from infralyzer.api.scope import MartCatalog
from infralyzer.checks.athena_portability import check_sql
from infralyzer.publish import connect
from infralyzer.settings import Settings

from api_support import API, SCOPED_ACCOUNTS, close, headers, hostile_queries, make_settings, read_table

pytestmark = pytest.mark.e2e


VIEWER, ANALYST = headers("viewer"), headers("analyst")
SCOPED_VIEWER, SCOPED_ANALYST = headers("scoped-viewer"), headers("scoped-analyst")
REGION, ACCOUNT = "us-east-1", "123456789012"  # moto's default account
MARTS_DB = "finops_marts"  # a prefixed Glue database, as with INFRALYZER_SCHEMA_PREFIX=finops_
SCOPE_PREDICATE = "IN ('080184646050', '636167725090')"
assert sorted(SCOPED_ACCOUNTS) == ["080184646050", "636167725090"]


def lint(sql: str) -> None:
    violations = check_sql(sql)
    assert not violations, "\n".join(v.format() for v in violations) + "\n" + sql[:2000]


# ------------------------------------------------------------------------------------------------
# shared: the snapshot's catalog and semantic manifest (what dbt would have built on Athena)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def snapshot_catalog(snapshot_path: Path) -> tuple[list[tuple[str, str, str]], MartCatalog]:
    con = connect(snapshot_path)
    try:
        rows = con.execute("select table_name, column_name, lower(data_type) from information_schema.columns "
                           "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
        return rows, MartCatalog.load(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def manifest_file(snapshot_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = connect(snapshot_path)
    try:
        manifest = con.execute("select manifest_json from main.semantic_manifest").fetchone()[0]
    finally:
        con.close()
    path = tmp_path_factory.mktemp("manifest") / "semantic_manifest.json"
    path.write_text(manifest)
    return path


@pytest.fixture(scope="module")
def dbt_manifest(publish_dir: Path, request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """dbt's manifest.json of the build that published the snapshot (the marts' declared account
    scope), by marts database: `marts` as built, and MARTS_DB as dbt-athena would name it."""
    quick = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")  # a snapshot published by the project's own build
    built = Settings().dbt_manifest if quick else request.getfixturevalue("built").dbt_manifest
    assert built.exists(), "no dbt manifest: run the build (or the session's) first"
    manifest = json.loads(built.read_text())
    for node in manifest["nodes"].values():
        if node.get("schema") == "marts":
            node["schema"] = MARTS_DB
    prefixed = tmp_path_factory.mktemp("dbt") / "manifest.json"
    prefixed.write_text(json.dumps(manifest))
    return {"marts": built, MARTS_DB: prefixed}


# ------------------------------------------------------------------------------------------------
# 1, 2, 4: moto
# ------------------------------------------------------------------------------------------------

@dataclass
class Result:
    """An injected Athena result: columns (name, Athena type[, precision, scale]) and rows."""

    columns: list[tuple]
    rows: list[tuple]


FAIL, HANG = "fail", "hang"
Rule = tuple[Callable[[str], bool], "Result | str"]


def _wire(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"VarCharValue": "true" if value else "false"}
    return {"VarCharValue": str(value)}


def _column_info(column: tuple) -> dict[str, Any]:
    name, type_, *ps = column
    precision, scale = (ps + [0, 0])[:2] if ps else (0, 0)
    return {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name, "Type": type_,
            "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN", "CaseSensitive": type_ == "varchar"}


class FakeAthena:
    """Hooks moto's Athena backend (in process with ThreadedMotoServer): each started query gets the
    result of the first rule matching its text (moto stores it; GetQueryResults returns it), fails,
    or stays RUNNING until stopped. moto itself keeps every query in `executions`."""

    HANGING = "infralyzer-test::hanging-query"

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.rules: list[Rule] = []
        original = backend.start_query_execution

        def start_query_execution(query: str, *args: Any, **kwargs: Any) -> str:
            exec_id = original(query, *args, **kwargs)
            self._answer(exec_id, query)
            return exec_id

        backend.start_query_execution = start_query_execution

    def close(self) -> None:
        from moto.moto_api import state_manager

        del self.backend.start_query_execution  # moto's own method again
        state_manager.unset_transition(self.HANGING)

    def _answer(self, exec_id: str, query: str) -> None:
        from moto.athena.models import QueryResults
        from moto.moto_api import state_manager

        outcome = next((result for match, result in self.rules if match(query)), Result([], []))
        execution = self.backend.executions[exec_id]
        if outcome == FAIL:
            execution.status = "FAILED"
        elif outcome == HANG:  # this execution only: never leaves QUEUED unless stopped
            execution.model_name = self.HANGING
            state_manager.set_transition(self.HANGING, {"progression": "manual", "times": 10**9})
        else:
            assert isinstance(outcome, Result)
            header = {"Data": [{"VarCharValue": c[0]} for c in outcome.columns]}  # Athena's first row: labels
            rows = [header, *({"Data": [_wire(v) for v in row]} for row in outcome.rows)]
            self.backend.query_results[exec_id] = QueryResults(rows, [_column_info(c) for c in outcome.columns])

    def queries(self) -> list[str]:
        return [e.query for e in list(self.backend.executions.values())]

    def status(self, query_part: str) -> str:
        found = [e for e in self.backend.executions.values() if query_part in e.query]
        assert found, query_part
        return found[-1].status


@pytest.fixture(scope="module")
def moto_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    empty = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        yield f"http://{host}:{port}"
    server.stop()


UPDATED = "2026-10-01T02:03:04"

SPEND_BY_SERVICE = Result(
    [("billing_period", "varchar"), ("service", "varchar"), ("cost", "decimal", 38, 8), ("line_item_count", "bigint")],
    [("2026-09", "AmazonEC2", "14142.81000000", 11329), ("2026-09", "AmazonS3", "1.50000000", 7),
     ("2026-08", "AmazonEC2", None, 0)],
)
KPI_ROWS = Result(
    [("billing_period", "varchar"), ("kpi_id", "varchar"), ("usage_account_id", "varchar"), ("coverage", "double"),
     ("numerator", "decimal", 38, 8), ("is_goal_met", "boolean"), ("period_start_date", "date")],
    [("2026-09", "compute_ondemand_coverage", "080184646050", 0.25, "10.00000000", False, "2026-09-01")],
)
METRIC_ROWS = Result([("metric_time__month", "date"), ("effective_cost", "decimal", 38, 8)],
                     [("2026-07-01", "100.00000000"), ("2026-08-01", "110.50000000")])
ANALYST_ROWS = Result([("service", "varchar"), ("analyst_cost", "double")], [("AmazonEC2", 42.5)])


@pytest.fixture(scope="module")
def fake_athena(moto_aws: str, snapshot_catalog) -> Iterator[FakeAthena]:
    import boto3
    from moto.athena.models import athena_backends

    glue = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput={"Name": MARTS_DB})
    rows, _ = snapshot_catalog
    tables: dict[str, list[str]] = {}
    for table, column, _type in rows:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        glue.create_table(DatabaseName=MARTS_DB, TableInput={
            "Name": table,
            "Description": f"{table} (from Glue)",
            "Parameters": {"numRows": "123"} if table == "dim_regions" else {},
            "StorageDescriptor": {"Columns": [{"Name": c, "Type": "string", **({"Comment": "The billing period."}
                                                                               if c == "billing_period" else {})}
                                              for c in columns]},
        })
    fake = FakeAthena(athena_backends[ACCOUNT][REGION])
    fake.rules = [
        (lambda q: "information_schema" in q, Result(
            [("table_name", "varchar"), ("column_name", "varchar"), ("data_type", "varchar")], rows)),
        # /health: each source's newest period and delivery (fct_export_deliveries), before the
        # snapshot-wide freshness query, whose alias it shares
        (lambda q: "fct_export_deliveries" in q and "export_type" in q, Result(
            [("export_type", "varchar"), ("newest_billing_period", "varchar"), ("delivered_at", "timestamp")],
            [("cur2", "2026-09", "2026-10-01 02:03:04.000"), ("focus", "2026-08", "2026-09-01 00:00:00.000")])),
        (lambda q: "newest_billing_period" in q, Result([("newest_billing_period", "varchar")], [("2026-09",)])),
        (lambda q: "analyst_cost" in q, ANALYST_ROWS),
        (lambda q: "fail_me" in q, FAIL),
        (lambda q: "hang_me" in q, HANG),
        (lambda q: "metric_time__month" in q, METRIC_ROWS),
        (lambda q: "fct_kpi_tracker" in q, KPI_ROWS),
        (lambda q: "fct_spend_monthly" in q and "line_item_count" in q, SPEND_BY_SERVICE),
    ]
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def athena_client(fake_athena: FakeAthena, publish_dir: Path, manifest_file: Path,
                  dbt_manifest: dict[str, Path]) -> TestClient:
    settings = make_settings(
        publish_dir, backend="athena", athena_region=REGION, athena_marts_database=MARTS_DB,
        semantic_manifest=manifest_file, dbt_manifest=dbt_manifest[MARTS_DB], sql_timeout_seconds=1.0,
        athena_poll_interval=0.05,
        api_result_cache_mb=0,  # every request reaches moto
    )
    client = TestClient(create_app(settings=settings))
    assert client.get("/health").status_code == 200  # reads the catalog: later tests count only their queries
    return client


def get(client: TestClient, path: str, key=VIEWER, **params) -> Any:
    response = client.get(f"{API}{path}", params=params, headers=key)
    assert response.status_code == 200, response.text
    return response


def test_start_up_reads_the_athena_catalog_and_freshness(athena_client, fake_athena, snapshot_catalog, caplog):
    health = athena_client.get("/health").json()
    assert health["status"] == "ok"
    freshness = health["freshness"]
    assert freshness["snapshot"] == f"athena:awsdatacatalog.{MARTS_DB}"
    assert freshness["newest_billing_period"] == "2026-09"
    assert freshness["table_count"] == len(snapshot_catalog[1].columns)
    sources = {s["export_type"]: s for s in health["sources"]}  # per source, from Athena's answer
    assert sources["cur2"]["newest_billing_period"] == "2026-09" and sources["focus"]["newest_billing_period"] == "2026-08"
    assert sources["cur2"]["is_stale"] and sources["focus"]["is_stale"]  # delivered months before today
    built_at = dt.datetime.fromisoformat(freshness["built_at"])  # Glue's UpdateTime (moto: table creation)
    assert built_at.utcoffset() == dt.timedelta(0)  # an instant, with its offset (the schema's date-time)
    assert abs(built_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)
    catalog_sql = next(q for q in fake_athena.queries() if "information_schema" in q)
    assert f"'{MARTS_DB}'" in catalog_sql
    assert athena_client.app.state.backend.name == "athena" and athena_client.app.state.reader is None


def test_start_up_logs_the_backend(fake_athena, publish_dir, manifest_file, caplog):
    with caplog.at_level("INFO", logger="infralyzer.api.app"):
        create_app(settings=make_settings(publish_dir, backend="athena", athena_region=REGION,
                                          athena_marts_database=MARTS_DB, semantic_manifest=manifest_file))
    assert any("query backend: athena" in r.getMessage() and MARTS_DB in r.getMessage() for r in caplog.records)


def test_spend_breakdown_with_filters_json_and_parquet(athena_client, fake_athena):
    before = len(fake_athena.queries())
    params = {"from": "2026-08", "to": "2026-09", "account": "080184646050", "region": "us-east-1,us-west-2",
              "cost_basis": "unblended", "limit": 2}
    body = get(athena_client, "/spend/by/service", **params).json()
    assert body["data"] == [
        {"billing_period": "2026-09", "service": "AmazonEC2", "cost": 14142.81, "line_item_count": 11329},
        {"billing_period": "2026-09", "service": "AmazonS3", "cost": 1.5, "line_item_count": 7},
    ]
    assert body["has_more"] is True and body["freshness"]["newest_billing_period"] == "2026-09"
    sent = fake_athena.queries()[before:]
    assert len(sent) == 1
    tree = sqlglot.parse_one(sent[0], read="athena")
    assert {t.sql("athena") for t in tree.find_all(exp.Table)} == {f'"awsdatacatalog"."{MARTS_DB}"."fct_spend_monthly"'}
    literals = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
    assert {"2026-08", "2026-09", "080184646050", "us-east-1", "us-west-2"} <= literals
    assert "SUM(unblended_cost)" in sent[0] and "LIMIT 3" in sent[0]

    response = get(athena_client, "/spend/by/service", format="parquet", **params)
    table = read_table(response)
    assert table.schema.field("cost").type == pa.decimal128(38, 8)
    assert table.schema.field("line_item_count").type == pa.int64()
    assert table.column("cost").to_pylist() == [decimal.Decimal("14142.81"), decimal.Decimal("1.5")]
    assert response.headers["X-Infralyzer-Snapshot"] == f"athena:awsdatacatalog.{MARTS_DB}"


def test_kpi_summary_types(athena_client):
    body = get(athena_client, "/kpi/summary", kpi="compute_ondemand_coverage").json()
    assert body["data"] == [{"billing_period": "2026-09", "kpi_id": "compute_ondemand_coverage",
                             "usage_account_id": "080184646050", "coverage": 0.25, "numerator": 10,
                             "is_goal_met": False, "period_start_date": "2026-09-01"}]


def test_metrics_query(athena_client, fake_athena):
    before = len(fake_athena.queries())
    body = athena_client.post(f"{API}/metrics/query", headers=VIEWER,
                              json={"metrics": ["effective_cost"], "group_by": ["metric_time__month"]}).json()
    assert body["data"] == [{"metric_time__month": "2026-07-01", "effective_cost": 100.0},
                            {"metric_time__month": "2026-08-01", "effective_cost": 110.5}]
    sent = fake_athena.queries()[before:]
    assert len(sent) == 1 and f'"{MARTS_DB}".' in sent[0] and '"marts".' not in sent[0]
    assert athena_client.get(f"{API}/metrics", headers=VIEWER).json()["row_count"] > 10


def test_analyst_sql(athena_client, fake_athena):
    before = len(fake_athena.queries())
    response = athena_client.post(f"{API}/sql/query", headers=ANALYST, json={
        "sql": "select service, sum(amortized_cost) as analyst_cost from marts.fct_spend_monthly "
               "group by all order by analyst_cost desc"})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [{"service": "AmazonEC2", "analyst_cost": 42.5}]
    (sent,) = fake_athena.queries()[before:]
    assert "GROUP BY 1" in sent and "GROUP BY ALL" not in sent.upper()  # DuckDB's group by all, spelled for Trino
    assert "LIMIT 10001" in sent  # the row limit (+1 to tell truncation)


def test_tables_lists_the_athena_catalog_with_glue_docs(athena_client, snapshot_catalog):
    body = athena_client.get(f"{API}/tables", headers=VIEWER).json()
    rows, catalog = snapshot_catalog
    tables = {t["name"]: t for t in body["data"]}
    assert set(tables) == set(catalog.columns)
    spend = tables["fct_spend_monthly"]
    assert spend["description"] == "fct_spend_monthly (from Glue)"
    assert [c["name"] for c in spend["columns"]] == list(catalog.columns["fct_spend_monthly"])
    period = next(c for c in spend["columns"] if c["name"] == "billing_period")
    assert period == {"name": "billing_period", "data_type": "varchar", "description": "The billing period."}
    assert tables["dim_regions"]["row_count"] == 123
    scoped = athena_client.get(f"{API}/tables", headers=SCOPED_VIEWER).json()
    assert "fct_chargeback" not in {t["name"] for t in scoped["data"]}
    assert all(t["row_count"] == 0 for t in scoped["data"])


def test_failed_and_timed_out_queries_have_the_error_shape(athena_client, fake_athena):
    failed = athena_client.post(f"{API}/sql/query", headers=ANALYST,
                                json={"sql": "select region as fail_me from marts.dim_regions"})
    assert failed.status_code == 400
    assert failed.json()["error"] == "query_failed" and set(failed.json()) == {"error", "message", "details"}

    slow = athena_client.post(f"{API}/sql/query", headers=ANALYST,
                              json={"sql": "select region as hang_me from marts.dim_regions"})
    assert slow.status_code == 408, slow.text
    assert slow.json() == {"error": "query_timeout", "message": "The query ran longer than 1 s and was stopped.",
                           "details": None}
    assert fake_athena.status("hang_me") == "CANCELLED"  # StopQueryExecution reached Athena
    assert get(athena_client, "/kpi/summary").status_code == 200  # the service lives on


def test_every_sql_sent_passes_the_athena_lint(athena_client, fake_athena):
    # after the tests above (and a few more shapes), everything moto recorded
    for path, params in [("/spend/by/region", {"grain": "day", "sort": "-cost"}), ("/kpi/summary", {"rollup": "true"}),
                         ("/discounts/commitments", {"expiring_within_days": 30}),
                         ("/allocation/showback", {"dimension": "team", "value": "platform"})]:
        get(athena_client, path, **params)
    sent = fake_athena.queries()
    assert len(sent) >= 10
    for sql in sent:
        lint(sql)


def _assert_scoped(sql: str, catalog: MartCatalog) -> int:
    """Every mart with an account column is read through `where <column> IN (<the key's accounts>)`."""
    tree = sqlglot.parse_one(sql, read="athena")
    checked = 0
    for table in tree.find_all(exp.Table):
        column = catalog.account_column(table.name) if table.db == MARTS_DB else None
        if column is None:
            continue
        where = table.find_ancestor(exp.Select).args.get("where")
        assert where is not None and where.this.sql("athena") == f"{column} {SCOPE_PREDICATE}", sql[:500]
        checked += 1
    return checked


def test_scoped_keys_queries_carry_the_account_predicate(athena_client, fake_athena, snapshot_catalog):
    _, catalog = snapshot_catalog
    before = len(fake_athena.queries())
    get(athena_client, "/spend/by/service", SCOPED_VIEWER)
    get(athena_client, "/kpi/summary", SCOPED_VIEWER, rollup="true")
    get(athena_client, "/tables/fct_spend_trends", SCOPED_VIEWER)
    athena_client.post(f"{API}/metrics/query", headers=SCOPED_VIEWER,
                       json={"metrics": ["effective_cost", "commitment_coverage"], "group_by": ["metric_time__month"]})
    response = athena_client.post(f"{API}/sql/query", headers=SCOPED_ANALYST, json={
        "sql": "select a.account_name, sum(s.amortized_cost) as analyst_cost from fct_spend_monthly as s "
               "join marts.dim_accounts as a on s.usage_account_id = a.account_id group by 1"})
    assert response.status_code == 200, response.text
    sent = fake_athena.queries()[before:]
    assert len(sent) == 5
    for sql in sent:
        assert SCOPE_PREDICATE in sql
        assert _assert_scoped(sql, catalog) >= 1
        lint(sql)


@pytest.mark.parametrize("hostile", ["x') or 1=1; drop table marts.fct_spend_monthly --",
                                     "a\\' or 1=1 --"])  # Trino has no backslash escapes: it stays text
def test_filter_values_arrive_as_literals(athena_client, fake_athena, hostile):
    before = len(fake_athena.queries())
    get(athena_client, "/spend/by/service", service=hostile)
    (sent,) = fake_athena.queries()[before:]
    statements = sqlglot.parse(sent, read="athena")
    assert len(statements) == 1
    assert hostile in {lit.this for lit in statements[0].find_all(exp.Literal) if lit.is_string}
    lint(sent)


def test_sql_refused_when_athena_starts_it_is_the_queries_fault_not_a_503(tmp_path):
    """StartQueryExecution checks the SQL itself: its InvalidRequestException comes before any poll."""
    from botocore.exceptions import ClientError
    from pyathena.error import DatabaseError

    class Cursor:
        def execute(self, sql):
            error = ClientError({"Error": {"Code": "InvalidRequestException",
                                           "Message": "line 1:8: Column 'nope' cannot be resolved"}},
                                "StartQueryExecution")
            raise DatabaseError(str(error)) from error

        def close(self):
            pass

    class Connection:
        def cursor(self, **_):
            return Cursor()

    backend = AthenaBackend(make_settings(tmp_path, backend="athena"))
    backend._connection = Connection()
    with pytest.raises(ApiError) as refused:
        backend.execute("select nope from x", timeout=5)
    assert refused.value.status_code == 400 and refused.value.error == "query_failed"
    assert "cannot be resolved" in refused.value.details["reason"]


ATHENA_HOSTILE = [
    f"select * from awsdatacatalog.{MARTS_DB}.fct_spend_monthly",
    f"select * from {MARTS_DB}.fct_spend_monthly",
    'select * from "fct_spend_monthly$partitions"',
    "select * from information_schema.columns",
    "select * from main.snapshot_info",  # a DuckDB snapshot's table: no such thing on Athena
    "select * from main.table_docs",
    "select region from marts.dim_regions where region = $p0",  # no values to bind
    "unload (select * from marts.dim_regions) to 's3://bucket/x/' with (format = 'PARQUET')",
    "create table marts.copy with (external_location = 's3://bucket/x/') as select * from marts.dim_regions",
    "insert into marts.dim_regions select * from marts.dim_regions",
    "msck repair table marts.fct_spend_daily",
    "alter table marts.fct_spend_daily add partition (billing_period = '2026-10')",
    "show create table marts.dim_regions",
    "explain analyze select * from marts.dim_regions",
    "prepare stmt from select * from marts.dim_regions",
    "select * from table(system.query(query => 'select 1'))",
]


@pytest.mark.parametrize("sql,construct", [
    ("select region, row_number() over (order by region) as n from marts.dim_regions qualify n <= 2", "QUALIFY"),
    ("select distinct on (service) service, billing_period from marts.fct_spend_monthly", "DISTINCT ON"),
    ("select * exclude (service) from marts.fct_spend_monthly", "select * except"),
    ("select region from marts.dim_regions order by all", "order by all"),
    ("select region from marts.dim_regions union by name select region from marts.dim_regions", "union by name"),
])
def test_duckdb_only_sql_is_refused_before_athena(athena_client, fake_athena, sql, construct):
    """The guard accepts these (DuckDB SQL); Athena could not run them, or sqlglot's rewrite would
    change their meaning: refused with a 400 naming the construct, nothing sent."""
    before = len(fake_athena.queries())
    response = athena_client.post(f"{API}/sql/query", json={"sql": sql}, headers=ANALYST)
    assert response.status_code == 400 and response.json()["error"] == "sql_not_supported", response.text
    assert construct in json.dumps(response.json()["details"])
    assert fake_athena.queries()[before:] == []


def test_date_strings_become_typed_literals(athena_client, fake_athena):
    """DuckDB casts '2026-08-01' to a date column's type; Trino refuses `date >= varchar`, so the
    strings MetricFlow writes for time constraints are sent as typed literals."""
    before = len(fake_athena.queries())
    athena_client.post(f"{API}/metrics/query", headers=VIEWER, json={
        "metrics": ["effective_cost"], "group_by": ["metric_time__month"], "from": "2026-08", "to": "2026-09"})
    (sent,) = fake_athena.queries()[before:]
    assert "BETWEEN CAST('2026-08-01' AS DATE) AND CAST('2026-09-30' AS DATE)" in sent
    lint(sent)
    before = len(fake_athena.queries())
    athena_client.post(f"{API}/sql/query", headers=ANALYST, json={
        "sql": "select billing_period, usage_date as analyst_cost from marts.fct_spend_daily "
               "where billing_period >= '2026-08' and usage_date < '2026-08-02T12:00:00' and service = '2026-01-01'"})
    (sent,) = fake_athena.queries()[before:]
    assert "billing_period >= '2026-08'" in sent and "service = '2026-01-01'" in sent  # varchar columns: as written
    assert "usage_date < CAST('2026-08-02 12:00:00' AS TIMESTAMP)" in sent


def test_hostile_sql_never_reaches_athena(athena_client, fake_athena, tmp_path):
    canary, target, database = tmp_path / "canary.csv", tmp_path / "written.csv", tmp_path / "other.duckdb"
    before = len(fake_athena.queries())
    for sql in [*hostile_queries(str(canary), str(target), str(database)), *ATHENA_HOSTILE]:
        for key in (ANALYST, SCOPED_ANALYST):
            response = athena_client.post(f"{API}/sql/query", json={"sql": sql}, headers=key)
            assert 400 <= response.status_code < 500, (sql[:100], response.status_code, response.text[:300])
            assert set(response.json()) == {"error", "message", "details"}, sql[:100]
    assert fake_athena.queries()[before:] == []
    assert athena_client.post(f"{API}/sql/query", json={"sql": "select 1 as x"}, headers=VIEWER).status_code == 403
    assert fake_athena.queries()[before:] == []


# ------------------------------------------------------------------------------------------------
# 3: the Athena rendering keeps the meaning (no moto)
# ------------------------------------------------------------------------------------------------

class LoopbackAthena(AthenaBackend):
    """The real Athena backend, except that each SQL string it would send to Athena is transpiled
    back to DuckDB by sqlglot and run on the snapshot (and Glue knows nothing)."""

    def __init__(self, settings, snapshot: Path) -> None:
        super().__init__(settings)
        self.sent: list[str] = []
        self.con = connect(snapshot)

    def execute(self, sql: str, timeout: float) -> pa.Table:
        self.sent.append(sql)
        tree = sqlglot.parse_one(sql, read="athena")
        for table in tree.find_all(exp.Table):
            if table.catalog:
                assert table.catalog == self.catalog_name and table.db == self.database, sql
                table.set("catalog", None)
        try:
            return self.con.cursor().execute(tree.sql(dialect="duckdb")).to_arrow_table()
        except duckdb.Error as exc:
            raise AssertionError(f"{exc}\n{sql}") from exc

    def glue_tables(self) -> dict[str, GlueTable]:
        return {}


@pytest.fixture(scope="module")
def loopback(snapshot_path: Path, publish_dir: Path, manifest_file: Path,
             dbt_manifest: dict[str, Path]) -> Iterator[tuple[TestClient, LoopbackAthena]]:
    settings = make_settings(publish_dir, backend="athena", athena_marts_database="marts",
                             semantic_manifest=manifest_file, dbt_manifest=dbt_manifest["marts"],
                             api_result_cache_mb=0)
    backend = LoopbackAthena(settings, snapshot_path)
    client = TestClient(create_app(settings=settings, backend=backend))
    assert client.get("/health").status_code == 200  # the catalog, freshness and per-source queries
    assert len(backend.sent) == 3
    assert client.get("/health").status_code == 200  # the same catalog version: answered from its cache
    assert len(backend.sent) == 3
    yield client, backend
    backend.con.close()


TWO_ACCOUNTS = ",".join(SCOPED_ACCOUNTS)
CROSS_CHECKS: list[tuple[str, str, dict, dict]] = [  # (method, path, params or body, key)
    ("GET", "/spend/by/service", {"from": "2026-08", "to": "2026-09", "account": TWO_ACCOUNTS,
                                  "region": "us-east-1,global", "cost_basis": "net_amortized"}, VIEWER),
    ("GET", "/spend/by/account", {"grain": "day", "limit": 50, "offset": 10, "sort": "-cost"}, VIEWER),
    ("GET", "/spend/by/payer", {"cost_basis": "public_on_demand"}, SCOPED_VIEWER),
    ("GET", "/spend/invoice-summary", {}, VIEWER),
    ("GET", "/spend/top-movers", {"limit": 20}, VIEWER),  # organisation-wide: not for scoped keys
    ("GET", "/kpi/summary", {"rollup": "true"}, VIEWER),
    ("GET", "/kpi/summary", {"kpi": "compute_ondemand_coverage"}, SCOPED_VIEWER),
    ("GET", "/kpi/unit-costs", {}, VIEWER),
    ("GET", "/carbon/emissions", {"status": "delivered,not_yet_delivered", "product_code": "AmazonEC2"}, SCOPED_VIEWER),
    ("GET", "/carbon/restatements", {"region": "us-east-1,global"}, VIEWER),
    ("GET", "/discounts/commitments", {"expiring_within_days": 400}, VIEWER),
    ("GET", "/discounts/savings-plan-sizing", {"recommended_only": "true"}, VIEWER),
    ("GET", "/discounts/coverage", {"service": "AmazonEC2", "limit": 100}, VIEWER),
    ("GET", "/allocation/chargeback", {"dimension": "team"}, VIEWER),
    ("GET", "/allocation/tag-compliance", {}, SCOPED_VIEWER),
    ("GET", "/tables/fct_spend_trends", {"sort": "-amortized_cost", "limit": 25, "offset": 5}, VIEWER),
    ("GET", "/tables/dim_regions", {}, SCOPED_VIEWER),
    ("POST", "/metrics/query", {"metrics": ["effective_cost", "billed_cost", "commitment_coverage",
                                            "effective_savings_rate"], "group_by": ["metric_time__month"]}, VIEWER),
    ("POST", "/metrics/query", {"metrics": ["billed_cost"], "group_by": ["metric_time__month", "account__account_name"],
                                "filters": [{"dimension": "service__service_category", "op": "=", "value": "Compute"}],
                                "from": "2026-08", "to": "2026-09"}, VIEWER),
    ("POST", "/metrics/query", {"metrics": ["effective_cost", "kpi_coverage"], "group_by": ["metric_time__quarter"]},
     SCOPED_VIEWER),
    ("GET", "/metrics/query", {"metrics": "effective_cost", "group_by": "region__is_global",
                               "order_by": "-effective_cost", "limit": 3}, VIEWER),
    ("POST", "/sql/query", {"sql": "select billing_period, service, sum(amortized_cost) as cost "
                                   "from marts.fct_spend_monthly group by all order by billing_period, cost desc"},
     ANALYST),
    ("POST", "/sql/query", {"sql": """
        with monthly as (
            select s.billing_period, a.account_name, sum(s.unblended_cost) as cost
            from fct_spend_monthly as s join marts.dim_accounts as a on s.usage_account_id = a.account_id
            group by all
        )
        select * from (
            select *, rank() over (partition by billing_period order by cost desc) as rnk from monthly
        ) as ranked where rnk <= 3 order by billing_period, rnk"""}, SCOPED_ANALYST),
    ("POST", "/sql/query", {"sql": "select usage_date, count(*) as n, sum(amortized_cost) as cost "
                                   "from marts.fct_spend_daily where usage_date between '2026-08-15' and "
                                   "'2026-08-20 00:00:00' and billing_period = '2026-08' group by usage_date "
                                   "order by usage_date"}, ANALYST),
    ("POST", "/metrics/query", {"metrics": ["effective_cost"], "group_by": ["metric_time__day"],
                                "filters": [{"dimension": "metric_time__day", "op": ">=", "value": "2026-09-25"}]},
     VIEWER),
    ("POST", "/sql/query", {"sql": "select billing_period, sum(reserved_cost + savings_plan_cost) / "
                                   "sum(eligible_cost) as coverage, count(distinct usage_account_id) as accounts "
                                   "from marts.fct_commitment_coverage group by 1 order by 1", "limit": 2}, ANALYST),
]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return close(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _call(client: TestClient, method: str, path: str, args: dict, key: dict):
    if method == "GET":
        return client.get(f"{API}{path}", params=args, headers=key)
    return client.post(f"{API}{path}", json=args, headers=key)


@pytest.mark.parametrize("method,path,args,key", CROSS_CHECKS,
                         ids=[f"{m} {p} {i}" for i, (m, p, _, _) in enumerate(CROSS_CHECKS)])
def test_athena_rendering_answers_like_duckdb(client, loopback, method, path, args, key):
    athena_client, backend = loopback
    expected = _call(client, method, path, args, key)
    assert expected.status_code == 200, expected.text
    before = len(backend.sent)
    got = _call(athena_client, method, path, args, key)
    assert got.status_code == 200, got.text
    want, have = expected.json(), got.json()
    assert want["row_count"] > 0 and have["row_count"] == want["row_count"]
    assert _same(have["data"], want["data"]), (json.dumps(have["data"][:3]), json.dumps(want["data"][:3]))
    for field in ("has_more", "truncated"):
        assert have.get(field) == want.get(field)
    sent = backend.sent[before:]
    assert len(sent) == 1
    lint(sent[0])
    assert "$" not in sent[0] and '"awsdatacatalog"."marts".' in sent[0]


def test_athena_freshness_and_tables_match_the_snapshot(client, loopback):
    athena_client, _ = loopback
    want = client.get(f"{API}/tables", headers=VIEWER).json()
    have = athena_client.get(f"{API}/tables", headers=VIEWER).json()
    assert [(t["name"], [c["name"] for c in t["columns"]]) for t in have["data"]] == \
           [(t["name"], [c["name"] for c in t["columns"]]) for t in want["data"]]
    assert have["freshness"]["newest_billing_period"] == want["freshness"]["newest_billing_period"] == "2026-09"


def test_a_prefixed_glue_database_is_read_as_marts(publish_dir, manifest_file, tmp_path):
    """With INFRALYZER_SCHEMA_PREFIX, dbt-athena's manifest names the marts `<prefix>marts`; the
    service (scoping, MetricFlow) names them `marts`, and the backend maps them back when rendering."""
    manifest = json.loads(manifest_file.read_text())
    for model in manifest["semantic_models"]:
        model["node_relation"]["schema_name"] = MARTS_DB
    prefixed = tmp_path / "semantic_manifest.json"
    prefixed.write_text(json.dumps(manifest))
    backend = AthenaBackend(make_settings(publish_dir, backend="athena", schema_prefix="finops_",
                                          semantic_manifest=prefixed))
    assert backend.database == MARTS_DB
    normalized = json.loads(backend._semantic_manifest())
    assert {m["node_relation"]["schema_name"] for m in normalized["semantic_models"]} == {"marts"}
    assert all('"marts".' in m["node_relation"]["relation_name"] for m in normalized["semantic_models"])


def test_the_marts_scopes_come_from_dbts_manifest(snapshot_path, publish_dir, manifest_file, dbt_manifest,
                                                   snapshot_catalog, tmp_path):
    """On Athena the marts' declared account scopes come from dbt's manifest.json: the same as the
    snapshot carries. Without the manifest, a scoped key can read no mart (never unscoped)."""
    for database, manifest in dbt_manifest.items():
        settings = make_settings(publish_dir, backend="athena", athena_marts_database=database,
                                 semantic_manifest=manifest_file, dbt_manifest=manifest)
        assert AthenaBackend(settings)._mart_models().keys() >= snapshot_catalog[1].columns.keys()
    settings = make_settings(publish_dir, backend="athena", athena_marts_database="marts",
                             semantic_manifest=manifest_file, dbt_manifest=dbt_manifest["marts"])
    backend = LoopbackAthena(settings, snapshot_path)
    missing = LoopbackAthena(settings.model_copy(update={"dbt_manifest": tmp_path / "none.json"}), snapshot_path)
    try:
        session = backend.open()
        assert session.catalog.scopes == snapshot_catalog[1].scopes
        session.close()
        session = missing.open()
        assert session.catalog.scopes == {}
        session.close()
        api = TestClient(create_app(settings=settings, backend=missing))
        refused = api.get(f"{API}/spend/trends", headers=SCOPED_VIEWER)
        assert (refused.status_code, refused.json()["error"]) == (403, "table_not_in_scope")
        assert api.get(f"{API}/spend/trends", headers=VIEWER).status_code == 200
    finally:
        backend.con.close()
        missing.con.close()


def test_a_failed_catalog_refresh_keeps_the_previous_catalog(snapshot_path, publish_dir, manifest_file):
    settings = make_settings(publish_dir, backend="athena", athena_marts_database="marts",
                             semantic_manifest=manifest_file, athena_catalog_ttl_seconds=0.01)
    backend = LoopbackAthena(settings, snapshot_path)
    try:
        first = backend.open()
        first.close()
        backend.execute = _unavailable  # Athena goes away
        time.sleep(0.02)
        assert backend.open_blocks()
        again = backend.open()  # the refresh fails: the previous view, not an error
        assert again.handle is first.handle
        again.close()
        cold = LoopbackAthena(settings, snapshot_path)
        cold.execute = _unavailable
        with pytest.raises(ApiError) as refused:
            cold.open()
        assert (refused.value.status_code, refused.value.error) == (503, "backend_unavailable")
        cold.con.close()
    finally:
        backend.con.close()


def _unavailable(sql: str, timeout: float) -> pa.Table:
    raise ApiError(503, "backend_unavailable", "The Athena backend is not available.")
