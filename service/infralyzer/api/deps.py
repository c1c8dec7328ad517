"""FastAPI dependencies: the snapshot reader, a cursor on the current snapshot, the caller."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import duckdb
import pyarrow as pa
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlglot import exp

from infralyzer.api.auth import CurrentPrincipal, Principal
from infralyzer.api.errors import ApiError, no_snapshot
from infralyzer.api.scope import MartCatalog, resolve_tables
from infralyzer.publish import SnapshotHandle, SnapshotInfo, SnapshotReader
from infralyzer.settings import Settings


async def get_reader(request: Request) -> SnapshotReader:
    return request.app.state.reader


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


async def _acquire(reader: SnapshotReader) -> tuple[duckdb.DuckDBPyConnection, SnapshotHandle]:
    """A cursor on the current snapshot; looking for (and opening) a newer one runs in a worker thread."""
    acquired = await run_in_threadpool(reader.acquire) if reader.check_due() else reader.acquire()
    if acquired is None:
        raise no_snapshot()
    return acquired


async def get_snapshot(
    reader: Annotated[SnapshotReader, Depends(get_reader)],
) -> AsyncIterator[tuple[duckdb.DuckDBPyConnection, SnapshotInfo]]:
    cursor, handle = await _acquire(reader)
    try:
        yield cursor, handle.info
    finally:
        handle.release(cursor)


Snapshot = Annotated[tuple[duckdb.DuckDBPyConnection, SnapshotInfo], Depends(get_snapshot)]


@dataclass
class QueryContext:
    """One request's view: a cursor on one snapshot, that snapshot's marts, and the caller."""

    cursor: duckdb.DuckDBPyConnection
    handle: SnapshotHandle
    catalog: MartCatalog
    principal: Principal
    settings: Settings

    @property
    def info(self) -> SnapshotInfo:
        return self.handle.info

    def run(self, tree: exp.Expression, params: dict[str, Any] | None = None, *,
            timeout: float | None = None, allow_catalog_prefix: bool = False) -> tuple[pa.Table, float]:
        """Scope and render `tree` (a sqlglot AST whose user values are `$name` placeholders),
        run it with bound `params` and a time limit, and return (rows as Arrow, elapsed ms)."""
        resolve_tables(tree, self.catalog, self.principal, allow_catalog_prefix=allow_catalog_prefix)
        return self.run_sql(tree.sql(dialect="duckdb"), params, timeout=timeout)

    def run_sql(self, sql: str, params: dict[str, Any] | None = None, *,
                timeout: float | None = None) -> tuple[pa.Table, float]:
        timeout = timeout or self.settings.sql_timeout_seconds
        started = time.perf_counter()
        watch = WATCHDOG.watch(self.cursor, timeout)
        try:
            result = self.cursor.execute(sql, params or {})
            table = result.to_arrow_table()
        except duckdb.Error as exc:
            if watch.fired or isinstance(exc, duckdb.InterruptException):
                raise ApiError(408, "query_timeout",
                               f"The query ran longer than {timeout:g} s and was stopped.") from exc
            raise ApiError(400, "query_failed", "The query failed.", {"reason": str(exc).splitlines()[0][:500]}) from exc
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


def catalog_of(handle: SnapshotHandle, cursor: duckdb.DuckDBPyConnection) -> MartCatalog:
    catalog = handle.cache.get("catalog")
    if catalog is None:
        catalog = MartCatalog.load(cursor)
        handle.cache["catalog"] = catalog
    return catalog  # type: ignore[return-value]


async def get_context(
    request: Request,
    principal: CurrentPrincipal,
    reader: Annotated[SnapshotReader, Depends(get_reader)],
) -> AsyncIterator[QueryContext]:
    # async: taking a cursor is cheap, and FastAPI would otherwise spend two thread-pool hops per
    # request on a sync generator dependency
    cursor, handle = await _acquire(reader)
    try:
        catalog = handle.cache.get("catalog")
        if catalog is None:
            catalog = await run_in_threadpool(catalog_of, handle, cursor)
        yield QueryContext(cursor, handle, catalog, principal, request.app.state.settings)
    finally:
        handle.release(cursor)


Context = Annotated[QueryContext, Depends(get_context)]
