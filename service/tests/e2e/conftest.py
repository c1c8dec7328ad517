"""Fixtures of the tests that run dbt beyond the session's build (the shared sample and build are
in the root conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from infralyzer.settings import Settings


@pytest.fixture(scope="module")
def build_db(built: Settings):
    """The session build's database, read-only."""
    con = duckdb.connect(str(built.build_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def copy_of_exports(sample_exports: Path, tmp_path: Path) -> Path:
    """A private copy of the sample exports, for tests that damage or re-deliver them."""
    target = tmp_path / "exports"
    shutil.copytree(sample_exports, target)
    return target


@pytest.fixture
def rebuilt(built, copy_of_exports, tmp_path):
    """Settings over a private copy of the exports, the build database and the published snapshot."""
    from sample_build import make_settings

    settings = make_settings(tmp_path / "work", copy_of_exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    shutil.copytree(built.publish_dir, settings.publish_dir)
    return settings


@pytest.fixture(scope="session")
def amortization_rule(built: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The compiled `int_line_items_amortized`, reading given rows (amortization_harness), and the
    DuckDB evaluator holding them: one dbt compile for the session's rule tests."""
    from amortization_harness import LineItemEvaluator, compile_model_sql, parse_with_given_input

    tree = parse_with_given_input(compile_model_sql(built, tmp_path_factory.mktemp("compiled")))
    return tree, LineItemEvaluator(built.build_db)
