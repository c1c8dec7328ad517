"""End to end: the KPI tracker and unit costs on generated exports, against the answer key and the
generator's own price list (service/infralyzer/exports/generate/model/prices.py)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import duckdb
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver
from infralyzer.settings import Settings

from sample_build import SAMPLE_PERIODS, SAMPLE_SEED, make_settings

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@pytest.fixture(scope="module")
def latest(build_db) -> str:
    return build_db.execute("select max(billing_period) from marts.fct_kpi_tracker").fetchone()[0]


def totals(build_db, period: str) -> dict[str, tuple[Decimal, Decimal, float | None, Decimal]]:
    """kpi_id -> (numerator, denominator, coverage as a ratio of sums, potential savings), all accounts."""
    rows = build_db.execute(
        """
        select kpi_id, sum(numerator), sum(denominator),
               sum(numerator) / nullif(sum(denominator), 0), sum(potential_savings)
        from marts.fct_kpi_tracker where billing_period = ? group by kpi_id
        """,
        [period],
    ).fetchall()
    return {kpi: (num, den, None if cov is None else float(cov), pot) for kpi, num, den, cov, pot in rows}


def test_every_kpi_of_the_seed_is_tracked_for_every_account(build_db, latest, answer_key):
    assert latest == max(answer_key["periods"])
    seed = build_db.execute("select kpi_id, catalogue_number from intermediate.int_kpi_definitions").fetchall()
    definitions = {kpi for kpi, _ in seed}
    # every KPI of CID's KPI dashboard (14 is split by service into 14a-14d)
    assert {int(number.rstrip("abcd")) for _, number in seed} == set(range(1, 19))
    tracked = {
        row[0]
        for row in build_db.execute(
            "select distinct kpi_id from marts.fct_kpi_tracker where billing_period = ?", [latest]
        ).fetchall()
    }
    assert tracked == definitions
    accounts, rows = build_db.execute(
        "select count(distinct usage_account_id), count(*) from marts.fct_kpi_tracker where billing_period = ?",
        [latest],
    ).fetchone()
    assert rows == accounts * len(definitions)
    assert accounts == len(answer_key["periods"][latest]["cur2"]["by_account"])


def test_coverages_are_shares(build_db, latest):
    out_of_range = build_db.execute(
        """
        select kpi_id, usage_account_id, coverage from marts.fct_kpi_tracker
        where kpi_id != 'total_savings_at_goal' and coverage is not null and (coverage < 0 or coverage > 1)
        """
    ).fetchall()
    assert out_of_range == []
    for kpi, (_, _, coverage, _) in totals(build_db, latest).items():
        assert coverage is None or 0 <= coverage <= 1, kpi


def test_the_sample_archetypes_move_their_kpis(build_db, latest):
    """The generator always has a Graviton m6g, a Spot c5, a Windows m5a, a previous-generation m4,
    Oracle, SQL Server and MySQL RDS, gp2 volumes, Standard and colder S3 classes, arm64 Lambda."""
    kpi = totals(build_db, latest)
    for kpi_id in ("ec2_graviton_adoption", "ec2_spot_coverage", "ec2_amd_adoption", "ec2_previous_generation",
                   "rds_open_source_engines", "lambda_graviton_adoption", "s3_standard_storage_share",
                   "ebs_gp3_share", "compute_ondemand_coverage", "rds_ondemand_coverage",
                   "dynamodb_ondemand_coverage"):
        assert kpi[kpi_id][2] is not None and kpi[kpi_id][2] > 0, kpi_id
    # some RDS runs licence-included Oracle / SQL Server, some MySQL and PostgreSQL
    assert 0 < kpi["rds_open_source_engines"][2] < 1
    assert kpi["rds_open_source_engines"][3] > 0
    # gp2 volumes exist, so moving them to gp3 saves something
    assert kpi["ebs_gp3_share"][2] < 1
    assert kpi["ebs_gp3_share"][3] > 0
    # services the sample does not have: no usage, no coverage
    for kpi_id in ("elasticache_graviton_adoption", "opensearch_ondemand_coverage", "redshift_ondemand_coverage",
                   "sagemaker_ondemand_coverage"):
        assert kpi[kpi_id][1] == 0 and kpi[kpi_id][2] is None, kpi_id


def test_realised_commitment_savings_equal_the_answer_key(build_db, answer_key):
    """KPI 17 = on-demand equivalent - amortized cost of covered usage = for every RI and SP, its
    covered public cost - its used commitment, which the generator knows from the commitments."""
    rows = dict(
        build_db.execute(
            "select billing_period, sum(numerator) from marts.fct_kpi_tracker "
            "where kpi_id = 'commitment_realised_savings' group by 1"
        ).fetchall()
    )
    assert sorted(rows) == sorted(answer_key["periods"])
    for period, expected in answer_key["periods"].items():
        savings = sum(
            Decimal(str(c["covered_public_on_demand_cost"])) - Decimal(str(c["used_amortized_commitment"]))
            for c in expected["commitments"]
        )
        assert savings > 0
        assert cents(rows[period]) == cents(savings), period


def test_goal_savings_follow_the_rule(build_db):
    rows = build_db.execute(
        "select kpi_id, direction, goal, coverage, potential_savings, goal_savings, goal_status "
        "from marts.fct_kpi_tracker where kpi_id != 'total_savings_at_goal'"
    ).fetchall()
    missed = 0
    for kpi, direction, goal, coverage, potential, goal_savings, status in rows:
        expected = 0.0
        if goal is not None and coverage is not None:
            if direction == "higher_is_better" and coverage < goal:
                expected = float(potential) * (goal - coverage)
            elif direction == "lower_is_better" and coverage > goal:
                expected = abs(float(potential) * (coverage - goal))
        assert abs(float(goal_savings) - expected) < 1e-6, (kpi, coverage, goal)
        if expected > 0:
            assert status == "missed", kpi
        if status != "missed":
            assert goal_savings == 0, kpi
        missed += status == "missed"
    assert missed > 0
    # KPI 18 holds each account's sum of the others
    mismatches = build_db.execute(
        """
        with others as (
            select billing_period, usage_account_id, sum(goal_savings) as goal_savings
            from marts.fct_kpi_tracker where kpi_id != 'total_savings_at_goal' group by 1, 2
        )
        select t.billing_period, t.usage_account_id from marts.fct_kpi_tracker as t
        join others using (billing_period, usage_account_id)
        where t.kpi_id = 'total_savings_at_goal' and abs(t.numerator - others.goal_savings) >= 0.005
        """
    ).fetchall()
    assert mismatches == []


def test_snapshot_cost_equals_the_answer_key_and_its_age_is_bounded(build_db, answer_key):
    """The CUR does not know when a snapshot was created; the first billed hour stands in for it.
    With three months of history, a snapshot first billed after the history began is known to be
    young; one billed from the first hour may be of any age. So the answer key's cost of snapshots
    older than a year lies between our 'older' cost and 'older' + the cost of those first billed at
    the history start, and the total is exact."""
    rows = build_db.execute(
        """
        select
            billing_period,
            sum(unblended_cost),
            sum(case when is_older_than_one_year then unblended_cost else 0 end),
            sum(case when is_first_seen_at_history_start and not is_older_than_one_year then unblended_cost else 0 end)
        from intermediate.int_kpi_ebs_snapshots group by 1
        """
    ).fetchall()
    assert len(rows) == len(answer_key["periods"])
    for period, total, older, unknown_age in rows:
        expected = answer_key["periods"][period]["snapshots"]
        assert cents(total) == cents(expected["unblended_cost"]), period
        key_older = Decimal(str(expected["unblended_cost_created_over_12_months_before"]))
        assert cents(older) <= cents(key_older) <= cents(older + unknown_age), period
        # the tracker's KPI 7 is the same split
        numerator, denominator = build_db.execute(
            "select sum(numerator), sum(denominator) from marts.fct_kpi_tracker "
            "where kpi_id = 'ebs_snapshots_over_1_year' and billing_period = ?",
            [period],
        ).fetchone()
        assert cents(numerator) == cents(older) and cents(denominator) == cents(total)


@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory):
    """14 small monthly exports: the last period starts 13 months after the history, so every
    snapshot's age is known from the CUR alone. Only the snapshot models are built."""
    import json

    from infralyzer.exports.generate import generate

    root = tmp_path_factory.mktemp("kpi_long_history")
    periods = [f"2025-{m:02d}" for m in range(8, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    generate(root / "exports", periods=periods, line_items_per_month=5_000, seed=7)
    settings = Settings(exports_dir=root / "exports", build_db=root / "build" / "infralyzer.duckdb",
                        publish_dir=root / "publish")
    run_dbt(settings, "run", "--select", "+int_kpi_ebs_snapshots")
    key = json.loads((root / "exports" / "_answer_key" / "answer_key.json").read_text())
    con = duckdb.connect(str(settings.build_db), read_only=True)
    yield con, key
    con.close()


def test_snapshots_older_than_a_year_equal_the_answer_key_once_the_history_is_long(long_history):
    con, key = long_history
    latest = max(key["periods"])
    older, total = con.execute(
        """
        select sum(case when is_older_than_one_year then unblended_cost else 0 end), sum(unblended_cost)
        from intermediate.int_kpi_ebs_snapshots where billing_period = ?
        """,
        [latest],
    ).fetchone()
    expected = key["periods"][latest]["snapshots"]
    assert expected["unblended_cost_created_over_12_months_before"] > 0
    assert cents(older) == cents(expected["unblended_cost_created_over_12_months_before"])
    assert cents(total) == cents(expected["unblended_cost"])


def test_unit_costs_are_the_generators_prices(build_db, latest):
    """us-east-1 list prices of the generator (no discount applies to storage): S3 Standard
    $0.023, Standard-IA $0.0125, EBS gp2 $0.10 and gp3 $0.08 per GB-month; an On-Demand m5
    Linux vCPU-hour $0.048."""
    rows = build_db.execute(
        """
        select unit_metric, resource_class, purchase_option, sum(numerator_cost) / sum(denominator_quantity)
        from marts.fct_unit_costs
        where billing_period = ? and region = 'us-east-1'
        group by 1, 2, 3
        """,
        [latest],
    ).fetchall()
    unit = {(metric, klass, option): float(value) for metric, klass, option, value in rows}
    assert unit[("s3_storage_cost_per_gb_month", "Standard", "OnDemand")] == pytest.approx(0.023, rel=1e-6)
    assert unit[("s3_storage_cost_per_gb_month", "Standard - Infrequent Access", "OnDemand")] == pytest.approx(
        0.0125, rel=1e-6
    )
    assert unit[("ebs_storage_cost_per_gb_month", "gp2", "OnDemand")] == pytest.approx(0.10, rel=1e-6)
    assert unit[("ebs_storage_cost_per_gb_month", "gp3", "OnDemand")] == pytest.approx(0.08, rel=1e-6)
    # every cost per GB-month including IOPS and throughput is at least the storage price
    for volume_type in ("gp2", "gp3"):
        all_in = unit[("ebs_cost_per_gb_month", volume_type, "OnDemand")]
        assert all_in >= unit[("ebs_storage_cost_per_gb_month", volume_type, "OnDemand")]


def test_ec2_unit_costs_reconcile_to_the_line_items(build_db, answer_key):
    """Numerators and denominators are sums of the EC2 instance usage lines: re-aggregating the
    mart gives the line items' cost, normalized hours and vCPU-hours per period."""
    rows = build_db.execute(
        """
        with mart as (
            select billing_period,
                   sum(case when unit_metric = 'ec2_cost_per_vcpu_hour' then numerator_cost end) as cost,
                   sum(case when unit_metric = 'ec2_cost_per_vcpu_hour' then denominator_quantity end) as vcpu_hours,
                   sum(case when unit_metric = 'ec2_cost_per_normalized_hour' then denominator_quantity end) as nhours
            from marts.fct_unit_costs group by 1
        ),
        lines as (
            select billing_period, sum(amortized_cost) as cost, sum(usage_amount * vcpu_count) as vcpu_hours,
                   sum(normalized_usage_amount) as nhours
            from intermediate.int_line_items_amortized
            where product_code = 'AmazonEC2' and operation like '%RunInstances%' and instance_type is not null
              and line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
              and service != 'AWSDataTransfer' and usage_type not like '%DataXfer%'
            group by 1
        )
        select mart.billing_period, mart.cost, lines.cost, mart.vcpu_hours, lines.vcpu_hours, mart.nhours, lines.nhours
        from mart join lines using (billing_period)
        """
    ).fetchall()
    assert len(rows) == len(answer_key["periods"])
    for period, mart_cost, line_cost, mart_vcpu, line_vcpu, mart_nh, line_nh in rows:
        assert cents(mart_cost) == cents(line_cost), period
        assert mart_vcpu == pytest.approx(line_vcpu, rel=1e-9), period
        assert mart_nh == pytest.approx(line_nh, rel=1e-9), period
        assert line_cost > 0 and line_vcpu > 0



# the KPI models that read line items: incremental by whole billing period
KPI_LINE_ITEM_MODELS = ("int_kpi_instance_usage_aggregated", "int_kpi_storage_aggregated")


def tracker_rows(settings, where: str) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return con.execute(f"select * from marts.fct_kpi_tracker where {where} order by all").fetchall()
    finally:
        con.close()


def test_a_redelivery_rebuilds_only_its_period_and_leaves_the_other_periods_kpis(built, copy_of_exports, tmp_path):
    """Re-delivering the last period re-reads the line items of that period only (the KPI
    aggregates are incremental; first-seen snapshot ages and seed joins are derived downstream
    from the aggregates), and the tracker of every other period does not move."""
    settings = make_settings(tmp_path / "work", copy_of_exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    period = SAMPLE_PERIODS[-1]
    others = f"billing_period != '{period}'"
    before = tracker_rows(settings, others)
    assert before

    redeliver(copy_of_exports, period=period, seed=SAMPLE_SEED, revision=1)
    result = run_dbt(settings, "run", "--select", "+fct_kpi_tracker", "+fct_unit_costs", capture=True)
    for model in KPI_LINE_ITEM_MODELS:
        rebuilt = re.findall(rf"{model}: rebuilding billing period\(s\) (.*)", result.stdout)
        assert [line.strip() for line in rebuilt] == [period], (model, rebuilt)
    assert tracker_rows(settings, others) == before
    assert tracker_rows(settings, f"billing_period = '{period}'")

    # nothing re-delivered: nothing re-read
    idle = run_dbt(settings, "run", "--select", *KPI_LINE_ITEM_MODELS, capture=True)
    for model in KPI_LINE_ITEM_MODELS:
        assert f"{model}: rebuilding billing period(s) none" in idle.stdout, model
