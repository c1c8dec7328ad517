"""Calling the MCP server's tools in-process (the plain-language questions, the REST adapters) as
an assistant's calls over MCP run: with a caller's key, refusals as the API's errors."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.mcp.runtime import CALLER


def api_error_payload(error: ApiError) -> str:
    """A refusal as MCP tool error text: the API's error body."""
    return json.dumps({"error": error.error, "message": error.message, "details": error.details}, default=str)


def api_error_of(error: BaseException) -> ApiError | None:
    """The API's refusal behind a tool error (the SDK may wrap the one a tool raised)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ApiError):
            return seen
        seen = seen.__cause__
    return None


def structured(result: Any) -> dict[str, Any]:
    """A tool result's JSON answer."""
    content = getattr(result, "structured_content", None)
    return content if content is not None else json.loads(result.content[0].text) if result.content else {}


async def call_tool(server: Any, principal: Principal, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One call of `server`'s tool `name` with `principal`'s key: its answer, or the ApiError it
    refused with."""
    token = CALLER.set(principal)
    try:
        result = await server.call_tool(name, arguments)
    except ToolError as error:
        refusal = api_error_of(error)
        if refusal is not None:
            raise refusal from error
        raise ApiError(400, "tool_error", str(error)[:500]) from error
    finally:
        CALLER.reset(token)
    return structured(result)
