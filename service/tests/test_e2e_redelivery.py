"""Exactly once per billing period: re-deliveries rebuild only their period, from the latest delivery."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import duckdb
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver

from conftest import SAMPLE_PERIODS, SAMPLE_SEED, make_settings

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
    first = run_dbt(settings, "build", "--select", "+fct_spend_daily", capture=True)
    assert f"rebuilding billing period(s) {period}" in first.stdout
    once = mart_rows(settings)

    for _ in range(3):  # the same contents, re-delivered as new executions
        redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=1)
    result = run_dbt(settings, "build", "--select", "+fct_spend_daily", capture=True)
    assert f"rebuilding billing period(s) {period}" in result.stdout
    assert mart_rows(settings) == once

    # a build with nothing re-delivered rebuilds nothing
    idle = run_dbt(settings, "build", "--select", "fct_spend_daily", capture=True)
    assert "rebuilding billing period(s) none" in idle.stdout
    assert mart_rows(settings) == once

    # the re-delivered contents are what the marts now say, to the cent
    key = json.loads((copy_of_exports / "_answer_key" / "answer_key.json").read_text())
    totals = period_totals(settings)
    for p, expected in key["periods"].items():
        assert totals[p].quantize(Decimal("0.01")) == Decimal(str(expected["cur2"]["amortized_cost"])).quantize(Decimal("0.01"))
