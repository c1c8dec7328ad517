"""End to end: the de-duplicated savings actions (fct_savings_actions) and the recommendations mart on
the shared sample, against the answer key the generator recomputes in Python from the delivered
files (service/infralyzer/exports/generate/optimisation_key.py); and the dedup rule is pinned: a
copy of the project whose rule counts every action fails an invariant test."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from dbt_project_copy import project_copy
from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def test_counted_savings_equal_the_answer_key_per_account_and_period(build_db, answer_key):
    for period, entry in answer_key["periods"].items():
        expected = {account: cents(v) for account, v in entry["optimisation"]["counted_monthly_savings"].items()}
        rows = build_db.execute(
            "select account_id, sum(counted_monthly_savings) from marts.fct_savings_actions "
            "where billing_period = ? group by account_id", [period]).fetchall()
        actual = {account: cents(v) for account, v in rows}
        for account in set(expected) | set(actual):
            assert actual.get(account, cents(0)) == expected.get(account, cents(0)), (period, account)
        by_type = dict(build_db.execute(
            "select action_type, sum(counted_monthly_savings) from marts.fct_savings_actions "
            "where billing_period = ? group by action_type having sum(counted_monthly_savings) != 0", [period]
        ).fetchall())
        assert {k: cents(v) for k, v in by_type.items()} == {
            k: cents(v) for k, v in entry["optimisation"]["by_action_type"].items() if Decimal(v) != 0}


def test_the_counts_of_the_rules_equal_the_answer_key(build_db, answer_key):
    for period, entry in answer_key["periods"].items():
        key = entry["optimisation"]
        top, stale, exceptions, overlapping = build_db.execute(
            """
            select
                count(*) filter (where is_top_action),
                count(*) filter (where is_top_action and is_stale and saving_type = 'Usage Optimization'),
                count(*) filter (where is_top_action and is_exception and not is_stale
                                 and saving_type = 'Usage Optimization'),
                count(*) filter (where is_top_action and overlaps_usage_action and not is_exception)
            from marts.fct_savings_actions where billing_period = ?
            """, [period]).fetchone()
        assert (top, stale, exceptions, overlapping) == (
            key["top_actions"], key["stale_actions"], key["exception_actions"], key["overlapping_purchases"])
    latest = max(answer_key["periods"])
    assert answer_key["periods"][latest]["optimisation"]["stale_actions"] > 0  # a deleted resource's recommendation
    assert answer_key["periods"][latest]["optimisation"]["exception_actions"] > 0


def test_recommendations_persist_disappear_and_age_across_snapshots(build_db, answer_key):
    periods = sorted(answer_key["periods"])
    first, latest = periods[0], periods[-1]
    persisting = build_db.execute(
        "select count(*) from marts.fct_optimization_recommendations where first_seen_period = ? "
        "and snapshot_count = ? and age_days > 0", [first, len(periods)]).fetchone()[0]
    assert persisting > 0
    # gone from the latest snapshot once the change was made (the resource was stopped, deleted or changed)
    gone = build_db.execute(
        """
        select count(*) from intermediate.int_optimization_recommendations
        where last_seen_period < ? and billing_period = last_seen_period
        """, [latest]).fetchone()[0]
    assert gone > 0
    removed = build_db.execute(
        """
        select count(*) from intermediate.int_optimization_recommendations as r
        where r.last_seen_period < ? and r.resource_id is not null and not exists (
            select 1 from intermediate.int_optimization_resource_costs as c
            where c.billing_period = ? and c.resource_id = r.resource_id
        )
        """, [latest, latest]).fetchone()[0]
    assert removed > 0  # stopped or deleted: no cost in the latest period
    # what the latest snapshot still recommends for a resource without cost in its last 7 days
    stale = build_db.execute(
        "select count(*) from marts.fct_optimization_recommendations where is_stale").fetchone()[0]
    assert stale > 0
    assert build_db.execute(
        "select count(*) from marts.fct_optimization_recommendations where billing_period != ?", [latest]
    ).fetchone()[0] == 0


def test_every_waste_rule_with_data_in_the_sample_finds_its_resources(build_db):
    rules = {r for (r,) in build_db.execute(
        "select distinct recommended_resource_summary from marts.fct_savings_actions "
        "where action_source = 'cur_waste_rule' and counted_monthly_savings > 0").fetchall()}
    # old snapshots need 13 months of CUR history; the sample has 3
    assert rules == {"idle_public_ipv4", "idle_nat_gateway", "idle_load_balancer", "gp2_volume",
                     "previous_generation_instance"}


def test_counting_every_action_fails_an_invariant_test(built: Settings, tmp_path: Path):
    """Break the dedup rule (every action a top action) in a copy of the project and rebuild only
    the optimisation models on a copy of the session's database: an invariant test must fail."""
    project = project_copy(tmp_path)
    model = project / "models" / "intermediate" / "optimization" / "int_optimization_actions.sql"
    sql = model.read_text()
    assert sql.count("savings_rank = 1") == 2
    model.write_text(sql.replace("savings_rank = 1", "savings_rank >= 1"))
    build_db = tmp_path / "build" / "infralyzer.duckdb"
    build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, build_db)
    settings = Settings(project_dir=project, exports_dir=built.exports_dir, build_db=build_db,
                        publish_dir=tmp_path / "publish")

    # the unit test of the rule fails too; left out, so the model builds and the data tests run on it
    result = run_dbt(settings, "build", "--select", "int_optimization_actions+", "--exclude",
                     "resource_type:unit_test", check=False, capture=True)

    assert result.returncode != 0, result.stdout[-3000:]
    assert "FAIL" in result.stdout and "assert_one_top_action_per_resource" in result.stdout, result.stdout[-3000:]
    failed = [line for line in result.stdout.splitlines() if "FAIL" in line and "assert_" in line]
    assert any("assert_one_top_action_per_resource" in line for line in failed), failed
