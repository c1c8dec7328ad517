"""Isolated queries: analyst SQL and metric queries run in a small pool of pre-started worker
processes (infralyzer.api.query_worker), so a query's time and memory are bounded for real.

* **Time**: the parent waits for the answer until the time limit, then kills the worker. DuckDB's
  own interrupt is checked between vectors only; one long function call (a string function over
  huge values) never reaches a check, a killed process always stops.
* **Memory**: each worker has a DuckDB `memory_limit` and no temporary directory; the parent
  watches the worker's resident memory and kills it past the cap; behind that, the address space
  is capped (the cap plus what allocators reserve without using).
* **Size**: the worker refuses a result larger than `sql_result_max_mb` before sending it, so the
  API never renders (or holds) more than that.

A killed worker is replaced in the background. The pool is shared by the apps of one process
with the same limits (tests create many apps) and its workers exit with the parent (their pipe
closes). Cost: one pipe round trip and an Arrow IPC copy of the result per query (see
docs/decisions.md for the figures).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyarrow as pa

from infralyzer.api.errors import ApiError

log = logging.getLogger(__name__)

_PAGE = os.sysconf("SC_PAGE_SIZE")
_POLL_SECONDS = 0.02  # how often the parent looks at a running worker's memory


@dataclass(frozen=True)
class Limits:
    workers: int
    memory_limit_mb: int  # DuckDB's memory_limit in the worker
    memory_cap_mb: int  # resident memory at which the parent kills the worker
    result_max_mb: int
    threads: int = 1


# Address space the allocators reserve without using it (glibc's and DuckDB's per-thread arenas,
# thread stacks): a worker's virtual size reaches 1.5 GB with 170 MB resident, and more on a machine
# with more cores. The address-space cap is the cap plus this, a hard stop behind the resident-memory
# watch that enforces the cap itself; a cap at twice the resident cap refused small queries at random.
_ADDRESS_SPACE_RESERVE_MB = 3072


class _Worker:
    def __init__(self, limits: Limits) -> None:
        # a fresh interpreter (never a fork of a process running DuckDB threads), started as a
        # module, so the parent's main script is not imported again (as multiprocessing's spawn would)
        ours, theirs = socket.socketpair()
        self.conn = Connection(ours.detach())
        command = [sys.executable, "-m", "infralyzer.api.query_worker", str(theirs.fileno()),
                   str(limits.memory_limit_mb), str(limits.memory_cap_mb + _ADDRESS_SPACE_RESERVE_MB), str(limits.result_max_mb * 1024 * 1024),
                   str(limits.threads)]
        self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                        close_fds=True)
        theirs.close()
        # ready once its imports are done: a query never waits for a worker's start-up
        if not self.conn.poll(60) or self.conn.recv() != ("ready",):
            self.kill()
            raise RuntimeError("a query worker did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def resident_bytes(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/statm") as statm:
                return int(statm.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class WorkerPool:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = False
        self._lock = threading.Lock()  # the worker set and the count of those starting
        self._start_lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._starting = 0  # workers being started in the background (replacing killed ones)

    def _start(self) -> None:
        with self._start_lock:  # the first caller starts the workers; the others wait until they are ready
            if self._started:
                return
            starting = [threading.Thread(target=self._add, daemon=True) for _ in range(self.limits.workers)]
            for thread in starting:
                thread.start()
            for thread in starting:
                thread.join()
            self._started = True

    def _add(self) -> None:
        try:
            worker = _Worker(self.limits)
        except (RuntimeError, OSError):
            log.exception("cannot start a query worker")
            return
        with self._lock:
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            self._starting += 1

        def restart() -> None:
            try:
                worker.kill()
                self._add()
            finally:
                with self._lock:
                    self._starting -= 1

        threading.Thread(target=restart, daemon=True, name="infralyzer-query-worker-restart").start()

    def warm_up(self) -> None:
        """Start the workers now (the first query would otherwise wait for them)."""
        self._start()

    def run(self, snapshot: str, sql: str, params: dict[str, Any], timeout: float) -> pa.Table:
        """Run `sql` on the snapshot file in a worker; ApiError on every failure."""
        self._start()
        if not self._all and not self._starting:
            raise ApiError(503, "query_unavailable", "No query worker could be started; try again.")
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise _timeout(timeout) from None
        try:
            worker.conn.send((snapshot, sql, params))
            while not worker.conn.poll(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    raise _timeout(timeout)
                if worker.resident_bytes() > self.limits.memory_cap_mb * 1024 * 1024:
                    raise _too_large(self.limits)
            answer = worker.conn.recv()
        except ApiError:
            self._replace(worker)
            raise
        except (EOFError, OSError) as exc:  # the worker died: an allocation past its address space
            self._replace(worker)
            raise _too_large(self.limits) from exc
        self._idle.put(worker)
        if answer[0] == "ok":
            return pa.ipc.open_stream(answer[1]).read_all()
        raise worker_error(answer[1], answer[2], self.limits, timeout)

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


def _timeout(timeout: float) -> ApiError:
    return ApiError(408, "query_timeout", f"The query ran longer than {timeout:g} s and was stopped.")


def _too_large(limits: Limits) -> ApiError:
    return ApiError(400, "query_too_large", "The query needs more memory than a query may use.",
                    {"memory_limit_mb": limits.memory_limit_mb})


def worker_error(kind: str, message: str, limits: Limits, timeout: float) -> ApiError:
    if kind == "result":
        return ApiError(400, "result_too_large", "The result is larger than a query may return: select fewer "
                        "rows or columns.", {"result_max_mb": limits.result_max_mb})
    if kind == "memory":
        return _too_large(limits)
    if kind == "timeout":
        return _timeout(timeout)
    return query_error(kind, message)


# What an engine message may say to the client: its first line, without candidate names (other
# tables' columns), suggestions or file paths.
_HIDDEN = re.compile(r"(candidate bindings|did you mean|\n).*", re.IGNORECASE | re.DOTALL)
_PATH = re.compile(r"(?<![\w.])(/|[A-Za-z]:\\)[^\s\"']*")


def public_reason(message: str) -> str:
    reason = _HIDDEN.sub("", message.strip()).strip().rstrip("!").strip()
    return _PATH.sub("<path>", reason)[:300]


def query_error(kind: str, message: str) -> ApiError:
    """The answer to a failed query: an I/O error is the server's (503), anything else the query's."""
    if kind == "io":
        log.error("I/O error reading the marts: %s", message)
        return ApiError(503, "snapshot_unavailable", "The published marts could not be read; try again.")
    if kind == "internal":
        log.error("query worker error: %s", message)
        return ApiError(503, "query_unavailable", "The query could not be run; try again.")
    return ApiError(400, "query_failed", "The query failed.", {"reason": public_reason(message)})


_POOLS: dict[Limits, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_for(limits: Limits) -> WorkerPool:
    """The process's pool with these limits (started on first use)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(limits)
        if pool is None:
            pool = _POOLS[limits] = WorkerPool(limits)
        return pool


@atexit.register
def _close_pools() -> None:
    for pool in list(_POOLS.values()):
        pool.close()
