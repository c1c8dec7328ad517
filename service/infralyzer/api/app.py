"""The FastAPI application: read-only, serving the newest published snapshot (or the marts on Athena)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from infralyzer import __version__
from infralyzer.api import API_PREFIX, errors
from infralyzer.api.errors import ERROR_RESPONSES
from infralyzer.api.auth import KeyStore, get_principal, load_keys
from infralyzer.api.backends import Backend, make_backend
from infralyzer.api.caching.responses import ResponseCache
from infralyzer.api.deps import limits_of
from infralyzer.api.isolation import pool_for
from infralyzer.api.limits import BodyTimeout, QueryGate, RateLimiter, rate_limited
from infralyzer.api.routers import allocation, discounts, health, kpi, metrics, spend, sql, tables
from infralyzer.api.routers import ai_forecasts
from infralyzer.api.routers import optimization
from infralyzer.api.routers import ai_anomalies
from infralyzer.api.routers import carbon
from infralyzer.api.routers import ai_recommendations
from infralyzer.api.semantic_layer import SemanticLayers
from infralyzer import dashboards
from infralyzer.publish import SnapshotReader
from infralyzer.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Read-only FinOps marts and metrics built by dbt from AWS Data Exports. Every endpoint selects from
a named mart (see `GET /api/v1/finops/tables`) or a MetricFlow metric; the service holds no cost
formulas.

* **Formats**: JSON `{data, row_count, execution_time_ms, freshness}` by default; CSV, Parquet or
  Arrow IPC with `format=csv|parquet|arrow` or the Accept header.
* **Errors**: always `{error, message, details}` with a stable `error` code.
* **Auth**: `X-API-Key` (or `Authorization: Bearer`). Viewer keys read marts and metrics; analyst
  keys may also POST `/sql/query`. A key may be scoped to accounts: it then sees only their rows,
  everywhere. Without configured keys the API runs in local development mode (no auth).
"""


def _warm_up(app: FastAPI) -> None:
    """Open the current marts (the newest snapshot, or the Athena catalog) and load their semantic
    layer, so the first requests do not pay for it."""
    try:
        if app.state.settings.backend == "duckdb":
            pool_for(limits_of(app.state.settings)).warm_up()  # spawning the query workers takes a while
        session = app.state.backend.open()
        try:
            app.state.semantic_layers.for_session(session)
        finally:
            session.close()
    except Exception as exc:  # a warm-up never stops the service; the request that needs it reports the error
        log.warning("warm-up failed: %s", exc, exc_info=not isinstance(exc, errors.ApiError))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    threading.Thread(target=_warm_up, args=(app,), daemon=True, name="infralyzer-warm-up").start()
    from infralyzer.mcp.http import running

    async with running(app):  # the MCP server's streamable HTTP sessions (POST /mcp)
        yield


def create_app(publish_dir: Path | None = None, settings: Settings | None = None,
               backend: Backend | None = None) -> FastAPI:
    """The API on `backend`, by default the one `settings.backend` names (`publish_dir` overrides
    the DuckDB backend's snapshot folder)."""
    settings = settings or get_settings()
    if publish_dir is not None:
        settings = settings.model_copy(update={"publish_dir": Path(publish_dir).resolve()})
    backend = backend or make_backend(settings)
    app = FastAPI(title="Infralyzer", version=__version__, description=DESCRIPTION, lifespan=_lifespan,
                  summary="Read-only FinOps marts and metrics built by dbt from AWS Data Exports.")
    for noisy in ("metricflow", "metricflow_semantics", "dbt_semantic_interfaces"):  # INFO per query plan
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app.state.settings = settings
    app.state.backend = backend
    app.state.reader = getattr(backend, "reader", None)  # the DuckDB backend's snapshot reader
    app.state.keys = KeyStore(load_keys(settings))
    app.state.semantic_layers = SemanticLayers()
    app.state.rate_limiter = RateLimiter(settings.api_rate_limit_per_minute)
    app.state.query_gate = QueryGate(settings.sql_workers, settings.api_key_max_concurrent_queries,
                                     settings.sql_queue_max, settings.sql_timeout_seconds)
    errors.install(app)
    app.include_router(health.router)
    for router in (tables.router, spend.router, discounts.router, kpi.router, allocation.router,
                   metrics.router, sql.router):
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                           responses=ERROR_RESPONSES)
    app.include_router(ai_forecasts.router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                       responses=ERROR_RESPONSES)
    app.include_router(optimization.router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                       responses=ERROR_RESPONSES)
    app.include_router(ai_anomalies.router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                       responses=ERROR_RESPONSES)
    app.include_router(carbon.router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                       responses=ERROR_RESPONSES)
    app.include_router(ai_recommendations.router, prefix=API_PREFIX,
                       dependencies=[Depends(get_principal), Depends(rate_limited)], responses=ERROR_RESPONSES)
    _add_mcp(app)
    dashboards.mount(app)  # the pages at /dashboards (/ redirects there); they read only the API above
    if app.state.keys.development_mode:
        log.warning("No API keys configured (INFRALYZER_API_KEYS_FILE / INFRALYZER_API_KEYS): LOCAL DEVELOPMENT "
                    "MODE, every request is an unscoped analyst. Configure keys before exposing the API.")
    else:
        log.info("%d API key(s) configured", len(app.state.keys.keys))
    log.info("query backend: %s", backend.describe())
    app.add_middleware(ResponseCache, prefix=API_PREFIX, keys=lambda: app.state.keys,
                       version=_served_snapshot(app.state.reader),
                       max_bytes=settings.api_response_cache_mb * 1024 * 1024)
    app.add_middleware(BodyTimeout, seconds=settings.api_body_timeout_seconds)  # outermost: before anything reads
    _declare_configured_maxima(app, settings)
    return app


def _add_mcp(app: FastAPI) -> None:
    """The MCP server at /mcp (streamable HTTP, outside the OpenAPI), its tools over REST
    (`mcp/tools`, `mcp/resources`, `mcp/query`) and plain-language questions (`ai/ask`)."""
    from infralyzer.api.routers import ai_ask
    from infralyzer.api.routers.mcp import make_router
    from infralyzer.mcp.http import mount

    server = mount(app)
    for router in (make_router(server), ai_ask.router):
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(get_principal), Depends(rate_limited)],
                           responses=ERROR_RESPONSES)


def _declare_configured_maxima(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI states the page size limit this app enforces (a setting, so not known when the
    endpoints are declared): every `limit` query parameter without a maximum of its own."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                        declared = parameter.get("schema", {})
                        if parameter.get("in") == "query" and parameter.get("name") == "limit" \
                                and "maximum" not in declared:
                            declared["maximum"] = settings.api_max_page_size
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _served_snapshot(reader: SnapshotReader | None) -> Callable[[], Awaitable[str | None]]:
    """The response cache's notion of the version served: the snapshot file the next request will
    read (looking for a newer one first when due, off the event loop). On Athena there is no
    immutable version to key answers by: only the result cache applies there."""
    async def version() -> str | None:
        if reader is None:
            return None
        if reader.check_due():
            await run_in_threadpool(reader.handle)
        return reader.served_name()

    return version
