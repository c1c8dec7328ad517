"""The MCP server over streamable HTTP, in the API: `POST /mcp` (stateless, JSON answers), with the
API's keys, rate limit and account scoping. The key comes as on every endpoint (`X-API-Key` or
`Authorization: Bearer`); the request carries its principal to the tools (server.PRINCIPAL_STATE).
Not part of the OpenAPI: it speaks JSON-RPC, described by the MCP specification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from infralyzer.api.errors import ApiError
from infralyzer.api.limits import too_many
from infralyzer.mcp.runtime import Runtime
from infralyzer.mcp.server import PRINCIPAL_STATE, InfralyzerMCP, build_server

MCP_PATH = "/mcp"
_LOCAL = TransportSecuritySettings(  # local development mode has no keys: refuse DNS-rebound browsers
    enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"])


def _key(headers: Headers) -> str | None:
    key = (headers.get("x-api-key") or "").strip()
    if not key:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        key = credentials.strip() if scheme.lower() == "bearer" else ""
    return key or None


class KeyedEndpoint:
    """Authenticate and rate-limit as the API's dependencies do, then hand over to the SDK."""

    def __init__(self, app: FastAPI, server: InfralyzerMCP) -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.app.state
        try:
            principal = state.keys.authenticate(_key(Headers(scope=scope)))
            if not state.keys.development_mode:
                wait = state.rate_limiter.take(principal.name)
                if wait > 0:
                    raise too_many("Too many requests for this API key.", wait,
                                   {"limit_per_minute": state.rate_limiter.per_minute})
        except ApiError as error:
            response = JSONResponse({"error": error.error, "message": error.message, "details": error.details},
                                    status_code=error.status_code, headers=error.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        await self.server.session_manager.handle_request(scope, receive, send)


def _new_session_manager(server: InfralyzerMCP, development_mode: bool) -> None:
    server.streamable_http_app(stateless_http=True, json_response=True,
                               transport_security=_LOCAL if development_mode else
                               TransportSecuritySettings(enable_dns_rebinding_protection=False))


def mount(app: FastAPI) -> InfralyzerMCP:
    """Serve the MCP server at MCP_PATH of `app` (its lifespan must run `running(app)`)."""
    server = build_server(Runtime.of_app(app))
    _new_session_manager(server, app.state.keys.development_mode)
    app.state.mcp_server = server
    app.router.routes.append(Route(MCP_PATH, endpoint=KeyedEndpoint(app, server), methods=["GET", "POST", "DELETE"],
                                   include_in_schema=False))
    return server


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """The SDK's session manager for the app's lifetime (one per lifespan: it cannot be restarted)."""
    server: InfralyzerMCP | None = getattr(app.state, "mcp_server", None)
    if server is None:
        yield
        return
    _new_session_manager(server, app.state.keys.development_mode)  # a manager runs once: one per lifespan
    async with server.session_manager.run():
        yield
