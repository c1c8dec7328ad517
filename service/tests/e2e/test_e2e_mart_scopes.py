"""A published mart that does not declare its account scope, or declares it wrongly, fails the build:
the data test tests/marts/assert_published_marts_declare_their_scope.sql names it (and the publish
macro would refuse it), so the API never serves a mart it cannot scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbt_project_copy import project_copy
from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings

pytestmark = pytest.mark.e2e

TEST = "assert_published_marts_declare_their_scope"


def test_a_mart_without_a_valid_scope_fails_the_build(tmp_path: Path, sample_exports: Path):
    project = project_copy(tmp_path)
    movers = project / "models" / "marts" / "spend" / "fct_top_movers.yml"
    regions = project / "models" / "marts" / "core" / "dim_regions.yml"
    movers.write_text("".join(line for line in movers.read_text().splitlines(keepends=True)
                              if "meta: {scope:" not in line))  # declares nothing
    declared = regions.read_text()
    assert "meta: {scope: reference}" in declared
    regions.write_text(declared.replace("meta: {scope: reference}",  # a column it does not have
                                        "meta: {scope: accounts, account_column: usage_account_id}"))
    settings = Settings(project_dir=project, exports_dir=sample_exports, build_db=tmp_path / "build" / "b.duckdb",
                        publish_dir=tmp_path / "publish")

    result = run_dbt(settings, "test", "--select", TEST, check=False, capture=True)

    assert result.returncode != 0, result.stdout
    assert f"FAIL 2 {TEST}" in result.stdout, result.stdout[-3000:]
    compiled = next((settings.dbt_target_dir / "compiled").rglob(f"{TEST}.sql")).read_text()
    assert "'fct_top_movers', 'config.meta.scope is missing" in compiled
    assert "'dim_regions', 'scope accounts needs config.meta.account_column" in compiled
