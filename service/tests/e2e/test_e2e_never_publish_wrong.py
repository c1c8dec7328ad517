"""Never publish silently wrong: a build that would serve less than the served snapshot, or that
misses a required column, fails with a message saying what is missing, and the last good snapshot
keeps being served. /health says how fresh each source is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import export_transforms as shapes
from infralyzer.api.app import create_app
from infralyzer.dbt_runner import run_dbt
from infralyzer.publish import latest_snapshot
from infralyzer.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(built, sample_exports: Path, tmp_path: Path) -> Settings:
    """A private copy of the exports, of the good build's database and of its published snapshot."""
    exports = tmp_path / "exports"
    shutil.copytree(sample_exports, exports)
    settings = shapes.settings_for(tmp_path / "work", exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    shutil.copytree(built.publish_dir, settings.publish_dir)
    return settings


def fails_and_keeps_the_snapshot(settings: Settings) -> str:
    before = latest_snapshot(settings.publish_dir)
    result = run_dbt(settings, "build", check=False, capture=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert latest_snapshot(settings.publish_dir).path == before.path
    health = TestClient(create_app(settings.publish_dir)).get("/health").json()
    assert health["freshness"]["snapshot"] == before.path.name
    return output


def test_a_missing_required_column_names_export_period_file_and_column(served):
    shapes.rename_export(served.exports_dir, "cur2", "business_group_a_cur")
    period = sorted(p.name.split("=")[1] for p in (served.exports_dir / "business_group_a_cur" / "data").iterdir())[1]
    [victim] = shapes.drop_columns(served.exports_dir, "business_group_a_cur", ["line_item_usage_type"], period, files=1)

    output = fails_and_keeps_the_snapshot(served)

    assert "Export 'business_group_a_cur' (cur2), billing period " + period in output
    assert victim.name in output and "line_item_usage_type" in output


def test_an_empty_exports_folder_fails_and_keeps_the_snapshot(served, tmp_path):
    served.exports_dir = tmp_path / "empty_exports"
    served.exports_dir.mkdir()

    output = fails_and_keeps_the_snapshot(served)

    assert "No complete delivery of the required export type(s) cur2" in output
    assert "found: nothing" in output


def test_exports_synced_one_folder_too_deep_fail_and_keep_the_snapshot(served):
    shapes.nest_under_prefix(served.exports_dir, "cur-prefix")

    output = fails_and_keeps_the_snapshot(served)

    assert "No complete delivery of the required export type(s) cur2" in output
    assert "found: _answer_key, cur-prefix" in output


def test_a_shrinking_period_set_fails_and_keeps_the_snapshot(served):
    first = sorted(p.name.split("=")[1] for p in (served.exports_dir / "cur2" / "data").iterdir())[0]
    # the whole period goes (a sync pointed at a shorter history): with the CUR gone but Cost
    # Optimization Hub's snapshot kept, the optimisation invariants would stop the build first
    for export in ("cur2", "focus", "coh", "carbon"):
        if (served.exports_dir / export / "data" / f"BILLING_PERIOD={first}").exists():
            shapes.remove_period(served.exports_dir, export, first)

    output = fails_and_keeps_the_snapshot(served)

    assert "fewer billing periods than the served snapshot" in output
    assert f"cur2 {first}" in output


def test_health_reports_each_source_and_flags_the_stale_ones(built):
    settings = Settings(publish_dir=built.publish_dir, source_stale_after_hours={"cur2": 0, "carbon": 960})

    health = TestClient(create_app(settings=settings)).get("/health").json()

    sources = {s["export_type"]: s for s in health["sources"]}
    assert set(sources) == {"cur2", "focus", "coh", "carbon"}
    assert sources["cur2"]["newest_billing_period"] == health["freshness"]["newest_billing_period"]
    assert sources["cur2"]["delivered_at"] is not None
    assert sources["cur2"]["is_stale"] is True  # any age is too old for 0 hours
    assert sources["carbon"]["is_stale"] is False
    assert health["status"] == "ok"
