"""The local client: the newest published snapshot, read with the API's own code.

Every call opens a session on the API's backend (the DuckDB snapshot reader, or Athena when
INFRALYZER_BACKEND says so), so a newer snapshot is picked up as the API picks it up, and answers
through the same functions the endpoints use: `table_catalog` (GET /tables), `mart_query`
(GET /tables/{mart}), the semantic layer (`run_metric_query`, GET/POST /metrics/query) and
`run_analyst_sql` (POST /sql/query, with the SQL guard, its row limit and time limit). The caller
is an unscoped analyst, as the API's local development mode.

`full_access=True` is for your own snapshot file: `sql()` then runs unguarded on an in-memory
DuckDB with the snapshot attached read-only (so `marts.<table>` reads as with the guard, and your
own Parquet or CSV files can join in). The snapshot is never opened for writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
from sqlglot import exp

from infralyzer.api.auth import Principal
from infralyzer.api.backends import Backend, make_backend
from infralyzer.api.common import Filters, Page, mart_query, run_page
from infralyzer.api.deps import QueryContext
from infralyzer.api.errors import ApiError
from infralyzer.api.formats import freshness
from infralyzer.api.routers.metrics import run_metric_query
from infralyzer.api.routers.sql import run_analyst_sql
from infralyzer.api.routers.tables import table_catalog
from infralyzer.api.semantic_layer import MetricQuery, SemanticLayers
from infralyzer.client.answers import MARTS_SCHEMA, METRICS_SCHEMA, Answer, Freshness, frame, listing
from infralyzer.client.base import Client
from infralyzer.settings import Settings, get_settings

LOCAL_USER = Principal(name="local", role="analyst", accounts=None)


def _freshness(ctx: QueryContext) -> Freshness:
    """As the API states it (formats.freshness), so a local and a remote answer carry the same one."""
    return Freshness.from_api(**freshness(ctx.info))


class LocalClient(Client):
    def __init__(self, publish_dir: str | Path | None = None, *, full_access: bool = False,
                 settings: Settings | None = None, backend: Backend | None = None) -> None:
        settings = settings or get_settings()
        if publish_dir is not None:
            settings = settings.model_copy(update={"publish_dir": Path(publish_dir).resolve()})
        self.settings = settings
        self.full_access = full_access
        self._backend = backend or make_backend(settings)
        self._layers = SemanticLayers()

    def __repr__(self) -> str:
        access = "full access" if self.full_access else "guarded SQL"
        return f"<infralyzer LocalClient on {self._backend.describe()}, {access}>"

    @contextmanager
    def _context(self) -> Iterator[QueryContext]:
        session = self._backend.open()
        try:
            yield QueryContext(session.cursor, session.handle, session.catalog, LOCAL_USER, self.settings, session)
        finally:
            session.close()

    def _marts(self) -> pl.DataFrame:
        with self._context() as ctx:
            tables = table_catalog(ctx)
            return listing(tables.model_dump()["data"], MARTS_SCHEMA, Answer(_freshness(ctx)))

    def _mart(self, name: str, f: Filters, p: Page) -> pl.DataFrame:
        with self._context() as ctx:
            query, params = mart_query(ctx, name, f, p)
            table, _, extra = run_page(ctx, query, params, p)
            return frame(table, Answer(_freshness(ctx), truncated=bool(extra["has_more"])))

    def _metrics(self) -> pl.DataFrame:
        with self._context() as ctx:
            layer = self._layers.for_session(ctx.session)
            return listing(layer.metrics, METRICS_SCHEMA, Answer(_freshness(ctx)))

    def _metric(self, query: MetricQuery) -> pl.DataFrame:
        with self._context() as ctx:
            table, _, _ = run_metric_query(ctx, self._layers.for_session(ctx.session), query)
            return frame(table, Answer(_freshness(ctx)))

    def _sql(self, sql: str, limit: int | None) -> pl.DataFrame:
        with self._context() as ctx:
            if not self.full_access:
                table, _, extra = run_analyst_sql(ctx, sql, limit)
                return frame(table, Answer(_freshness(ctx), truncated=bool(extra["truncated"])))
            if ctx.session.engine is not None:
                raise ApiError(400, "full_access_unavailable", "Full access runs on a DuckDB snapshot file; the "
                                                               "marts are served by Athena here.")
            return self._unguarded(ctx, sql, limit)

    @staticmethod
    def _unguarded(ctx: QueryContext, sql: str, limit: int | None) -> pl.DataFrame:
        con = duckdb.connect()  # in memory, default settings: your machine, your files
        try:
            con.execute(f"attach {exp.Literal.string(str(ctx.info.path)).sql('duckdb')} as snapshot (read_only)")
            con.execute("use snapshot")
            relation = con.sql(sql)
            if relation is None:
                raise ApiError(400, "sql_not_allowed", "The SQL returns no rows (not a query).")
            table = (relation.limit(limit + 1) if limit else relation).to_arrow_table()
        except duckdb.Error as exc:
            raise ApiError(400, "query_failed", "The query failed.", {"reason": str(exc).splitlines()[0][:500]}) \
                from exc
        finally:
            con.close()
        truncated = limit is not None and table.num_rows > limit
        table = table.slice(0, limit) if limit else table
        return frame(table, Answer(_freshness(ctx), truncated=truncated))
