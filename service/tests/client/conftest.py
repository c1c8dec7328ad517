"""Fixtures of the Python client tests: the local client on the session build's snapshots (the root
conftest's `publish_dir`), and clients of the real API server (the root conftest's `api_url`)."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest

from api.api_support import key_of
from infralyzer.client import connect
from infralyzer.client.local import LocalClient


@pytest.fixture(scope="session")
def local(publish_dir: Path) -> LocalClient:
    client = connect(publish_dir)
    assert isinstance(client, LocalClient)
    return client


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
