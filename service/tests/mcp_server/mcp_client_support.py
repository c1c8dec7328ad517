"""What the MCP tests import: sessions of the SDK's client on the server (in memory or over
streamable HTTP), and reading tool answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2 as httpx
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from api.api_support import KEYS, key_of
from infralyzer.api.auth import Principal
from infralyzer.mcp.server import build_server

TOOLS = {"list_metrics", "get_dimensions", "get_entities", "get_dimension_values", "query_metrics",
         "get_metrics_compiled_sql", "list_saved_queries", "query_saved_query", "run_sql", "describe_mart",
         "top_savings_actions", "anomalies", "forecast_vs_budget", "kpi_status", "ask"}


def principal(name: str) -> Principal:
    """A test key's principal (api_support.KEYS), as the key store authenticates it."""
    spec = KEYS[name]
    return Principal(name, spec["role"], frozenset(spec["accounts"]) if spec["accounts"] is not None else None)


@asynccontextmanager
async def in_memory(runtime, key: str) -> AsyncIterator[Client]:
    """The SDK's client on the server through its in-memory transport (JSON-RPC, initialize handshake)."""
    async with Client(build_server(runtime, principal(key)), mode="legacy", raise_exceptions=False) as client:
        yield client


@asynccontextmanager
async def over_http(url: str, key: str | None) -> AsyncIterator[Client]:
    """The SDK's client on the API's /mcp over streamable HTTP, with a test key."""
    headers = {"X-API-Key": key_of(key)} if key else {}
    async with httpx.AsyncClient(headers=headers, timeout=120) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            yield client


def answer(result) -> dict[str, Any]:
    """A successful tool call's JSON answer."""
    assert not result.is_error, result.content[0].text if result.content else result
    return result.structured_content if result.structured_content is not None else json.loads(result.content[0].text)


def refusal(result) -> dict[str, Any]:
    """A refused tool call's {error, message, details} (the API's error body)."""
    assert result.is_error, "expected a refusal"
    text = result.content[0].text
    return json.loads(text[text.index("{"):])
