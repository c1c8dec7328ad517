"""The offline Athena check fails when a DuckDB-only construct is put into a model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbt_project_copy import project_copy

pytestmark = pytest.mark.e2e


def check_athena(project: Path) -> subprocess.CompletedProcess:
    infralyzer = Path(sys.executable).with_name("infralyzer")
    return subprocess.run(
        [str(infralyzer), "check-athena"], cwd=project, capture_output=True, text=True,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "INFRALYZER_PROJECT_DIR": str(project)},
    )


@pytest.mark.parametrize(
    "construct, sql",
    [
        ("exclude", "select * exclude (line_item_id) from {{ ref('stg_aws_cur__line_items') }}"),
        ("::", "select unblended_cost::double as cost from {{ ref('stg_aws_cur__line_items') }}"),
    ],
)
def test_duckdb_only_sql_in_a_model_fails_the_check(tmp_path, construct, sql):
    project = project_copy(tmp_path)
    (project / "models" / "marts" / "zz_probe.sql").write_text(sql + "\n")
    result = check_athena(project)
    assert result.returncode != 0, result.stdout
    assert "zz_probe.sql" in result.stdout and construct in result.stdout


def test_the_project_passes_the_check(tmp_path):
    result = check_athena(project_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
