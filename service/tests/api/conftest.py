"""Shared fixtures of the API tests (imported by the test_api_* modules), and their own checks.

The API is served from the snapshot the session's `dbt build` published (conftest `built`). For
quick iterations, INFRALYZER_TEST_PUBLISH_DIR points the tests at an existing publish folder.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.auth import hash_key
from infralyzer.publish import connect, latest_snapshot
from infralyzer.settings import Settings

API = "/api/v1/finops"

# two member accounts of the sample organisation, and its payer (service/infralyzer/exports/generate)
SCOPED_ACCOUNTS = ["080184646050", "636167725090"]
KEYS = {
    "viewer": {"role": "viewer", "accounts": None},
    "viewer-2": {"role": "viewer", "accounts": None},  # another key of the same role and scope
    "analyst": {"role": "analyst", "accounts": None},
    "scoped-analyst": {"role": "analyst", "accounts": SCOPED_ACCOUNTS},
    "scoped-viewer": {"role": "viewer", "accounts": SCOPED_ACCOUNTS},
    "nobody": {"role": "analyst", "accounts": []},
}


def key_of(name: str) -> str:
    return f"test-key-{name}-0123456789"


def headers(name: str) -> dict[str, str]:
    return {"X-API-Key": key_of(name)}


@pytest.fixture(scope="session")
def publish_dir(request: pytest.FixtureRequest) -> Path:
    override = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")
    if override:
        return Path(override)
    return request.getfixturevalue("built").publish_dir


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


def make_settings(publish_dir: Path, **overrides) -> Settings:
    keys = [{"name": name, "key_sha256": hash_key(key_of(name)), **spec} for name, spec in KEYS.items()]
    return Settings(publish_dir=publish_dir, api_keys=json.dumps(keys), api_keys_file=None, **overrides)


@pytest.fixture(scope="session")
def client(publish_dir: Path) -> TestClient:
    """The API with keys configured (see KEYS)."""
    return TestClient(create_app(settings=make_settings(publish_dir)))


@pytest.fixture(scope="session")
def dev_client(publish_dir: Path) -> TestClient:
    """The API in local development mode (no keys)."""
    return TestClient(create_app(settings=Settings(publish_dir=publish_dir, api_keys=None, api_keys_file=None)))


def read_table(response) -> pa.Table:
    """A CSV, Parquet or Arrow response as an Arrow table."""
    media = response.headers["content-type"].split(";")[0]
    body = io.BytesIO(response.content)
    if media == "text/csv":
        import pyarrow.csv as pa_csv

        return pa_csv.read_csv(body)
    if media == "application/vnd.apache.parquet":
        return pq.read_table(body)
    if media == "application/vnd.apache.arrow.stream":
        return pa.ipc.open_stream(body).read_all()
    raise AssertionError(media)


def close(a, b, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= rel * max(1.0, abs(float(b)))


def test_keys_are_configured(client):
    assert not client.app.state.keys.development_mode
    assert client.app.state.keys.keys[0].key_sha256 == hash_key(key_of("viewer"))
