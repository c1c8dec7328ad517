"""Fixtures of the Python client tests: the local client on the session build's snapshots (the root
conftest's `publish_dir`), and a real API server (uvicorn on loopback, a separate process) with the
API tests' keys."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from api.api_support import KEYS, key_of
from infralyzer.api.auth import hash_key
from infralyzer.client import connect
from infralyzer.client.local import LocalClient


@pytest.fixture(scope="session")
def local(publish_dir: Path) -> LocalClient:
    client = connect(publish_dir)
    assert isinstance(client, LocalClient)
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def api_url(publish_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`uvicorn` serving the snapshots with the API tests' keys, on a free loopback port."""
    port = _free_port()
    keys = [{"name": name, "key_sha256": hash_key(key_of(name)), **spec} for name, spec in KEYS.items()]
    env = {**os.environ, "INFRALYZER_PUBLISH_DIR": str(publish_dir), "INFRALYZER_API_KEYS": json.dumps(keys)}
    env.pop("INFRALYZER_API_KEYS_FILE", None)
    log = tmp_path_factory.mktemp("api-server") / "uvicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "infralyzer.api.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the API server stopped: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


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
