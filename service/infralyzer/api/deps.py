"""FastAPI dependencies: a session on the backend's current marts (a DuckDB snapshot, or Athena), the caller."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import duckdb
import pyarrow as pa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlglot import exp

from infralyzer.api.auth import CurrentPrincipal, Principal
from infralyzer.api.backends import Backend, Session, Version
from infralyzer.api.errors import ApiError
from infralyzer.api.isolation import Limits, pool_for, query_error
from infralyzer.api.limits import QueryGate
from infralyzer.api.caching.results import ResultCache, cache_key
from infralyzer.api.scope import MartCatalog, resolve_tables
from infralyzer.publish import SnapshotHandle, SnapshotInfo
from infralyzer.settings import Settings

T = TypeVar("T")


async def _open(request: Request) -> Session:
    """The request's session on the backend's current marts; when that may do I/O (look for a newer
    snapshot, read the Athena catalog), in a worker thread."""
    backend: Backend = request.app.state.backend
    return await run_in_threadpool(backend.open) if backend.open_blocks() else backend.open()


async def get_snapshot(request: Request) -> AsyncIterator[tuple[duckdb.DuckDBPyConnection, SnapshotInfo]]:
    session = await _open(request)
    try:
        yield session.cursor, session.handle.info
    finally:
        session.close()


Snapshot = Annotated[tuple[duckdb.DuckDBPyConnection, SnapshotInfo], Depends(get_snapshot)]


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = await _open(request)
    try:
        yield session
    finally:
        session.close()


MartsSession = Annotated[Session, Depends(get_session)]


@dataclass
class QueryContext:
    """One request's view: a cursor on one snapshot, that snapshot's marts, and the caller."""

    cursor: duckdb.DuckDBPyConnection
    handle: SnapshotHandle | Version
    catalog: MartCatalog
    principal: Principal
    settings: Settings
    session: Session  # the backend's; its engine, if any, runs the queries instead of `cursor`
    cache_hit: bool = False  # whether the last query was answered from the result cache
    isolated: bool = False  # run in a query worker process (infralyzer.api.isolation): SQL and metric queries

    @property
    def info(self) -> SnapshotInfo:
        return self.handle.info

    def run(self, tree: exp.Expression, params: dict[str, Any] | None = None, *,
            timeout: float | None = None, allow_catalog_prefix: bool = False) -> tuple[pa.Table, float]:
        """Scope and render `tree` (a sqlglot AST whose user values are `$name` placeholders),
        run it with bound `params` and a time limit, and return (rows as Arrow, elapsed ms)."""
        resolve_tables(tree, self.catalog, self.principal, allow_catalog_prefix=allow_catalog_prefix)
        # copy=False: the tree is built for this request only, and copying it costs more than rendering
        return self.run_sql(tree.sql(dialect="duckdb", copy=False), params, timeout=timeout)

    def run_sql(self, sql: str, params: dict[str, Any] | None = None, *,
                timeout: float | None = None) -> tuple[pa.Table, float]:
        """Run `sql` with bound `params` (or answer a repeat from the snapshot's result cache) and
        return (rows as Arrow, elapsed ms of this request)."""
        started = time.perf_counter()
        results = result_cache_of(self.handle, self.settings)
        key = cache_key(sql, params)
        cached = results.get(key)
        self.cache_hit = cached is not None
        if cached is not None:
            return cached[0], (time.perf_counter() - started) * 1000
        table, elapsed = self._execute(sql, params, timeout)
        results.put(key, (table, elapsed))
        return table, elapsed

    def _execute(self, sql: str, params: dict[str, Any] | None, timeout: float | None) -> tuple[pa.Table, float]:
        timeout = timeout or self.settings.sql_timeout_seconds
        started = time.perf_counter()
        engine = self.session.engine
        if engine is not None:  # Athena: the same scoped SQL, transpiled, bound and time-limited there
            return engine.run_sql(sql, params or {}, timeout), (time.perf_counter() - started) * 1000
        if self.isolated:
            table = pool_for(limits_of(self.settings)).run(str(self.handle.info.path), sql, params or {}, timeout)
            return table, (time.perf_counter() - started) * 1000
        watch = WATCHDOG.watch(self.cursor, timeout)
        try:
            result = self.cursor.execute(sql, params or {})
            table = result.to_arrow_table()
        except duckdb.Error as exc:
            if watch.fired or isinstance(exc, duckdb.InterruptException):
                raise ApiError(408, "query_timeout",
                               f"The query ran longer than {timeout:g} s and was stopped.") from exc
            raise query_error("io" if isinstance(exc, duckdb.IOException) else "query", str(exc)) from exc
        finally:
            WATCHDOG.cancel(watch)
        return table, (time.perf_counter() - started) * 1000


class _Watch:
    __slots__ = ("deadline", "cursor", "fired", "cancelled")

    def __init__(self, deadline: float, cursor: duckdb.DuckDBPyConnection) -> None:
        self.deadline, self.cursor, self.fired, self.cancelled = deadline, cursor, False, False

    def __lt__(self, other: _Watch) -> bool:
        return self.deadline < other.deadline


class Watchdog:
    """The time limit of queries: one thread interrupts the cursors whose deadline passed (a timer
    thread per query would cost a thread start on every request)."""

    def __init__(self) -> None:
        self._heap: list[_Watch] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, cursor: duckdb.DuckDBPyConnection, timeout: float) -> _Watch:
        item = _Watch(time.monotonic() + timeout, cursor)
        with self._cond:
            heapq.heappush(self._heap, item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="infralyzer-query-watchdog")
                self._thread.start()
            if self._heap[0] is item:
                self._cond.notify()
        return item

    def cancel(self, item: _Watch) -> None:
        with self._cond:
            item.cancelled = True  # dropped lazily when it reaches the top of the heap

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0].deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                item = heapq.heappop(self._heap)
                item.fired = True
                cursor = item.cursor
            try:
                cursor.interrupt()
            except duckdb.Error:  # already closed: the query finished meanwhile
                pass


WATCHDOG = Watchdog()


def result_cache_of(handle: SnapshotHandle | Version, settings: Settings) -> ResultCache:
    """The marts version's result cache (created on first use; it goes away with the version)."""
    cache = handle.cache.get("results")
    if cache is None:
        cache = handle.cache.setdefault("results", ResultCache(settings.api_result_cache_mb * 1024 * 1024))
    return cache  # type: ignore[return-value]


async def get_context(request: Request, principal: CurrentPrincipal) -> AsyncIterator[QueryContext]:
    # async: taking a cursor is cheap, and FastAPI would otherwise spend two thread-pool hops per
    # request on a sync generator dependency
    session = await _open(request)
    try:
        yield QueryContext(session.cursor, session.handle, session.catalog, principal, request.app.state.settings,
                           session)
    finally:
        session.close()


Context = Annotated[QueryContext, Depends(get_context)]


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.sql_workers, settings.sql_memory_limit_mb, settings.sql_memory_cap_mb,
                  settings.sql_result_max_mb)


@dataclass
class IsolatedQuery:
    """An admitted SQL or metric query: `run(function, *args)` calls `function(ctx, *args)` in a
    thread of the query gate (one per query worker) with a context whose queries run in a worker
    (time, memory and result size bounded for real). The session on the marts is opened only then:
    a query waiting for a worker holds no thread, no session and no snapshot."""

    request: Request
    principal: Principal

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        app = self.request.app

        def in_thread() -> T:
            session = app.state.backend.open()
            try:
                ctx = QueryContext(session.cursor, session.handle, session.catalog, self.principal,
                                   app.state.settings, session, isolated=True)
                return function(ctx, *args)
            finally:
                session.close()

        return await app.state.query_gate.run(in_thread)


async def get_isolated_query(request: Request, principal: CurrentPrincipal) -> AsyncIterator[IsolatedQuery]:
    """Admission by the app's QueryGate (per-key concurrency, queue length), for `async` handlers."""
    gate: QueryGate = request.app.state.query_gate
    async with gate.admit(principal, per_key=not request.app.state.keys.development_mode):
        yield IsolatedQuery(request, principal)


Isolated = Annotated[IsolatedQuery, Depends(get_isolated_query)]
