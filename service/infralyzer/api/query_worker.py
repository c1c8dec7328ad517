"""The process that runs one isolated query at a time (analyst SQL, metric queries): the parent
(infralyzer.api.isolation) sends `(snapshot path, sql, params)`, the worker answers
`("ok", arrow IPC bytes)` or `("error", kind, message)`.

A query here cannot take the API with it: the parent kills the process at the time limit or when
its memory passes the cap, whatever DuckDB is doing (one long function call is never interrupted
by DuckDB itself). Inside, the snapshot is opened read-only with the API's locked-down
configuration, a DuckDB memory limit and no temporary directory (nothing is spilled, no file is
written); the address space is capped too, so an allocation DuckDB does not count fails here.
Kept free of the web stack: a worker starts in a fraction of a second.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import duckdb
import pyarrow as pa

from infralyzer.publish import READ_ONLY_CONFIG

BATCH_ROWS = 8192


class ResultTooLarge(Exception):
    pass


def _connect(path: str, memory_limit_mb: int, threads: int) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {**READ_ONLY_CONFIG, "memory_limit": f"{memory_limit_mb}MB", "threads": threads,
                              "temp_directory": "", "max_temp_directory_size": "0B"}
    return duckdb.connect(path, read_only=True, config=config)


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], result_max_bytes: int) -> bytes:
    reader = con.execute(sql, params).to_arrow_reader(BATCH_ROWS)
    batches, size = [], 0
    for batch in reader:
        size += batch.nbytes
        if size > result_max_bytes:  # before the whole result is held, let alone rendered
            raise ResultTooLarge(size)
        batches.append(batch)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, reader.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _die_with_parent() -> None:
    """Exit when the API process is gone, even in the middle of a query (the closed pipe is
    noticed only between queries). PR_SET_PDEATHSIG would follow the thread that started the
    worker, not the process, so the parent is polled instead (DuckDB runs without the GIL)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def serve(conn: Connection, memory_limit_mb: int, address_space_mb: int, result_max_bytes: int,
          threads: int) -> None:
    """Answer queries until the parent closes the pipe."""
    _die_with_parent()
    if address_space_mb > 0:
        limit = address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    path: str | None = None
    con: duckdb.DuckDBPyConnection | None = None
    conn.send(("ready",))
    while True:
        try:
            snapshot, sql, params = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if snapshot != path or con is None:  # a newer snapshot is served: move to it
                if con is not None:
                    con.close()
                con, path = None, None
                con, path = _connect(snapshot, memory_limit_mb, threads), snapshot
            answer: tuple = ("ok", _run(con, sql, params, result_max_bytes))
        except ResultTooLarge as exc:
            answer = ("error", "result", str(exc.args[0]))
        except (duckdb.OutOfMemoryException, MemoryError) as exc:
            answer = ("error", "memory", str(exc))
        except OSError as exc:  # pyarrow reports an allocation refused by the address-space cap so
            answer = ("error", "memory" if "out of memory" in str(exc).lower() else "internal", str(exc))
        except duckdb.IOException as exc:
            answer = ("error", "io", str(exc))
        except duckdb.InterruptException as exc:
            answer = ("error", "timeout", str(exc))
        except duckdb.Error as exc:
            answer = ("error", "query", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which answers without internals
            answer = ("error", "internal", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":  # started by infralyzer.api.isolation: the socket's fd, then the limits
    import sys

    serve(Connection(int(sys.argv[1])), *(int(arg) for arg in sys.argv[2:6]))
