"""What the client tests import: a real API server (uvicorn on loopback, a separate process)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx

from api.api_support import KEYS, key_of
from infralyzer.api.auth import hash_key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(publish_dir: Path, log_dir: Path) -> Iterator[str]:
    """`uvicorn` serving `publish_dir` with the API tests' keys on a free loopback port: its URL."""
    port = _free_port()
    keys = [{"name": name, "key_sha256": hash_key(key_of(name)), **spec} for name, spec in KEYS.items()]
    env = {**os.environ, "INFRALYZER_PUBLISH_DIR": str(publish_dir), "INFRALYZER_API_KEYS": json.dumps(keys)}
    env.pop("INFRALYZER_API_KEYS_FILE", None)
    log = log_dir / "uvicorn.log"
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
