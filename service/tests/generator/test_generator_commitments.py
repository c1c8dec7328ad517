"""Answer key for the commitment marts: per-commitment savings, coverage of the eligible scope by commit
service group and purchase option, and Spot savings.

The generator computes these figures from its own model while it simulates a period; here they are
re-computed from the written CUR 2.0 Parquet files with the row-level definitions of
macros/cost/commitment_scope.sql and macros/cost/cost_bases.sql (and the commit service groups of
seeds/aws_service_categories.csv) and must agree to the cent."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from infralyzer.exports.generate import generate
from infralyzer.exports.layout import read_manifest

SEED_CSV = Path(__file__).resolve().parents[3] / "seeds" / "aws_service_categories.csv"
HOURLY = dict(periods=["2026-09"], line_items_per_month=40_000, seed=5)
TOL = 0.005
OPTIONS = ("reserved", "savings_plan", "spot", "on_demand")

# macros/cost/commitment_scope.sql on the raw CUR 2.0 columns (empty strings count as NULL)
ELIGIBLE = """
    line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    AND NOT coalesce(line_item_operation IN ('EKSPod-EC2', 'ECSTask-EC2'), false)
    AND coalesce(line_item_product_code, '') <> 'AWSDataTransfer'
    AND coalesce(product_servicecode, '') <> 'AWSDataTransfer'
    AND coalesce(line_item_usage_type, '') NOT LIKE '%DataXfer%'
    AND (
        (line_item_product_code = 'AmazonEC2' AND nullif(product_instance_type, '') IS NOT NULL
            AND line_item_operation LIKE '%RunInstances%')
        OR (line_item_product_code IN ('AmazonElastiCache', 'AmazonES', 'AmazonRDS', 'AmazonRedshift',
                                       'AmazonSageMaker')
            AND nullif(product_instance_type, '') IS NOT NULL)
        OR (line_item_product_code = 'AmazonDynamoDB' AND line_item_operation = 'CommittedThroughput'
            AND (line_item_usage_type LIKE '%ReadCapacityUnit-Hrs%'
                 OR line_item_usage_type LIKE '%WriteCapacityUnit-Hrs%')
            AND line_item_usage_type NOT LIKE '%Repl%')
        OR (line_item_product_code = 'AWSLambda'
            AND (line_item_usage_type LIKE '%Lambda-GB-Second%'
                 OR line_item_usage_type LIKE '%Lambda-Provisioned-GB-Second%'
                 OR line_item_usage_type LIKE '%Lambda-Provisioned-Concurrency%'))
        OR line_item_usage_type LIKE '%Fargate%'
    )"""
OPTION = """CASE
    WHEN line_item_line_item_type = 'DiscountedUsage' THEN 'reserved'
    WHEN line_item_line_item_type = 'SavingsPlanCoveredUsage' THEN 'savings_plan'
    WHEN line_item_usage_type LIKE '%Spot%' THEN 'spot'
    ELSE 'on_demand' END"""


def connect(out: Path, periods: list[str]) -> duckdb.DuckDBPyConnection:
    files = []
    for period in periods:
        manifest = read_manifest(out, "cur2", period)
        files += [str(out / "cur2" / "data" / f"BILLING_PERIOD={period}" / f.rsplit("/", 1)[1])
                  for f in manifest["dataFiles"]]
    con = duckdb.connect()
    con.sql(f"CREATE VIEW cur AS SELECT * FROM read_parquet({files!r}, hive_partitioning = true)")
    con.sql("CREATE TABLE groups AS SELECT product_code, commit_service_group "
            f"FROM read_csv('{SEED_CSV}', header = true)")
    return con


@pytest.fixture(scope="module")
def small(sample_exports: Path, answer_key: dict) -> tuple[duckdb.DuckDBPyConnection, dict]:
    return connect(sample_exports, sorted(answer_key["periods"])), answer_key


@pytest.fixture(scope="module")
def hourly(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, dict]:
    out = tmp_path_factory.mktemp("commit_hourly") / "exports"
    key = generate(out, exports=("cur2",), **HOURLY)
    assert key["granularity"] == "HOURLY"
    return connect(out, HOURLY["periods"]), key


@pytest.fixture(params=["small", "hourly"])
def sample(request) -> tuple[duckdb.DuckDBPyConnection, dict]:
    return request.getfixturevalue(request.param)


def coverage_from_files(con) -> dict:
    rows = con.sql(f"""
        SELECT BILLING_PERIOD, g.commit_service_group, {OPTION} AS option, sum(pricing_public_on_demand_cost)
        FROM cur JOIN groups g ON g.product_code = cur.line_item_product_code
        WHERE {ELIGIBLE}
        GROUP BY ALL""").fetchall()
    out: dict = {}
    for period, group, option, pub in rows:
        assert group not in (None, "Other"), (group, period)
        by_group = out.setdefault(str(period), {}).setdefault(group, dict.fromkeys(OPTIONS, 0.0))
        by_group[option] += pub
    return out


def test_coverage_matches_the_key(sample):
    con, key = sample
    files = coverage_from_files(con)
    assert sorted(files) == sorted(key["periods"])
    for period, entry in key["periods"].items():
        cov = entry["coverage"]
        assert sorted(cov["by_group"]) == sorted(files[period]), period
        total = dict.fromkeys(OPTIONS, 0.0)
        for group, got in files[period].items():
            want = cov["by_group"][group]
            for option in OPTIONS:
                assert abs(got[option] - want[option]) < TOL, (period, group, option, got[option], want[option])
                total[option] += got[option]
            assert abs(sum(got.values()) - want["total"]) < TOL, (period, group)
        for option in OPTIONS:
            assert abs(total[option] - cov["total"][option]) < TOL, (period, option)
        assert abs(sum(total.values()) - cov["total"]["total"]) < TOL, period


def test_coverage_is_not_trivial(sample):
    con, key = sample
    for period, entry in key["periods"].items():
        groups = entry["coverage"]["by_group"]
        assert set(groups) == {"Compute", "RDS", "DynamoDB"}, period
        for option in OPTIONS:
            assert groups["Compute"][option] > 0, (period, option)
        assert groups["RDS"]["reserved"] > 0 and groups["RDS"]["on_demand"] > 0, period
        assert groups["DynamoDB"]["on_demand"] > 0, period
        assert entry["spot_savings"] > 0, period
    # every kind of eligible charge is present in the files, and the out-of-scope look-alikes are too
    kinds = dict(con.sql(f"""
        SELECT kind, count(*) FROM (
            SELECT CASE WHEN line_item_product_code = 'AWSLambda' THEN 'lambda'
                        WHEN line_item_usage_type LIKE '%Fargate%' THEN 'fargate'
                        WHEN line_item_product_code = 'AmazonEC2' THEN 'ec2'
                        ELSE line_item_product_code END AS kind
            FROM cur WHERE {ELIGIBLE}) GROUP BY ALL""").fetchall())
    assert {"lambda", "fargate", "ec2", "AmazonRDS", "AmazonDynamoDB"} <= set(kinds), kinds
    excluded = con.sql(f"""
        SELECT count(*) FILTER (WHERE line_item_operation IN ('EKSPod-EC2', 'ECSTask-EC2')),
               count(*) FILTER (WHERE line_item_operation = 'PayPerRequestThroughput'),
               count(*) FILTER (WHERE product_servicecode = 'AWSDataTransfer'),
               count(*) FILTER (WHERE line_item_usage_type LIKE '%Request%' AND line_item_product_code = 'AWSLambda')
        FROM cur WHERE NOT ({ELIGIBLE})""").fetchone()
    assert all(n > 0 for n in excluded), excluded


def test_usage_split_at_the_savings_plan_boundary_is_counted_once(hourly):
    con, key = hourly
    # hours where one instance has both a covered part and an On-Demand remainder
    split = con.sql("""
        SELECT count(*) FROM (
            SELECT line_item_resource_id, line_item_usage_start_date FROM cur
            WHERE line_item_line_item_type IN ('Usage', 'SavingsPlanCoveredUsage')
              AND line_item_usage_type LIKE '%BoxUsage%'
            GROUP BY ALL HAVING count(DISTINCT line_item_line_item_type) = 2)""").fetchone()[0]
    assert split > 0


def test_spot_savings_match_the_key(sample):
    con, key = sample
    rows = dict(con.sql("""
        SELECT BILLING_PERIOD, sum(pricing_public_on_demand_cost - line_item_unblended_cost)
        FROM cur
        WHERE line_item_line_item_type = 'Usage' AND line_item_usage_type LIKE '%Spot%'
          AND pricing_public_on_demand_cost > 0
          AND NOT coalesce(line_item_operation IN ('EKSPod-EC2', 'ECSTask-EC2'), false)
        GROUP BY ALL""").fetchall())
    for period, entry in key["periods"].items():
        assert abs(rows[period] - entry["spot_savings"]) < TOL, (period, rows[period], entry["spot_savings"])


def commitment_figures(con) -> dict:
    covered = con.sql("""
        SELECT BILLING_PERIOD, coalesce(nullif(savings_plan_savings_plan_a_r_n, ''),
                                        nullif(reservation_reservation_a_r_n, '')) AS arn,
               sum(pricing_public_on_demand_cost),
               sum(CASE line_item_line_item_type WHEN 'SavingsPlanCoveredUsage'
                   THEN savings_plan_savings_plan_effective_cost ELSE reservation_effective_cost END),
               sum(CASE line_item_line_item_type WHEN 'SavingsPlanCoveredUsage'
                   THEN savings_plan_net_savings_plan_effective_cost ELSE reservation_net_effective_cost END)
        FROM cur WHERE line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'DiscountedUsage')
        GROUP BY ALL""").fetchall()
    unused = con.sql("""
        SELECT BILLING_PERIOD, coalesce(nullif(savings_plan_savings_plan_a_r_n, ''),
                                        nullif(reservation_reservation_a_r_n, '')) AS arn,
               sum(CASE line_item_line_item_type WHEN 'SavingsPlanRecurringFee'
                   THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
                   ELSE reservation_unused_amortized_upfront_fee_for_billing_period
                        + reservation_unused_recurring_fee END),
               sum(CASE line_item_line_item_type WHEN 'SavingsPlanRecurringFee'
                   THEN (savings_plan_total_commitment_to_date - savings_plan_used_commitment)
                        * (savings_plan_net_amortized_upfront_commitment_for_billing_period
                           + savings_plan_net_recurring_commitment_for_billing_period)
                        / (savings_plan_amortized_upfront_commitment_for_billing_period
                           + savings_plan_recurring_commitment_for_billing_period)
                   ELSE reservation_net_unused_amortized_upfront_fee_for_billing_period
                        + reservation_net_unused_recurring_fee END)
        FROM cur WHERE line_item_line_item_type IN ('SavingsPlanRecurringFee', 'RIFee')
        GROUP BY ALL""").fetchall()
    out: dict = {}
    for period, arn, pub, used, used_net in covered:
        out.setdefault((str(period), arn), {}).update(public=pub, used=used, used_net=used_net)
    for period, arn, unused_, unused_net in unused:
        out.setdefault((str(period), arn), {}).update(unused=unused_, unused_net=unused_net)
    return out


def test_commitment_savings_match_the_key(sample):
    con, key = sample
    files = commitment_figures(con)
    seen = set()
    for period, entry in key["periods"].items():
        for c in entry["commitments"]:
            f = {"public": 0.0, "used": 0.0, "used_net": 0.0, "unused": 0.0, "unused_net": 0.0,
                 **files.get((period, c["commitment_id"]), {})}
            seen.add((period, c["commitment_id"]))
            gross = f["public"] - f["used"]
            checks = {
                "gross_savings": gross,
                "net_savings": gross - f["unused"],
                "used_amortized_commitment": f["used"],
                "unused_amortized_commitment": f["unused"],
                "used_net_amortized_commitment": f["used_net"],
                "unused_net_amortized_commitment": f["unused_net"],
                "total_net_amortized_commitment": f["used_net"] + f["unused_net"],
            }
            for name, got in checks.items():
                assert abs(got - c[name]) < TOL, (period, c["commitment_id"], name, got, c[name])
            # the key's own identities
            covered = c["covered_public_on_demand_cost"]
            assert abs(c["gross_savings"] - (covered - c["used_amortized_commitment"])) < 1e-5
            assert abs(c["net_savings"] - (c["gross_savings"] - c["unused_amortized_commitment"])) < 1e-5
            net = 1 - key["edp_rate"]
            assert abs(c["used_net_amortized_commitment"] - net * c["used_amortized_commitment"]) < 1e-5
    assert set(files) <= seen, sorted(set(files) - seen)


def test_commitment_savings_are_not_trivial(sample):
    _, key = sample
    for period, entry in key["periods"].items():
        by_kind = {}
        for c in entry["commitments"]:
            assert c["gross_savings"] > 0, (period, c["commitment_id"])
            by_kind.setdefault((c["commitment_type"], c["product_code"]), []).append(c)
        # the ~25 % used RDS RI costs more than it saves; a fully used plan saves its gross savings
        rds = by_kind[("ReservedInstance", "AmazonRDS")][0]
        assert rds["net_savings"] < 0 < rds["gross_savings"], period
        assert any(c["unused_amortized_commitment"] == 0 and c["net_savings"] == c["gross_savings"]
                   for c in entry["commitments"]), period
