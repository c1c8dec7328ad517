"""Shared fixtures: generated sample exports and one `dbt build` on them for the whole session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings

# Three closed billing periods; small enough for CI, large enough to hold every kind of charge.
SAMPLE_PERIODS = ["2026-07", "2026-08", "2026-09"]
SAMPLE_LINE_ITEMS = 20_000
SAMPLE_SEED = 7


def make_settings(root: Path, exports_dir: Path | None = None) -> Settings:
    return Settings(
        exports_dir=exports_dir or root / "exports",
        build_db=root / "build" / "infralyzer.duckdb",
        publish_dir=root / "publish",
    )


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infralyzer.exports.generate import generate

    exports = tmp_path_factory.mktemp("sample") / "exports"
    generate(exports, periods=SAMPLE_PERIODS, line_items_per_month=SAMPLE_LINE_ITEMS, seed=SAMPLE_SEED)
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


@pytest.fixture
def copy_of_exports(sample_exports: Path, tmp_path: Path) -> Path:
    """A private copy of the sample exports, for tests that damage or re-deliver them."""
    target = tmp_path / "exports"
    shutil.copytree(sample_exports, target)
    return target


@pytest.fixture(scope="session")
def amortization_rule(built: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The compiled `int_line_items_amortized`, reading given rows (amortization_harness), and the
    DuckDB evaluator holding them: one dbt compile for the session's rule tests."""
    from amortization_harness import LineItemEvaluator, compile_model_sql, parse_with_given_input

    tree = parse_with_given_input(compile_model_sql(built, tmp_path_factory.mktemp("compiled")))
    return tree, LineItemEvaluator(built.build_db)
