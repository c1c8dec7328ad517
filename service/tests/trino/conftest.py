"""The cross-engine tests: the models built on a Trino server and compared with the DuckDB build.

They need a JDK that Trino supports and Maven (`make test-trino` installs and fetches what is
missing), so `make test` leaves them out: they are collected only with INFRALYZER_TRINO_TESTS=1.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

if os.environ.get("INFRALYZER_TRINO_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

sys.path.insert(0, str(Path(__file__).parent))

from trino_server import TrinoServer  # noqa: E402


@pytest.fixture(scope="session")
def trino_server(tmp_path_factory: pytest.TempPathFactory):
    # a terminated test run still tears down (and so stops Trino) as after Ctrl-C
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = TrinoServer(tmp_path_factory.mktemp("trino")).start()
    print(f"Trino started in {server.started_in_seconds:.0f} s on port {server.port}")
    yield server
    server.stop()
