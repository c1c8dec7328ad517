"""A re-delivered billing period is rebuilt on Trino by replacing its partition only (the
insert_overwrite path of dbt-athena, `partition_overwrite` here), and the marts then equal a fresh
build: the spend mart, partitioned by billing_period, and the FOCUS mart, partitioned by its custom
column x_BillingPeriod."""

from __future__ import annotations

import shutil

import pytest
from trino_exports import register_exports

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver
from infralyzer.settings import Settings

pytestmark = pytest.mark.e2e

REDELIVERED = "2026-08"


def by_period(mart: str, period: str, delivery: str, costs: tuple[str, str]) -> str:
    """A mart's rows, two cost sums and its delivery ids per billing period."""
    return f"""
        select {period}, count(*), sum({costs[0]}), sum({costs[1]}), min({delivery}), max({delivery})
        from hive.redelivery_marts.{mart}
        group by {period}
        order by {period}
    """


# the spend mart, and the FOCUS mart under its custom period and delivery columns
BY_PERIOD = by_period("fct_spend_daily", "billing_period", "delivery_execution_id", ("unblended_cost", "amortized_cost"))
FOCUS_BY_PERIOD = by_period("fct_focus_costs", "x_billingperiod", "x_deliveryexecutionid", ("billedcost", "effectivecost"))


def test_redelivered_period_replaces_its_partition_only(trino_server, sample_exports, tmp_path):
    exports = tmp_path / "exports"
    shutil.copytree(sample_exports, exports)
    settings = Settings(exports_dir=exports, build_db=tmp_path / "unused.duckdb", publish_dir=tmp_path / "publish")
    env = {"INFRALYZER_TRINO_PORT": str(trino_server.port), "INFRALYZER_SCHEMA_PREFIX": "redelivery_",
           "INFRALYZER_ATHENA_EXPORTS_SCHEMA": "redelivery_exports"}
    common = ("--target-path", str(tmp_path / "target"), "--select", "+fct_spend_daily", "+fct_focus_costs")
    cursor = trino_server.connect().cursor()

    def build(*extra: str) -> list:
        run_dbt(settings, "run", *common, *extra, target="trino", extra_env=env)
        rows = []
        for query in (BY_PERIOD, FOCUS_BY_PERIOD):
            cursor.execute(query)
            rows += [tuple(row) for row in cursor.fetchall()]
        return rows

    register_exports(cursor, exports, tmp_path / "deliveries", schema="redelivery_exports")
    run_dbt(settings, "seed", "--target-path", str(tmp_path / "target"), target="trino", extra_env=env)
    before = build()

    redeliver(exports, period=REDELIVERED, seed=7, revision=1)
    register_exports(cursor, exports, tmp_path / "deliveries", schema="redelivery_exports")
    incremental = build()
    fresh = build("--full-refresh")

    assert incremental == fresh
    changed = {row[0] for row in set(incremental) ^ set(before)}
    assert changed == {REDELIVERED}, "only the re-delivered period changes, and it does, in both marts"
    assert len({row for row in incremental if row[0] == REDELIVERED}) == 2
    assert all(row[4] == row[5] for row in incremental), "one delivery per period: the old partition is gone"
