"""Exactly once per billing period: re-deliveries rebuild only their period, from the latest delivery."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver
from infralyzer.exports.layout import partition_dir, read_manifest

from sample_build import SAMPLE_PERIODS, SAMPLE_SEED, make_settings

pytestmark = pytest.mark.e2e

DAILY_COLUMNS = (
    "billing_period, usage_date, payer_account_id, usage_account_id, product_code, service, region, usage_type, "
    "line_item_type, charge_class, purchase_option, line_item_count, usage_amount, unblended_cost, amortized_cost, "
    "net_unblended_cost, net_amortized_cost, public_on_demand_cost"
)


def mart_rows(settings) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return con.execute(f"select {DAILY_COLUMNS} from marts.fct_spend_daily order by all").fetchall()
    finally:
        con.close()


def period_totals(settings) -> dict[str, Decimal]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return dict(con.execute("select billing_period, sum(amortized_cost) from marts.fct_spend_daily group by 1").fetchall())
    finally:
        con.close()


def test_redelivering_a_period_three_times_changes_no_mart_row(built, copy_of_exports, tmp_path):
    settings = make_settings(tmp_path / "work", copy_of_exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    period = SAMPLE_PERIODS[-1]

    redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=1)
    first = run_dbt(settings, "build", "--select", "+fct_spend_daily", "--indirect-selection", "buildable", capture=True)
    assert f"rebuilding billing period(s) {period}" in first.stdout
    once = mart_rows(settings)

    for _ in range(3):  # the same contents, re-delivered as new executions
        redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=1)
    result = run_dbt(settings, "build", "--select", "+fct_spend_daily", "--indirect-selection", "buildable", capture=True)
    assert f"rebuilding billing period(s) {period}" in result.stdout
    assert mart_rows(settings) == once

    # a build with nothing re-delivered rebuilds nothing (its tests only: a test that also reads a
    # mart left out of these partial builds, such as fct_cloud_spend_daily, would compare it stale)
    idle = run_dbt(settings, "build", "--select", "fct_spend_daily", "--indirect-selection", "buildable", capture=True)
    assert "rebuilding billing period(s) none" in idle.stdout
    assert mart_rows(settings) == once

    # the re-delivered contents are what the marts now say, to the cent
    key = json.loads((copy_of_exports / "_answer_key" / "answer_key.json").read_text())
    totals = period_totals(settings)
    for p, expected in key["periods"].items():
        assert totals[p].quantize(Decimal("0.01")) == Decimal(str(expected["cur2"]["amortized_cost"])).quantize(Decimal("0.01"))


def test_a_rebuild_tests_the_redelivered_period_only_and_still_catches_bad_data(built, copy_of_exports, tmp_path):
    """Data tests on line-item models check the periods whose delivery has not passed a full build
    yet (macros/testing/billing_periods_under_test.sql): a re-delivered period is tested, the
    others are not re-tested, and a bad re-delivery still fails the build and is not recorded."""
    settings = make_settings(tmp_path / "work", copy_of_exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    period = SAMPLE_PERIODS[-1]

    def verified() -> dict[str, str]:
        con = duckdb.connect(str(settings.build_db), read_only=True)
        try:
            return dict(con.execute(
                "select billing_period, execution_id from landing.verified_deliveries where export_name = 'cur2'"
            ).fetchall())
        finally:
            con.close()

    # the session's full build verified every delivered period
    before = verified()
    assert sorted(before) == SAMPLE_PERIODS

    redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=1)
    run_dbt(settings, "build", capture=True)
    target = settings.dbt_target_dir
    compiled = next((target / "compiled").rglob(
        "not_null_stg_aws_cur__line_items_line_item_type.sql")).read_text()
    assert f"billing_period in ('{period}')" in compiled
    # the FOCUS mart (a row per line item, incremental) too, under its own period column
    focus = next((target / "compiled").rglob("not_null_fct_focus_costs_BilledCost.sql")).read_text()
    assert f"x_BillingPeriod in ('{period}')" in focus
    after = verified()
    assert after[period] == read_manifest(copy_of_exports, "cur2", period)["executionId"] != before[period]
    assert {p: after[p] for p in SAMPLE_PERIODS[:-1]} == {p: before[p] for p in SAMPLE_PERIODS[:-1]}

    # a re-delivery with a duplicated line item fails the build, and is not recorded as verified
    redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=2)
    data_file = sorted(partition_dir(copy_of_exports, "cur2", "data", period).glob("*.parquet"))[0]
    table = pq.read_table(data_file)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), data_file)
    failed = run_dbt(settings, "build", check=False, capture=True)
    assert failed.returncode != 0
    output = re.sub(r"\x1b\[[0-9;]*m", "", failed.stdout)
    assert re.search(r"FAIL 1 unique_combination_of_columns_stg_aws_cur__line_items_export_name__billing_period__line_item_id", output)
    assert verified() == after
