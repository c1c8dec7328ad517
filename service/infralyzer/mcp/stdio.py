"""`infralyzer mcp`: the MCP server over stdio, for a desktop assistant that starts it.

It reads the marts as the API does (INFRALYZER_* settings: the newest snapshot in the publish
folder, or Athena). With API keys configured, it answers as the key in INFRALYZER_API_KEY (its
role and account scope); without, as local development mode (an unscoped analyst)."""

from __future__ import annotations

import os

import anyio

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.mcp.runtime import Runtime
from infralyzer.mcp.server import build_server
from infralyzer.settings import Settings

KEY_VARIABLE = "INFRALYZER_API_KEY"


def stdio_principal(runtime: Runtime) -> Principal:
    """Who the stdio server answers as (see the module docstring); refuses an unknown key."""
    try:
        return runtime.keys.authenticate(os.environ.get(KEY_VARIABLE) or None)
    except ApiError as error:
        raise SystemExit(f"infralyzer mcp: {error.message} Set {KEY_VARIABLE} to an API key.") from error


def serve(settings: Settings) -> None:
    runtime = Runtime.from_settings(settings)
    server = build_server(runtime, stdio_principal(runtime))
    anyio.run(server.run_stdio_async)
