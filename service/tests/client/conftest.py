"""Fixtures of the Python client tests: the local client on the session build's snapshots (the root
conftest's `publish_dir`), and a real API server (uvicorn on loopback, a separate process) with the
API tests' keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from api.api_support import key_of
from client_support import serving
from infralyzer.client import connect
from infralyzer.client.local import LocalClient


@pytest.fixture(scope="session")
def local(publish_dir: Path) -> LocalClient:
    client = connect(publish_dir)
    assert isinstance(client, LocalClient)
    return client


@pytest.fixture(scope="session")
def api_url(publish_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on the session build's snapshots."""
    with serving(publish_dir, tmp_path_factory.mktemp("api-server")) as url:
        yield url


@pytest.fixture(scope="session")
def remote_as(api_url: str):
    """A remote client with one of the test keys (small pages, so whole marts are read in pages)."""
    clients: dict[str, object] = {}

    def make(name: str):
        if name not in clients:
            clients[name] = connect(api_url, key=key_of(name), page_size=700)
        return clients[name]

    yield make
    for client in clients.values():
        client.close()


@pytest.fixture(scope="session")
def api_json(api_url: str):
    """The API's JSON answer to a request, as an analyst (or another test key)."""
    with httpx.Client(base_url=f"{api_url}/api/v1/finops", timeout=120) as http:
        def request(method: str, path: str, key: str = "analyst", **kwargs) -> httpx.Response:
            return http.request(method, path, headers={"X-API-Key": key_of(key)}, **kwargs)

        yield request
