"""What the MCP tools run on: the API's own machinery (backend, semantic layers, query gate, keys),
taken from the FastAPI app when the server is mounted there, or built from the settings for
`infralyzer mcp` (stdio). A tool's query is answered exactly as the endpoint's would be."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread

from infralyzer.api.auth import KeyStore, Principal, load_keys
from infralyzer.api.backends import Backend, make_backend
from infralyzer.api.deps import QueryContext
from infralyzer.api.errors import ApiError
from infralyzer.api.limits import QueryGate
from infralyzer.api.semantic_layer import SemanticLayer, SemanticLayers
from infralyzer.settings import Settings

T = TypeVar("T")

# the caller of a tool called in-process (the REST adapters, the Bedrock loop): a contextvar, so
# one server instance serves every key
CALLER: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("infralyzer_mcp_caller", default=None)


@dataclass
class Runtime:
    backend: Backend
    settings: Settings
    semantic_layers: SemanticLayers
    query_gate: QueryGate
    keys: KeyStore

    @classmethod
    def of_app(cls, app: Any) -> Runtime:
        """The API's own: the same snapshot, caches, query gate and keys as its endpoints."""
        state = app.state
        return cls(state.backend, state.settings, state.semantic_layers, state.query_gate, state.keys)

    @classmethod
    def from_settings(cls, settings: Settings, backend: Backend | None = None) -> Runtime:
        """A stand-alone one (`infralyzer mcp`), configured as the API would be."""
        return cls(backend or make_backend(settings), settings, SemanticLayers(),
                   QueryGate(settings.sql_workers, settings.api_key_max_concurrent_queries, settings.sql_queue_max,
                             settings.sql_timeout_seconds),
                   KeyStore(load_keys(settings)))

    def _context(self, principal: Principal, function: Callable[..., T], args: tuple, isolated: bool) -> T:
        session = self.backend.open()
        try:
            ctx = QueryContext(session.cursor, session.handle, session.catalog, principal, self.settings, session,
                               isolated=isolated)
            return function(ctx, *args)
        finally:
            session.close()

    async def read(self, principal: Principal, function: Callable[..., T], *args: Any) -> T:
        """`function(ctx, *args)` on the current marts, in a worker thread: what a mart endpoint does."""
        return await anyio.to_thread.run_sync(self._context, principal, function, args, False)

    async def query(self, principal: Principal, function: Callable[..., T], *args: Any) -> T:
        """A SQL or metric query: admitted by the API's query gate (per-key concurrency, queue) and
        run in a query worker (time, memory and result limits), as `POST /sql/query` runs it."""
        async with self.query_gate.admit(principal, per_key=not self.keys.development_mode):
            return await self.query_gate.run(self._context, principal, function, args, True)

    def layer(self, ctx: QueryContext) -> SemanticLayer:
        return self.semantic_layers.for_session(ctx.session)


def require_analyst(principal: Principal) -> None:
    if principal.role != "analyst":
        raise ApiError(403, "forbidden", "This tool needs an API key with the analyst role.", {"role": principal.role})
