"""A publish after a re-delivery starts from a copy of the served snapshot and replaces only the
billing periods whose delivery changed in the incremental marts (macros/publish/); the snapshot it
seals still equals the build's marts, row for row."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest

from infralyzer import snapshot_files
from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver
from infralyzer.publish import list_snapshots

from sample_build import SAMPLE_PERIODS, SAMPLE_SEED, make_settings

pytestmark = pytest.mark.e2e

INCREMENTAL_MARTS = {"fct_focus_costs", "fct_spend_daily", "fct_commitment_coverage", "fct_compute_on_demand_hourly"}


def differences(snapshot, build_db) -> dict[str, tuple[int, int]]:
    """Per table of the snapshot's marts: (rows only in the snapshot, rows only in the build), as
    multisets; the tables that differ, and any mart one side lacks."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{snapshot}' as snap (read_only)")
        con.execute(f"attach '{build_db}' as build (read_only)")
        tables = lambda catalog: {r[0] for r in con.execute(  # noqa: E731
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts'",
            [catalog]).fetchall()}
        snap_tables, build_tables = tables("snap"), tables("build")
        out = {t: (-1, -1) for t in snap_tables ^ build_tables}
        for t in sorted(snap_tables & build_tables):
            only_snap = con.execute(f"select count(*) from (select * from snap.marts.{t} except all "
                                    f"select * from build.marts.{t})").fetchone()[0]
            only_build = con.execute(f"select count(*) from (select * from build.marts.{t} except all "
                                     f"select * from snap.marts.{t})").fetchone()[0]
            if only_snap or only_build:
                out[t] = (only_snap, only_build)
        return out
    finally:
        con.close()


def reused_marts(stdout: str) -> set[str]:
    found = re.search(r"whose rows of unchanged billing periods (.+?) keep", re.sub(r"\s+", " ", stdout))
    return set(found.group(1).split(", ")) if found else set()


def newest_snapshot(settings):
    snapshot = list_snapshots(settings.publish_dir)[0]
    assert snapshot_files.check(snapshot).ok
    return snapshot


def copy_of_the_session_build(built, exports, tmp_path):
    """The session's build database and its served snapshot (published from that database's
    tables), copied: (settings, the served snapshot's copy)."""
    settings = make_settings(tmp_path / "work", exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    settings.publish_dir.mkdir(parents=True)
    served = list_snapshots(built.publish_dir)[0]
    for path in (served, snapshot_files.manifest_path_of(served)):
        shutil.copy(path, settings.publish_dir / path.name)
    return settings, settings.publish_dir / served.name


def test_a_publish_after_a_redelivery_replaces_only_changed_periods_and_equals_the_build(
        built, copy_of_exports, tmp_path):
    settings, served = copy_of_the_session_build(built, copy_of_exports, tmp_path)

    redeliver(copy_of_exports, period=SAMPLE_PERIODS[-1], seed=SAMPLE_SEED, revision=1)
    result = run_dbt(settings, "build", capture=True)
    assert reused_marts(result.stdout) == INCREMENTAL_MARTS, result.stdout[-3000:]
    snapshot = newest_snapshot(settings)
    assert snapshot.name != served.name
    assert differences(snapshot, settings.build_db) == {}

    # A mart built whole since the served snapshot (here a full refresh published elsewhere) is
    # copied whole: its rows of an unchanged delivery may differ from the snapshot's.
    elsewhere = settings.model_copy(update={"publish_dir": tmp_path / "elsewhere"})
    refreshed = run_dbt(elsewhere, "build", "--full-refresh", "--select", "fct_spend_daily", capture=True, check=False)
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    with duckdb.connect(str(settings.build_db)) as con:  # make the whole build visibly different
        con.execute("update marts.fct_spend_daily set line_item_count = line_item_count + 1000000 "
                    "where billing_period = ?", [SAMPLE_PERIODS[0]])
    redeliver(copy_of_exports, period=SAMPLE_PERIODS[-1], seed=SAMPLE_SEED, revision=2)
    result = run_dbt(settings, "run", capture=True)  # a run: the changed rows would fail the mart's tests
    assert reused_marts(result.stdout) == INCREMENTAL_MARTS - {"fct_spend_daily"}
    assert differences(newest_snapshot(settings), settings.build_db) == {}


def test_a_full_refresh_publishes_every_row(built, copy_of_exports, tmp_path):
    settings, _ = copy_of_the_session_build(built, copy_of_exports, tmp_path)
    result = run_dbt(settings, "run", "--full-refresh", "--select", "fct_compute_on_demand_hourly", capture=True)
    assert "Publishing" in result.stdout and reused_marts(result.stdout) == set()
    assert differences(newest_snapshot(settings), settings.build_db) == {}


def test_a_damaged_served_snapshot_is_not_copied(built, copy_of_exports, tmp_path):
    settings, served = copy_of_the_session_build(built, copy_of_exports, tmp_path)
    manifest = snapshot_files.manifest_path_of(served)
    # damage the build-side checks do not see (they compare sizes; the API hashes before serving)
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "sha256": "0" * 64}))
    result = run_dbt(settings, "run", "--select", "fct_compute_on_demand_hourly", capture=True)
    assert "differs from its manifest (damaged)" in result.stdout
    assert reused_marts(result.stdout) == set()
    assert differences(newest_snapshot(settings), settings.build_db) == {}
