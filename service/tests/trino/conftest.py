"""The cross-engine tests: the models built on a Trino server and compared with the DuckDB build.

They need a JDK that Trino supports and Maven (`make test-trino` installs and fetches what is
missing), so `make test` leaves them out: they are collected only with INFRALYZER_TRINO_TESTS=1.

One server and one Trino build of the session's sample serve every test here (`trino_built`).
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if os.environ.get("INFRALYZER_TRINO_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

sys.path.insert(0, str(Path(__file__).parent))

from trino_exports import register_exports  # noqa: E402
from trino_server import TrinoServer  # noqa: E402

from infralyzer.dbt_runner import run_dbt  # noqa: E402
from infralyzer.settings import Settings  # noqa: E402
from sample_build import make_settings  # noqa: E402

TRINO_DBT_THREADS = os.environ.get("INFRALYZER_TRINO_DBT_THREADS", "4")


@pytest.fixture(scope="session", autouse=True)
def trino_launched(tmp_path_factory: pytest.TempPathFactory):
    """The server's JVM, launched before any other fixture so that its start-up overlaps the
    sample's generation and DuckDB build."""
    # a terminated test run still tears down (and so stops Trino) as after Ctrl-C
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = TrinoServer(tmp_path_factory.mktemp("trino")).launch()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def trino_server(trino_launched: TrinoServer) -> TrinoServer:
    server = trino_launched.wait_until_ready()
    print(f"Trino started in {server.started_in_seconds:.0f} s on port {server.port}")
    return server


@pytest.fixture(scope="session")
def built(sample_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The DuckDB build the Trino build is compared with: the root conftest's `built` without its
    data and unit tests, which `make test` runs on this same sample (seed + run, then published)."""
    settings = make_settings(tmp_path_factory.mktemp("build"), sample_exports)
    run_dbt(settings, "seed")
    run_dbt(settings, "run")
    return settings


@dataclass(frozen=True)
class TrinoBuild:
    server: TrinoServer
    target_path: Path  # dbt's artefacts of the Trino build (manifest.json: the marts' declared scopes)
    dbt_env: dict[str, str]  # what the `trino` target of profiles.yml needs


@pytest.fixture(scope="session")
def trino_built(trino_server, sample_exports, built, tmp_path_factory) -> TrinoBuild:
    """dbt seed + run of every model on Trino over the session's sample exports (the same sample
    the DuckDB session build, `built`, read)."""
    register_exports(trino_server.connect().cursor(), sample_exports, trino_server.work_dir / "deliveries")
    # more dbt threads than cores: each query waits on Trino's planning and scheduling
    env = {"INFRALYZER_TRINO_PORT": str(trino_server.port), "INFRALYZER_TRINO_SCHEMA": "infralyzer",
           "INFRALYZER_THREADS": TRINO_DBT_THREADS}
    target_path = tmp_path_factory.mktemp("target_trino")
    common = ("--target-path", str(target_path))  # a fresh folder: parsed once, by the seed
    run_dbt(built, "seed", *common, target="trino", extra_env=env)
    run_dbt(built, "run", *common, target="trino", extra_env=env)
    return TrinoBuild(trino_server, target_path, env)
