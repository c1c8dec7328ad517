"""Fixtures every test area shares: the generated sample exports and one `dbt build` on them for
the whole session (service/tests/<area>/conftest.py hold each area's own).

Test folders have no __init__.py: pytest imports each test and helper module by its file name
(rootdir conftest, default `prepend` import mode), so file names must be unique across
service/tests — a second module of the same name would be the first one. `pytest_sessionstart`
refuses such a tree before anything is imported.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings
from sample_build import (
    SAMPLE_ANOMALIES,
    SAMPLE_CARBON_LAG_MONTHS,
    SAMPLE_IMPLEMENTATIONS,
    SAMPLE_LINE_ITEMS,
    SAMPLE_PERIODS,
    SAMPLE_SEED,
    make_settings,
)

TESTS_DIR = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    # dbt commands a test runs without settings of its own write here, not into the repository's
    # target/ (a developer's build) nor into another pytest-xdist worker's
    if "DBT_TARGET_PATH" not in os.environ:
        os.environ["DBT_TARGET_PATH"] = tempfile.mkdtemp(prefix="infralyzer-tests-dbt-target-")


def pytest_sessionstart(session: pytest.Session) -> None:
    modules: dict[str, list[str]] = defaultdict(list)
    for path in TESTS_DIR.rglob("*.py"):
        if path.name != "conftest.py" and "__pycache__" not in path.parts:
            modules[path.name].append(str(path.relative_to(TESTS_DIR)))
    clashes = {name: paths for name, paths in modules.items() if len(paths) > 1}
    if clashes:
        raise pytest.UsageError(f"Test and helper modules need unique file names under {TESTS_DIR}: {clashes}")


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `name` made by `make` once for the whole run: under pytest-xdist the first worker
    to ask makes it in the run's shared temp folder while the others wait, then all read it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    with FileLock(f"{folder}.lock"):
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infralyzer.exports.generate import generate

    def make(folder: Path) -> None:
        generate(folder / "exports", periods=SAMPLE_PERIODS, line_items_per_month=SAMPLE_LINE_ITEMS, seed=SAMPLE_SEED,
                 anomalies=SAMPLE_ANOMALIES, carbon_lag_months=SAMPLE_CARBON_LAG_MONTHS,
                 implementations=SAMPLE_IMPLEMENTATIONS)

    return once_per_run(tmp_path_factory, "sample", make) / "exports"


@pytest.fixture(scope="session")
def answer_key(sample_exports: Path) -> dict:
    return json.loads((sample_exports / "_answer_key" / "answer_key.json").read_text())


@pytest.fixture(scope="session")
def built(sample_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """`dbt build` (every model, seed, data test and unit test) on the sample; publishes a snapshot.
    Read it, never change it: under pytest-xdist every worker reads the same build."""
    folder = once_per_run(tmp_path_factory, "build", lambda root: run_dbt(make_settings(root, sample_exports), "build"))
    return make_settings(folder, sample_exports)


@pytest.fixture(scope="session")
def publish_dir(request: pytest.FixtureRequest) -> Path:
    """The session build's publish folder, or INFRALYZER_TEST_PUBLISH_DIR (quick iterations)."""
    override = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")
    if override:
        return Path(override)
    return request.getfixturevalue("built").publish_dir


@pytest.fixture(scope="session")
def api_url(publish_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on the session build's snapshots: uvicorn on loopback, a separate process, with the
    API tests' keys (service/tests/client/client_support.py); the client and MCP tests share it."""
    from client.client_support import serving

    with serving(publish_dir, tmp_path_factory.mktemp("api-server")) as url:
        yield url
