"""Bad input gets a clear error and loses nothing: the last good snapshot keeps being served."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.layout import manifest_path
from infralyzer.publish import latest_snapshot

from sample_build import SAMPLE_PERIODS

pytestmark = pytest.mark.e2e


def data_files(exports: Path, export: str, period: str) -> list[Path]:
    return sorted((exports / export / "data" / f"BILLING_PERIOD={period}").glob("*.parquet"))


def test_corrupt_parquet_fails_the_build_naming_the_file_and_keeps_the_snapshot(rebuilt):
    before = latest_snapshot(rebuilt.publish_dir)
    victim = data_files(rebuilt.exports_dir, "cur2", SAMPLE_PERIODS[1])[0]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])  # a truncated upload

    result = run_dbt(rebuilt, "build", check=False, capture=True)

    assert result.returncode != 0
    assert victim.name in result.stdout + result.stderr
    after = latest_snapshot(rebuilt.publish_dir)
    assert after is not None and after.path == before.path
    health = TestClient(create_app(rebuilt.publish_dir)).get("/health").json()
    assert health["freshness"]["snapshot"] == before.path.name


def test_missing_column_is_named_in_the_error(rebuilt):
    before = latest_snapshot(rebuilt.publish_dir)
    victim = data_files(rebuilt.exports_dir, "cur2", SAMPLE_PERIODS[0])[0]
    table = pq.read_table(victim)
    pq.write_table(table.drop_columns(["line_item_unblended_cost"]), victim)

    result = run_dbt(rebuilt, "build", check=False, capture=True)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert victim.name in output and "line_item_unblended_cost" in output
    assert latest_snapshot(rebuilt.publish_dir).path == before.path


def test_half_delivered_period_is_not_read(rebuilt):
    """Data files without their manifest (AWS writes the manifest last) are an incomplete delivery:
    a period arriving for the first time is not read until its manifest is in place."""
    manifest_path(rebuilt.exports_dir, "cur2", SAMPLE_PERIODS[-1]).unlink()
    rebuilt.build_db.unlink()  # the period was never loaded before

    run_dbt(rebuilt, "build", "--select", "+fct_spend_daily", "--indirect-selection", "buildable")

    con = duckdb.connect(str(rebuilt.build_db), read_only=True)
    periods = [row[0] for row in con.execute("select distinct billing_period from marts.fct_spend_daily order by 1").fetchall()]
    con.close()
    assert periods == SAMPLE_PERIODS[:-1]
