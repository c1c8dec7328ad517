"""The Athena backend: the marts queried in place, in the Glue database dbt-athena builds them in.

* **Catalog** (marts and columns): `information_schema.columns` of the marts database, read
  through Athena, cached for `athena_catalog_ttl_seconds`.
* **Freshness**: the newest billing period is `max(billing_period)` of `dim_billing_periods`
  (the CUR periods the marts were built from, as the DuckDB snapshot's own); the marts carry no
  build timestamp, so "built at" is the newest Glue `UpdateTime` of the marts' tables. Glue also
  gives the tables' and columns' comments (when dbt persists docs) and `numRows` where set.
* **Queries**: the scoped DuckDB SQL every backend gets, rendered by `athena_sql`, run with
  pyathena's plain cursor (GetQueryResults: no S3 read permission needed, and fine for the API's
  row limits), the rows typed into Arrow from the result's column types. A query still running when the time limit
  passes is stopped (StopQueryExecution) and answered 408, as on DuckDB.
* **Semantic layer**: MetricFlow's `semantic_manifest.json` from `semantic_manifest` (the DuckDB
  snapshots carry theirs); its SQL is DuckDB SQL, scoped like any other, then transpiled.
* **Account scope** of each mart: its `config.meta` in dbt's `manifest.json` (`dbt_manifest`; the
  DuckDB snapshots carry theirs as `main.table_meta`). Without it, account-scoped keys can read
  no mart: none is served unscoped.

Nothing here writes: only SELECTs are sent (`athena_sql.check_read_only`), after the same guard
and scoping as on DuckDB. The workgroup and IAM role should be read-only too (see the README).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from infralyzer.api.backends.athena_sql import parse_duckdb, to_arrow, to_athena
from infralyzer.api.backends.contract import TableListing
from infralyzer.api.errors import ApiError, no_snapshot
from infralyzer.api.scope import MartCatalog, declared_scopes
from infralyzer.api.sql_guard import json_objects
from infralyzer.publish import READ_ONLY_CONFIG, SnapshotInfo
from infralyzer.settings import Settings

log = logging.getLogger(__name__)

CATALOG_QUERY_TIMEOUT = 60.0  # information_schema on Athena can take seconds on a busy catalog
REFRESH_RETRY_SECONDS = 30.0  # after a failed catalog refresh, the previous catalog is served this long
_TRANSPILE_CACHE_SIZE = 512


@dataclass(frozen=True)
class GlueTable:
    description: str | None = None
    column_docs: dict[str, str] = field(default_factory=dict)
    row_count: int | None = None
    updated_at: dt.datetime | None = None


@dataclass
class AthenaView:
    """The marts as last catalogued; requests share it until a refresh finds something changed."""

    info: SnapshotInfo
    catalog: MartCatalog
    glue: dict[str, GlueTable]
    manifest: str | None
    cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def declared_names(self) -> dict[str, str]:
        """Lower-case column name -> the mart's own spelling where they differ (FOCUS's `BilledCost`):
        Glue keeps names in lower case, so Athena answers `billedcost`."""
        return {c.lower(): c for names in self.catalog.columns.values() for c in names if c != c.lower()}

    def restore_names(self, table: pa.Table) -> pa.Table:
        """Result columns named as the marts name them, as the DuckDB backend answers."""
        names = [self.declared_names.get(c, c) if c == c.lower() else c for c in table.column_names]
        return table if names == table.column_names else table.rename_columns(names)

    @cached_property
    def text_columns(self) -> frozenset[str]:
        """Mart columns of a string type (`athena_sql.type_date_literals` leaves their comparisons alone)."""
        return frozenset(c.lower() for types in self.catalog.types.values() for c, t in types.items()
                         if t.lower().startswith(("varchar", "char", "string")))

    def same_as(self, other: AthenaView) -> bool:
        return (self.catalog.fingerprint, self.info.built_at, self.info.newest_billing_period, self.manifest) == (
            other.catalog.fingerprint, other.info.built_at, other.info.newest_billing_period, other.manifest)


class _TimedOut(Exception):
    pass


class AthenaSession:
    """One request on the current view, and its Engine; `cursor` only parses (the analyst SQL
    guard's DuckDB check)."""

    def __init__(self, backend: AthenaBackend, view: AthenaView, cursor: duckdb.DuckDBPyConnection) -> None:
        self.backend, self.handle, self.view, self.cursor = backend, view, view, cursor
        self.catalog = view.catalog
        self.engine = self

    def run_sql(self, sql: str, params: dict[str, Any], timeout: float) -> pa.Table:
        return self.backend.run_sql(sql, params, timeout, self.view)

    def semantic_manifest(self) -> str | None:
        return self.view.manifest

    def table_listing(self) -> TableListing:
        columns = []
        for table, names in sorted(self.catalog.columns.items()):
            glue = self.view.glue.get(table, GlueTable())
            columns += [(table, c, self.catalog.types[table][c], glue.column_docs.get(c.lower())) for c in names]
        return TableListing(columns, {t: g.description for t, g in self.view.glue.items()},
                            {t: g.row_count or 0 for t, g in self.view.glue.items()})

    def close(self) -> None:
        self.cursor.close()


class AthenaBackend:
    """The backend; `execute` and `glue_tables` are its only calls to AWS."""

    name = "athena"

    def __init__(self, settings: Settings) -> None:
        assert settings.athena_marts_database
        self.settings = settings
        self.catalog_name = settings.athena_catalog
        self.database = settings.athena_marts_database.lower()  # Glue names are lower case
        self._parser = duckdb.connect(":memory:", config=dict(READ_ONLY_CONFIG))  # holds nothing; parses
        self._parser_lock = threading.Lock()
        self._lock = threading.Lock()
        self._view: AthenaView | None = None
        self._next_refresh = 0.0
        self._connection: Any = None
        self._connection_lock = threading.Lock()
        self._transpiled: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._transpile_lock = threading.Lock()

    # --- Backend ---------------------------------------------------------------------------

    def describe(self) -> str:
        s = self.settings
        return (f"athena (workgroup {s.athena_work_group}, marts {self.catalog_name}.{self.database}, region "
                f"{s.athena_region or 'from the AWS configuration'}, results "
                f"{s.athena_s3_staging_dir or 'in the workgroup location'})")

    def open_blocks(self) -> bool:
        return self._view is None or time.monotonic() >= self._next_refresh

    def open(self) -> AthenaSession:
        view = self._current()
        with self._parser_lock:
            cursor = self._parser.cursor()
        return AthenaSession(self, view, cursor)

    def _current(self) -> AthenaView:
        view = self._view
        if view is not None and time.monotonic() < self._next_refresh:
            return view
        if view is not None and not self._lock.acquire(blocking=False):
            return view  # another request is refreshing: keep answering from the current view meanwhile
        if view is None:
            self._lock.acquire()  # nothing to serve yet: wait for the first load
        try:
            return self._refresh()
        finally:
            self._lock.release()

    def _refresh(self) -> AthenaView:
        """Load the catalog again (one refresh at a time: the caller holds `_lock`)."""
        view = self._view
        if view is not None and time.monotonic() < self._next_refresh:
            return view
        try:
            fresh = self._load()
        except Exception as exc:
            if view is None:
                log.warning("cannot read the Athena marts' catalog: %s", exc, exc_info=True)
                if isinstance(exc, ApiError) and exc.error == "no_snapshot":
                    raise
                cause = exc.error if isinstance(exc, ApiError) else type(exc).__name__
                raise ApiError(503, "backend_unavailable", "The Athena backend cannot read the marts now.",
                               {"cause": cause}) from exc
            log.warning("Athena catalog refresh failed, serving the previous one: %s", exc)
            retry = min(REFRESH_RETRY_SECONDS, self.settings.athena_catalog_ttl_seconds)
            self._next_refresh = time.monotonic() + retry
            return view
        if view is None or not view.same_as(fresh):
            self._view = view = fresh
            log.info("serving the Athena marts %s.%s: %d tables, built %s, newest billing period %s",
                     self.catalog_name, self.database, fresh.info.table_count, fresh.info.built_at,
                     fresh.info.newest_billing_period)
        else:
            # same catalog and freshness, but a build may have rewritten partitions without moving
            # Glue's update time: query results are kept one TTL at most
            view.cache.pop("results", None)
        self._next_refresh = time.monotonic() + self.settings.athena_catalog_ttl_seconds
        return view

    def _load(self) -> AthenaView:
        query = (exp.select("table_name", "column_name", "data_type")
                 .from_(exp.table_("columns", db="information_schema"))
                 .where(exp.column("table_schema").eq(exp.Literal.string(self.database)))
                 .order_by("table_name", "ordinal_position"))
        timeout = max(self.settings.sql_timeout_seconds, CATALOG_QUERY_TIMEOUT)
        models = self._mart_models()
        # each column named as its model declares it (Glue lower-cases every column name)
        declared = {t: {c.lower(): c for c in node.get("columns", {})} for t, node in models.items()}
        columns: dict[str, list[str]] = {}
        types: dict[str, dict[str, str]] = {}
        for table, column, data_type in zip(*self.execute(query.sql(dialect="athena"), timeout).to_pydict().values()):
            column = declared.get(table, {}).get(column, column)
            columns.setdefault(table, []).append(column)
            types.setdefault(table, {})[column] = data_type
        if not columns:
            raise no_snapshot()
        names = {t: tuple(c) for t, c in columns.items()}
        metas = {t: node.get("config", {}).get("meta") or {} for t, node in models.items()}
        catalog = MartCatalog(names, types, declared_scopes(metas, names))
        period = None
        source = next((t for t in ("dim_billing_periods", "fct_spend_monthly")
                       if "billing_period" in columns.get(t, ())), None)
        if source:
            newest = exp.select(exp.alias_(exp.Max(this=exp.column("billing_period")), "newest_billing_period")).from_(
                exp.table_(source, db="marts"))
            rows = self.execute(to_athena(newest, None, catalog=self.catalog_name, database=self.database), timeout)
            period = rows.column(0)[0].as_py() if rows.num_rows else None
        glue = {t: g for t, g in self.glue_tables().items() if t in columns}
        updated = [g.updated_at for g in glue.values() if g.updated_at is not None]
        built_at = max(updated).astimezone(dt.timezone.utc).replace(tzinfo=None) if updated else None
        info = SnapshotInfo(
            path=Path(f"athena:{self.catalog_name}.{self.database}"),  # a label (the snapshot name in responses)
            built_at=built_at,  # type: ignore[arg-type]  # None only if Glue knows none of the marts
            invocation_id="",
            newest_billing_period=str(period) if period is not None else None,
            table_count=len(columns),
        )
        return AthenaView(info, catalog, glue, self._semantic_manifest())

    def _mart_models(self) -> dict[str, dict]:
        """dbt's manifest nodes of the models built in the marts database, by table name: their
        `config.meta` (account scope) and declared columns."""
        path = self.settings.dbt_manifest
        try:
            manifest = json.loads(Path(path).read_text()) if path else {}
        except FileNotFoundError:
            log.warning("no dbt manifest at %s: account-scoped keys can read no mart", path)
            return {}
        return {str(node["alias"]).lower(): node for node in manifest.get("nodes", {}).values()
                if node.get("resource_type") == "model" and str(node.get("schema", "")).lower() == self.database}

    def _semantic_manifest(self) -> str | None:
        path = self.settings.semantic_manifest
        try:
            text = Path(path).read_text() if path else None
        except FileNotFoundError:
            return None
        if not text or self.database == "marts":
            return text
        # the service names the marts `marts.<t>` everywhere; a prefixed Glue database is mapped back
        data = json.loads(text)

        for node in json_objects(data):
            if str(node.get("schema_name", "")).lower() == self.database and "alias" in node:
                node["schema_name"] = "marts"
                node["relation_name"] = f'"{node.get("database")}"."marts"."{node["alias"]}"'
        return json.dumps(data)

    # --- queries ---------------------------------------------------------------------------

    def run_sql(self, sql: str, params: dict[str, Any], timeout: float, view: AthenaView) -> pa.Table:
        # MetricFlow's SQL is long and repeats: transpiling and linting it costs more than a cache
        # look-up (SQL with parameters is short: bound and rendered each time)
        key = (sql, view.catalog.fingerprint)
        athena = None if params else self._transpiled_get(key)
        if athena is None:
            athena = self.render(parse_duckdb(sql), params, view)
            if not params:
                self._transpiled_put(key, athena)
        return view.restore_names(self.execute(athena, timeout))

    def render(self, tree: exp.Expression, params: dict[str, Any] | None, view: AthenaView) -> str:
        return to_athena(tree, params, catalog=self.catalog_name, database=self.database,
                         text_columns=view.text_columns)

    def _transpiled_get(self, key: tuple[str, str]) -> str | None:
        with self._transpile_lock:
            return self._transpiled.get(key)

    def _transpiled_put(self, key: tuple[str, str], athena: str) -> None:
        with self._transpile_lock:
            self._transpiled[key] = athena
            while len(self._transpiled) > _TRANSPILE_CACHE_SIZE:
                self._transpiled.popitem(last=False)

    # --- AWS -------------------------------------------------------------------------------

    def connection(self) -> Any:
        if self._connection is None:
            with self._connection_lock:
                if self._connection is None:
                    import boto3
                    import pyathena

                    s = self.settings
                    session = boto3.Session(profile_name=s.athena_profile, region_name=s.athena_region)
                    self._connection = pyathena.connect(
                        session=session, region_name=session.region_name, work_group=s.athena_work_group,
                        s3_staging_dir=s.athena_s3_staging_dir or "",  # "": the workgroup's, never an env default
                        catalog_name=self.catalog_name, schema_name=self.database,
                        poll_interval=s.athena_poll_interval, kill_on_interrupt=True,
                    )
        return self._connection

    def execute(self, sql: str, timeout: float) -> pa.Table:
        """Run one SELECT on Athena; stop it when `timeout` passes. Errors have the API's shape."""
        from botocore.exceptions import BotoCoreError, ClientError
        from pyathena.error import Error as PyAthenaError
        from pyathena.model import AthenaQueryExecution as Q

        deadline = time.monotonic() + timeout
        last: list[Any] = []

        def on_poll(execution: Any) -> None:
            last[:] = [execution]
            if time.monotonic() >= deadline and execution.state in (Q.STATE_QUEUED, Q.STATE_RUNNING):
                self._stop(execution.query_id)
                raise _TimedOut

        cursor = None
        try:
            cursor = self.connection().cursor(on_poll=on_poll)
            cursor.execute(sql)
            return to_arrow(cursor.description, cursor.fetchall())
        except _TimedOut:
            raise ApiError(408, "query_timeout", f"The query ran longer than {timeout:g} s and was stopped.") from None
        except (PyAthenaError, BotoCoreError, ClientError) as exc:
            execution = last[-1] if last else None
            rejected = exc.__cause__ if isinstance(exc.__cause__, ClientError) else exc
            if execution is None and isinstance(rejected, ClientError) \
                    and rejected.response.get("Error", {}).get("Code") == "InvalidRequestException":
                # refused by StartQueryExecution itself (Athena checks the SQL there): the query's fault
                raise ApiError(400, "query_failed", "The query failed.",
                               {"reason": str(rejected.response["Error"].get("Message", ""))[:500]}) from exc
            if execution is not None and execution.state in (Q.STATE_FAILED, Q.STATE_CANCELLED) \
                    and execution.error_category != Q.ERROR_CATEGORY_SYSTEM:
                reason = execution.state_change_reason or execution.error_message or f"Athena: {execution.state}"
                raise ApiError(400, "query_failed", "The query failed.",
                               {"reason": str(reason).splitlines()[0][:500]}) from exc
            log.warning("Athena request failed: %s", exc)
            raise ApiError(503, "backend_unavailable", "The Athena backend is not available.",
                           {"cause": type(exc).__name__}) from exc
        finally:
            if cursor is not None:
                cursor.close()

    def _stop(self, query_id: str) -> None:
        try:
            self.connection().client.stop_query_execution(QueryExecutionId=query_id)
        except Exception:  # the query may have just finished; the caller answers 408 either way
            log.warning("could not stop Athena query %s", query_id, exc_info=True)

    def glue_tables(self) -> dict[str, GlueTable]:
        """The marts' Glue tables: comments, row counts where set, and when each was last updated."""
        client = self.connection().session.client("glue", region_name=self.settings.athena_region)
        tables: dict[str, GlueTable] = {}
        for page in client.get_paginator("get_tables").paginate(DatabaseName=self.database):
            for table in page.get("TableList", []):
                descriptor = table.get("StorageDescriptor") or {}
                columns = [*descriptor.get("Columns", []), *table.get("PartitionKeys", [])]
                params = table.get("Parameters") or {}
                rows = str(params.get("numRows", ""))
                tables[table["Name"].lower()] = GlueTable(
                    description=table.get("Description") or params.get("comment"),
                    column_docs={c["Name"].lower(): c["Comment"] for c in columns if c.get("Comment")},
                    row_count=int(rows) if rows.isdigit() else None,
                    updated_at=table.get("UpdateTime") or table.get("CreateTime"),
                )
        return tables
