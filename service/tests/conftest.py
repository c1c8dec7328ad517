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
from collections import defaultdict
from pathlib import Path

import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings
from sample_build import SAMPLE_ANOMALIES, SAMPLE_LINE_ITEMS, SAMPLE_PERIODS, SAMPLE_SEED, make_settings

TESTS_DIR = Path(__file__).resolve().parent


def pytest_sessionstart(session: pytest.Session) -> None:
    modules: dict[str, list[str]] = defaultdict(list)
    for path in TESTS_DIR.rglob("*.py"):
        if path.name != "conftest.py" and "__pycache__" not in path.parts:
            modules[path.name].append(str(path.relative_to(TESTS_DIR)))
    clashes = {name: paths for name, paths in modules.items() if len(paths) > 1}
    if clashes:
        raise pytest.UsageError(f"Test and helper modules need unique file names under {TESTS_DIR}: {clashes}")


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infralyzer.exports.generate import generate

    exports = tmp_path_factory.mktemp("sample") / "exports"
    generate(exports, periods=SAMPLE_PERIODS, line_items_per_month=SAMPLE_LINE_ITEMS, seed=SAMPLE_SEED,
             anomalies=SAMPLE_ANOMALIES)
    return exports


@pytest.fixture(scope="session")
def answer_key(sample_exports: Path) -> dict:
    return json.loads((sample_exports / "_answer_key" / "answer_key.json").read_text())


@pytest.fixture(scope="session")
def built(sample_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """`dbt build` (every model, seed, data test and unit test) on the sample; publishes a snapshot."""
    settings = make_settings(tmp_path_factory.mktemp("build"), sample_exports)
    run_dbt(settings, "build")
    return settings


@pytest.fixture(scope="session")
def publish_dir(request: pytest.FixtureRequest) -> Path:
    """The session build's publish folder, or INFRALYZER_TEST_PUBLISH_DIR (quick iterations)."""
    override = os.environ.get("INFRALYZER_TEST_PUBLISH_DIR")
    if override:
        return Path(override)
    return request.getfixturevalue("built").publish_dir
