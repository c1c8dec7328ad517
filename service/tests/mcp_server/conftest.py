"""Fixtures of the MCP and plain-language question tests: one API app on the session build's
snapshot (the root conftest's `publish_dir`) with the API tests' keys, whose runtime (snapshot
reader, semantic layer, keys) the in-process MCP servers share, so MetricFlow loads once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.api_support import make_settings
from infralyzer.api.app import create_app
from infralyzer.api.limits import QueryGate
from infralyzer.mcp.runtime import Runtime
from infralyzer.settings import Settings


@pytest.fixture(scope="session")
def mcp_settings(publish_dir: Path) -> Settings:
    return make_settings(publish_dir, sql_timeout_seconds=3.0)


@pytest.fixture(scope="session")
def mcp_api(mcp_settings: Settings) -> TestClient:
    """The API (the MCP server mounted at /mcp, its REST adapters, /ai/ask) in process."""
    return TestClient(create_app(settings=mcp_settings))


@pytest.fixture
def runtime(mcp_api: TestClient) -> Runtime:
    """The API app's runtime with a query gate of this test's event loop (anyio.run makes a new one)."""
    shared = Runtime.of_app(mcp_api.app)
    s = shared.settings
    return dataclasses.replace(shared, query_gate=QueryGate(s.sql_workers, s.api_key_max_concurrent_queries,
                                                            s.sql_queue_max, s.sql_timeout_seconds))
