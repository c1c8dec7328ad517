"""Fixtures of the API tests (what they import besides is in api_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.publish import connect, latest_snapshot
from infralyzer.settings import Settings

from api_support import make_settings


@pytest.fixture(scope="session")
def snapshot_path(publish_dir: Path) -> Path:
    info = latest_snapshot(publish_dir)
    assert info is not None, "the build published no snapshot"
    return info.path


@pytest.fixture(scope="session")
def mart(snapshot_path: Path):
    """Run SQL directly on the snapshot (the expected answers)."""
    con = connect(snapshot_path)  # the service's configuration: DuckDB shares one instance per file

    def query(sql: str, params: list | None = None) -> list[tuple]:
        return con.cursor().execute(sql, params or []).fetchall()

    yield query
    con.close()


@pytest.fixture(scope="session")
def client(publish_dir: Path) -> TestClient:
    """The API with keys configured (api_support.KEYS)."""
    return TestClient(create_app(settings=make_settings(publish_dir)))


@pytest.fixture(scope="session")
def dev_client(publish_dir: Path) -> TestClient:
    """The API in local development mode (no keys)."""
    return TestClient(create_app(settings=Settings(publish_dir=publish_dir, api_keys=None, api_keys_file=None)))
