"""What one client may take of the API: requests per minute per key, SQL and metric queries at
once per key, a bounded queue for the query workers, and a time limit on sending a request body.

* `rate_limited` (a dependency of every router under /api/v1): a token bucket per key,
  `api_rate_limit_per_minute` tokens refilled evenly over a minute; beyond it 429 with
  `Retry-After`. Local development mode has no keys to count by and is not limited.
* `QueryGate`: SQL and metric queries run in the worker processes (infralyzer.api.isolation). A
  key may have `api_key_max_concurrent_queries` of them running or waiting (429 beyond); at most
  `sql_queue_max` wait for a worker (503 beyond; local development mode has only this limit).
  Waiting costs no thread: the handlers wait on an async limiter with one token per worker, so
  mart endpoints and /health keep the thread pool.
* `BodyTimeout` (ASGI middleware): reads each request's body first; one not received within
  `api_body_timeout_seconds` answers 408, one above MAX_BODY_BYTES 413, and the connection
  closes (uvicorn has no such setting).
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

from infralyzer.api.auth import CurrentPrincipal, Principal
from infralyzer.api.errors import ApiError

T = TypeVar("T")


def too_many(message: str, retry_after: float, details: Any = None, status: int = 429) -> ApiError:
    error = ApiError(status, "too_many_requests" if status == 429 else "busy", message, details)
    error.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return error


class RateLimiter:
    """A token bucket per key name."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, name: str) -> float:
        """0 when a request may go now, else the seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(name, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[name] = (tokens - 1.0, now)
            return 0.0


async def rate_limited(request: Request, principal: CurrentPrincipal) -> None:
    if request.app.state.keys.development_mode:
        return
    wait = request.app.state.rate_limiter.take(principal.name)
    if wait > 0:
        raise too_many("Too many requests for this API key.", wait,
                       {"limit_per_minute": request.app.state.rate_limiter.per_minute})


class QueryGate:
    """Admission of SQL and metric queries: per key, queue length, one thread per worker."""

    def __init__(self, workers: int, per_key: int, queue_max: int, wait_seconds: float) -> None:
        self.workers, self.per_key, self.queue_max, self.wait_seconds = workers, per_key, queue_max, wait_seconds
        self._by_key: dict[str, int] = {}
        self._total = 0
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop that uses it

    @asynccontextmanager
    async def admit(self, principal: Principal, per_key: bool = True) -> AsyncIterator[None]:
        """Admit one query of `principal` (`per_key` False: development mode, one caller for all)."""
        # the event loop runs this part without interruption: no lock needed
        if per_key and self._by_key.get(principal.name, 0) >= self.per_key:
            raise too_many("This API key already runs as many SQL and metric queries as it may.", 1,
                           {"max_concurrent_queries": self.per_key})
        if self._total >= self.workers + self.queue_max:
            raise too_many("Every query worker is busy and the queue is full; try again.", 1, status=503)
        self._by_key[principal.name] = self._by_key.get(principal.name, 0) + 1
        self._total += 1
        try:
            yield
        finally:
            self._total -= 1
            left = self._by_key[principal.name] - 1
            if left:
                self._by_key[principal.name] = left
            else:
                del self._by_key[principal.name]

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a thread, at most one per worker; the others wait without a thread,
        for a query's time limit at most (then 503: the workers were busy, not the query slow)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        acquired = False
        with anyio.move_on_after(self.wait_seconds):
            await self._limiter.acquire()
            acquired = True
        if not acquired:
            raise too_many("Every query worker stayed busy; try again.", self.wait_seconds, status=503)
        try:
            return await anyio.to_thread.run_sync(partial(function, *args), limiter=_UNLIMITED)
        finally:
            self._limiter.release()


_UNLIMITED = anyio.CapacityLimiter(1_000)  # the gate's own limiter decides; the default pool is not used


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


MAX_BODY_BYTES = 1024 * 1024  # the API's bodies are a SQL text or a metric query: far smaller


class BodyTimeout:
    """ASGI middleware: the whole request body must arrive within `seconds` of the request, and be
    at most MAX_BODY_BYTES; it is read here, then handed to the app."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.seconds
        messages: list[Message] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                await _refuse(send, 408, "body_timeout", f"The request body did not arrive within {self.seconds:g} s.")
                return
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: the app sees it as it would have
            size += len(message.get("body", b""))
            if size > MAX_BODY_BYTES:
                await _refuse(send, 413, "body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Callable[[Message], Awaitable[None]], status: int, error: str, message: str) -> None:
    """An error answer that also closes the connection: the rest of the body is never read."""
    body = json.dumps({"error": error, "message": message, "details": None}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
