"""Answers to repeated requests, kept per version of the marts.

A published snapshot never changes, so the answer to a request depends only on the snapshot, on
who asks (role and account scope) and on the request itself (path, query string, body, Accept).
Dashboards ask the same questions over and over; answering a repeat from memory costs a fraction
of a millisecond instead of routing, validation, SQL generation, the query and serialisation, and
leaves the CPU to the other clients and to the build running beside the API.

Safety:
* The caller is authenticated here with the same key store as the endpoints; a request without a
  valid key goes through to the endpoints (which answer 401) and is never served from memory.
* The role and account scope are part of the key, so a scoped key never sees another scope's
  answer, and a viewer never gets an analyst-only answer.
* Only 200 answers computed on the version being served are kept (the response's
  X-Infralyzer-Snapshot header must name it), so a newer snapshot is never answered from an older.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from infralyzer.api.auth import KeyStore
from infralyzer.api.errors import ApiError
from infralyzer.api.caching.lru import LruCache

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CACHE_HEADER = b"x-infralyzer-cache"
VERSION_HEADER = b"x-infralyzer-snapshot"
MAX_REQUEST_BODY = 64 * 1024  # larger bodies (none of the API's own) are not worth a key


KEY_OVERHEAD = 512  # bytes an entry costs beyond its body, headers and key text (objects, the LRU's links)


class CachedResponse:
    __slots__ = ("status", "headers", "body", "key_size")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, key_size: int) -> None:
        self.status, self.headers, self.body, self.key_size = status, headers, body, key_size

    @property
    def size(self) -> int:
        """Everything the entry holds, its key included: many small answers to long requests must
        not add up beyond the budget."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + self.key_size + KEY_OVERHEAD


class ResponseCache:
    """ASGI middleware in front of the API routes under `prefix`."""

    def __init__(self, app: ASGIApp, *, prefix: str, keys: Callable[[], KeyStore],
                 version: Callable[[], Awaitable[str | None]], max_bytes: int) -> None:
        self.app = app
        self.prefix = prefix
        self.keys = keys
        self.version = version  # the version being served now; None: not cacheable (no snapshot, Athena)
        self.entries: LruCache[tuple, CachedResponse] = LruCache(max_bytes, lambda _, response: response.size)
        self._entries_version: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.entries.max_bytes <= 0 or scope["type"] != "http" or scope["method"] not in ("GET", "POST")
                or not scope["path"].startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        body, receive = await _read_body(receive)
        headers = _first_headers(scope)
        scope_key = self._caller(headers)
        # a GET with a body is not a question the endpoints read the body of: not worth a key
        version = await self.version() if scope_key is not None and body is not None else None
        if version is None or (scope["method"] == "GET" and body):
            await self.app(scope, receive, send)
            return
        if version != self._entries_version:  # a newer version: the older answers are dead weight
            self.entries.clear()
            self._entries_version = version
        request = (scope["method"], scope["path"], scope["query_string"], hashlib.sha256(body).digest(),
                   headers.get(b"accept", b""), headers.get(b"content-type", b""))
        key = (version, scope_key, *request)
        cached = self.entries.get(key)
        if cached is not None:
            await send({"type": "http.response.start", "status": cached.status,
                        "headers": [*cached.headers, (CACHE_HEADER, b"hit")]})
            await send({"type": "http.response.body", "body": cached.body})
            return
        key_size = sum(len(part) for part in request[1:])
        await self._forward_and_keep(scope, receive, send, key, key_size, version)

    def _caller(self, headers: dict[bytes, bytes]) -> tuple | None:
        """(role, sorted accounts or None) of a valid key; None when the request is not authenticated."""
        key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
        if not key:
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, credentials = authorization.partition(" ")
            key = credentials.strip() if scheme.lower() == "bearer" else ""
        try:
            principal = self.keys().authenticate(key or None)
        except ApiError:
            return None
        accounts = tuple(sorted(principal.accounts)) if principal.accounts is not None else None
        return principal.role, accounts

    async def _forward_and_keep(self, scope: Scope, receive: Receive, send: Send, key: tuple, key_size: int,
                                version: str) -> None:
        keep = True  # until the answer shows it cannot be kept: not a 200, too big, another version
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal keep, status, headers, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != CACHE_HEADER]
                served = dict(headers).get(VERSION_HEADER)
                keep = status == 200 and served is not None and served.decode("latin-1") == version
            elif message["type"] == "http.response.body" and keep:
                chunk = message.get("body", b"")
                size += len(chunk)
                chunks.append(chunk)
                keep = size <= self.entries.max_bytes // 8
                # an answer computed while a newer version took over is not kept (it would be dead weight)
                if keep and not message.get("more_body", False) and version == self._entries_version:
                    self.entries.put(key, CachedResponse(status, headers, b"".join(chunks), key_size))
            await send(message)

        await self.app(scope, receive, capture)


def _first_headers(scope: Scope) -> dict[bytes, bytes]:
    """Request headers by (lower-case) name, the first of repeated ones, as Starlette reads them:
    the cache must see the same key as the endpoints."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.lower(), value)
    return headers


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole request body (None if larger than MAX_REQUEST_BODY) and a receive that replays it."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > MAX_REQUEST_BODY:
            break
    complete = messages[-1]["type"] == "http.request" and not messages[-1].get("more_body", False)
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return (body if complete and size <= MAX_REQUEST_BODY else None), replay
