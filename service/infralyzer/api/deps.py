"""FastAPI dependencies: the snapshot reader and a cursor on the current snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import duckdb
from fastapi import Depends, Request

from infralyzer.api.errors import no_snapshot
from infralyzer.publish import SnapshotInfo, SnapshotReader


def get_reader(request: Request) -> SnapshotReader:
    return request.app.state.reader


def get_snapshot(
    reader: Annotated[SnapshotReader, Depends(get_reader)],
) -> Iterator[tuple[duckdb.DuckDBPyConnection, SnapshotInfo]]:
    handle = reader.connection()
    if handle is None:
        raise no_snapshot()
    cursor, info = handle
    try:
        yield cursor, info
    finally:
        cursor.close()


Snapshot = Annotated[tuple[duckdb.DuckDBPyConnection, SnapshotInfo], Depends(get_snapshot)]
