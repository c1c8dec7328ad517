"""Synthetic CUR 2.0 and FOCUS 1.2 exports: schemas, delivery protocol, answer key, invariants,
determinism and re-delivery. Totals are re-computed from the Parquet files with DuckDB and compared
with the answer key, which the generator computes from its own model (not from the files)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from infralyzer.exports.generate import generate, redeliver
from infralyzer.exports.generate.organisation import build_organisation
from infralyzer.exports.layout import manifest_path, read_manifest
from infralyzer.exports.schemas import CUR2_SCHEMA, FOCUS12_SCHEMA

HOURLY = dict(periods=["2026-07", "2026-08", "2026-09"], line_items_per_month=50_000, seed=11)
DAILY = dict(periods=["2026-08", "2026-09"], line_items_per_month=8_000, seed=3)
CENT = 0.01
EDP = 0.05
SPLIT = "line_item_operation IN ('EKSPod-EC2', 'ECSTask-EC2')"
NOT_SPLIT = f"NOT coalesce({SPLIT}, false)"

AMORTIZED = """CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
  WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN reservation_effective_cost
  WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
  ELSE CASE WHEN line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0
            ELSE line_item_unblended_cost END END"""
NET_AMORTIZED = f"""CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_net_savings_plan_effective_cost
  WHEN 'SavingsPlanRecurringFee' THEN (savings_plan_total_commitment_to_date - savings_plan_used_commitment) * {1 - EDP}
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN reservation_net_effective_cost
  WHEN 'RIFee' THEN reservation_net_unused_amortized_upfront_fee_for_billing_period
                    + reservation_net_unused_recurring_fee
  WHEN 'EdpDiscount' THEN 0
  ELSE CASE WHEN line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0
            ELSE line_item_net_unblended_cost END END"""
FOCUS_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
SERVICE_CATEGORIES = {"AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases",
                      "Developer Tools", "Identity", "Integration", "Internet of Things", "Management and Governance",
                      "Media", "Migration", "Mobile", "Multicloud", "Networking", "Security", "Storage", "Web", "Other"}


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def hourly(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("hourly") / "exports"
    key = generate(out, exports=("cur2", "focus"), **HOURLY)
    return out, key


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("daily") / "exports"
    key = generate(out, exports=("cur2", "focus"), **DAILY)
    return out, key


@pytest.fixture(params=["hourly", "daily"])
def sample(request) -> tuple[Path, dict]:
    return request.getfixturevalue(request.param)


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for export in ("cur2", "focus"):
        files = []
        for period in sorted(p.name.split("=")[1] for p in (out / export / "metadata").glob("BILLING_PERIOD=*")):
            manifest = read_manifest(out, export, period)
            files += [str(out / export / "data" / f"BILLING_PERIOD={period}" / f.rsplit("/", 1)[1])
                      for f in manifest["dataFiles"]]
        view = "cur" if export == "cur2" else "focus"
        con.sql(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({files!r}, hive_partitioning = true)")
    return con


def q(con, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def close(a: float, b: float, tol: float = CENT) -> bool:
    return abs((a or 0.0) - (b or 0.0)) <= tol


# ------------------------------------------------------------------------------------------ files


def test_files_have_exactly_the_export_schemas(sample):
    out, key = sample
    for export, schema in (("cur2", CUR2_SCHEMA), ("focus", FOCUS12_SCHEMA)):
        files = list((out / export / "data").glob("BILLING_PERIOD=*/*.parquet"))
        assert len(files) >= len(key["periods"])
        for f in files:
            assert pq.read_schema(f).remove_metadata().equals(schema), f


def test_one_manifest_per_period_lists_exactly_the_files(sample):
    out, key = sample
    for export in ("cur2", "focus"):
        for period, entry in key["periods"].items():
            manifest = read_manifest(out, export, period)
            assert manifest is not None and manifest["billingPeriod"] == period
            listed = sorted(p.rsplit("/", 1)[1] for p in manifest["dataFiles"])
            on_disk = sorted(p.name for p in (out / export / "data" / f"BILLING_PERIOD={period}").glob("*"))
            assert listed == on_disk
            assert manifest["rowCount"] == entry[export]["row_count"]
            assert len(list(manifest_path(out, export, period).parent.glob("*"))) == 1


def test_row_counts_near_target(sample):
    _, key = sample
    target = key["line_items_per_month"]
    for period, entry in key["periods"].items():
        assert 0.85 * target <= entry["cur2"]["row_count"] <= 1.15 * target, (period, entry["cur2"]["row_count"])


def test_granularity_follows_scale(hourly, daily):
    con = connect(hourly[0])
    ec2 = q(con, "SELECT DISTINCT date_diff('hour', line_item_usage_start_date, line_item_usage_end_date) FROM cur "
                 "WHERE line_item_usage_type LIKE '%BoxUsage%' AND line_item_line_item_type = 'Usage'")
    assert ec2 == [(1,)]
    storage = q(con, "SELECT DISTINCT date_diff('hour', line_item_usage_start_date, line_item_usage_end_date) FROM cur "
                     "WHERE line_item_usage_type LIKE '%EBS:VolumeUsage%'")
    assert storage == [(24,)]
    interval = q(con, "SELECT identity_time_interval, line_item_usage_start_date FROM cur "
                      "WHERE line_item_usage_type LIKE '%BoxUsage%' LIMIT 1")[0]
    start = datetime.strptime(interval[0].split("/")[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert start == interval[1]
    assert hourly[1]["granularity"] == "HOURLY" and daily[1]["granularity"] == "DAILY"
    assert q(connect(daily[0]), "SELECT DISTINCT date_diff('hour', line_item_usage_start_date, line_item_usage_end_date)"
                                " FROM cur WHERE line_item_usage_type LIKE '%BoxUsage%'") == [(24,)]


def test_line_item_ids_unique_and_amounts_rounded(sample):
    con = connect(sample[0])
    assert q(con, "SELECT count(*) FROM (SELECT billing_period, identity_line_item_id FROM cur GROUP BY ALL "
                  "HAVING count(*) > 1)") == [(0,)]
    assert q(con, "SELECT count(*) FROM cur WHERE length(identity_line_item_id) <> 52") == [(0,)]
    bad = q(con, """SELECT count(*) FROM cur WHERE round(line_item_unblended_cost, 10) <> line_item_unblended_cost
                    OR round(line_item_net_unblended_cost, 10) <> line_item_net_unblended_cost
                    OR round(pricing_public_on_demand_cost, 10) <> pricing_public_on_demand_cost""")
    assert bad == [(0,)]


# ------------------------------------------------------------------------------------------ answer key


def test_cur_totals_match_the_answer_key(sample):
    out, key = sample
    con = connect(out)
    rows = q(con, f"""
        SELECT billing_period, count(*), count(*) FILTER (WHERE {SPLIT}),
               sum(line_item_unblended_cost) FILTER (WHERE {NOT_SPLIT}),
               sum(line_item_net_unblended_cost) FILTER (WHERE {NOT_SPLIT}),
               sum({AMORTIZED}) FILTER (WHERE {NOT_SPLIT}),
               sum({NET_AMORTIZED}) FILTER (WHERE {NOT_SPLIT}),
               sum(pricing_public_on_demand_cost) FILTER (WHERE {NOT_SPLIT}
                   AND line_item_line_item_type <> 'SavingsPlanNegation'),
               coalesce(sum(line_item_unblended_cost) FILTER (WHERE {SPLIT}), 0)
        FROM cur GROUP BY 1 ORDER BY 1""")
    assert [r[0] for r in rows] == sorted(key["periods"])
    for period, n, n_split, unb, net_unb, am, net_am, pub, split_unb in rows:
        k = key["periods"][period]["cur2"]
        assert (n, n_split) == (k["row_count"], k["split_cost_child_row_count"])
        for got, name in [(unb, "unblended_cost"), (net_unb, "net_unblended_cost"), (am, "amortized_cost"),
                          (net_am, "net_amortized_cost"), (pub, "public_on_demand_cost"),
                          (split_unb, "split_cost_child_unblended_cost")]:
            assert close(got, k[name]), (period, name, got, k[name])
    by_type = q(con, f"""
        SELECT billing_period, line_item_line_item_type, sum(line_item_unblended_cost), sum({AMORTIZED}),
               sum(line_item_net_unblended_cost), sum({NET_AMORTIZED}), sum(pricing_public_on_demand_cost)
        FROM cur WHERE {NOT_SPLIT} GROUP BY ALL""")
    for period, lt, *values in by_type:
        expected = key["periods"][period]["cur2"]["by_line_item_type"][lt]
        names = ["unblended_cost", "amortized_cost", "net_unblended_cost", "net_amortized_cost",
                 "public_on_demand_cost"]
        for got, name in zip(values, names):
            assert close(got, expected[name]), (period, lt, name, got, expected[name])
    assert {(p, t) for p, t, *_ in by_type} == {(p, t) for p, e in key["periods"].items()
                                                 for t in e["cur2"]["by_line_item_type"]}
    by_account = q(con, f"""SELECT billing_period, line_item_usage_account_id, sum(line_item_unblended_cost),
                                   sum({AMORTIZED}) FROM cur WHERE {NOT_SPLIT} GROUP BY ALL""")
    for period, acct, unb, am in by_account:
        expected = key["periods"][period]["cur2"]["by_account"][acct]
        assert close(unb, expected["unblended_cost"]) and close(am, expected["amortized_cost"]), (period, acct)


def test_answer_key_file_is_the_returned_key(sample):
    out, key = sample
    assert json.loads((out / "_answer_key" / "answer_key.json").read_text()) == key
    assert not list((out / "_answer_key").glob("*.tmp"))


# ------------------------------------------------------------------------------------------ commitments


def test_negations_cancel_covered_usage_exactly(sample):
    con = connect(sample[0])
    rows = q(con, """
        SELECT savings_plan_savings_plan_a_r_n, line_item_resource_id, line_item_usage_start_date, line_item_usage_type,
               count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage') AS n_cov,
               count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanNegation') AS n_neg,
               sum(line_item_unblended_cost) AS net
        FROM cur WHERE line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'SavingsPlanNegation') GROUP BY ALL""")
    assert rows, "the sample must contain Savings Plan covered usage"
    assert all(r[4] == r[5] == 1 and abs(r[6]) < 1e-9 for r in rows)


def test_savings_plan_fee_rows_are_consistent(sample):
    out, key = sample
    con = connect(out)
    rows = q(con, """
        WITH cov AS (
            SELECT savings_plan_savings_plan_a_r_n AS arn, line_item_usage_start_date AS t,
                   sum(savings_plan_savings_plan_effective_cost) AS eff
            FROM cur WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage' GROUP BY ALL)
        SELECT f.billing_period, f.savings_plan_savings_plan_a_r_n, f.savings_plan_total_commitment_to_date,
               f.savings_plan_used_commitment, coalesce(cov.eff, 0), f.line_item_unblended_cost,
               f.savings_plan_recurring_commitment_for_billing_period,
               f.savings_plan_amortized_upfront_commitment_for_billing_period, f.line_item_usage_amount
        FROM cur f LEFT JOIN cov ON cov.arn = f.savings_plan_savings_plan_a_r_n AND cov.t = f.line_item_usage_start_date
        WHERE f.line_item_line_item_type = 'SavingsPlanRecurringFee'""")
    assert rows
    hourly_commitment = {c["commitment_id"]: c["hourly_commitment"] for e in key["periods"].values()
                         for c in e["commitments"] if c["commitment_type"] == "SavingsPlan"}
    totals: dict[tuple, list[float]] = {}
    for period, arn, total, used, eff, unb, rec, up, hours in rows:
        assert abs(used - eff) < 1e-8, "used commitment = sum of the hour's covered effective cost"
        assert used <= total + 1e-9 and total - used >= -1e-9
        assert abs(total - hourly_commitment[arn] * hours) < 1e-8
        assert abs(rec + up - total) < 1e-8 and abs(unb - rec) < 1e-9
        acc = totals.setdefault((period, arn), [0.0, 0.0])
        acc[0] += total
        acc[1] += used
    for period, entry in key["periods"].items():
        for c in entry["commitments"]:
            if c["commitment_type"] != "SavingsPlan":
                continue
            total, used = totals[(period, c["commitment_id"])]
            assert close(total, c["total_amortized_commitment"]) and close(used, c["used_amortized_commitment"])
            assert close(total - used, c["unused_amortized_commitment"])


def test_reserved_instances_are_consistent(sample):
    out, key = sample
    con = connect(out)
    rows = q(con, """
        WITH used AS (
            SELECT billing_period, reservation_reservation_a_r_n AS arn, sum(line_item_usage_amount) AS hours,
                   sum(reservation_effective_cost) AS eff, sum(pricing_public_on_demand_cost) AS pub
            FROM cur WHERE line_item_line_item_type = 'DiscountedUsage' GROUP BY ALL)
        SELECT f.billing_period, f.reservation_reservation_a_r_n, CAST(f.reservation_total_reserved_units AS DOUBLE),
               f.reservation_unused_quantity, coalesce(u.hours, 0), coalesce(u.eff, 0),
               f.reservation_unused_amortized_upfront_fee_for_billing_period + f.reservation_unused_recurring_fee,
               coalesce(u.pub, 0), f.line_item_unblended_cost
        FROM cur f LEFT JOIN used u ON u.arn = f.reservation_reservation_a_r_n AND u.billing_period = f.billing_period
        WHERE f.line_item_line_item_type = 'RIFee'""")
    assert rows
    for period, arn, reserved, unused_q, used_h, used_eff, unused_cost, pub, _fee in rows:
        c = next(c for c in key["periods"][period]["commitments"] if c["commitment_id"] == arn)
        assert abs(reserved - unused_q - used_h) < 1e-6
        assert close(used_eff, c["used_amortized_commitment"]) and close(unused_cost, c["unused_amortized_commitment"])
        assert close(used_eff + unused_cost, c["total_amortized_commitment"])
        assert close(pub, c["covered_public_on_demand_cost"])


def test_commitment_portfolio(hourly):
    out, key = hourly
    last = key["periods"][HOURLY["periods"][-1]]["commitments"]
    kinds = {(c["commitment_type"], c["offering"]) for c in last}
    assert ("SavingsPlan", "ComputeSavingsPlans") in kinds and ("SavingsPlan", "EC2InstanceSavingsPlans") in kinds
    assert sum(c["commitment_type"] == "ReservedInstance" and c["product_code"] == "AmazonEC2" for c in last) >= 2
    assert any(c["commitment_type"] == "ReservedInstance" and c["product_code"] == "AmazonRDS" for c in last)
    assert {"No Upfront", "Partial Upfront", "All Upfront"} <= {c["payment_option"] for c in last}
    util = sorted(c["utilization"] for c in last)
    assert util[-1] >= 0.999 and util[0] <= 0.4 and any(0.5 < u < 0.98 for u in util)
    period_end = datetime(2026, 10, 1, tzinfo=UTC)
    days = sorted((datetime.strptime(c["end_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - period_end).days
                  for c in last)
    assert any(0 <= d < 30 for d in days) and any(30 <= d < 60 for d in days) and any(60 <= d < 90 for d in days)
    con = connect(out)
    upfront = q(con, """SELECT billing_period, line_item_line_item_type, bill_bill_type,
                               reservation_reservation_a_r_n IS NOT NULL FROM cur
                        WHERE line_item_line_item_type = 'SavingsPlanUpfrontFee'
                           OR (line_item_line_item_type = 'Fee' AND reservation_reservation_a_r_n IS NOT NULL)
                        ORDER BY 1""")
    assert ("2026-07", "Fee", "Purchase", True) in upfront
    assert ("2026-08", "SavingsPlanUpfrontFee", "Purchase", False) in upfront


# ------------------------------------------------------------------------------------------ FOCUS


def test_focus_matches_cur_and_key(sample):
    out, key = sample
    con = connect(out)
    cur = dict((r[0], r[1:]) for r in q(con, f"""
        SELECT billing_period, sum(line_item_unblended_cost), sum({AMORTIZED}),
               sum(pricing_public_on_demand_cost) FILTER (WHERE line_item_line_item_type <> 'SavingsPlanNegation')
        FROM cur WHERE {NOT_SPLIT} GROUP BY 1"""))
    for period, n, billed, effective, listed in q(con, """
            SELECT billing_period, count(*), sum(BilledCost), sum(EffectiveCost), sum(ListCost)
            FROM focus GROUP BY 1"""):
        k = key["periods"][period]["focus"]
        assert n == k["row_count"]
        assert close(billed, k["billed_cost"]) and close(billed, cur[period][0])
        assert close(effective, k["effective_cost"]) and close(effective, cur[period][1])
        assert close(listed, k["list_cost"]) and close(listed, cur[period][2])
    # per commitment: used + unused effective cost = the commitment's amortised total
    per = q(con, """SELECT billing_period, CommitmentDiscountId, sum(EffectiveCost) FROM focus
                    WHERE CommitmentDiscountStatus IN ('Used', 'Unused') GROUP BY ALL""")
    expected = {(p, c["commitment_id"]): c["total_amortized_commitment"] for p, e in key["periods"].items()
                for c in e["commitments"]}
    assert {(p, i) for p, i, _ in per} == set(expected)
    for period, cid, eff in per:
        assert close(eff, expected[(period, cid)]), (period, cid)
    # purchase rows of commitments cost nothing effective; Unused rows have no consumption
    assert q(con, """SELECT count(*) FROM focus WHERE ChargeCategory = 'Purchase' AND CommitmentDiscountId IS NOT NULL
                     AND EffectiveCost <> 0""") == [(0,)]
    assert q(con, """SELECT count(*) FROM focus WHERE CommitmentDiscountStatus = 'Unused'
                     AND (ConsumedQuantity IS NOT NULL OR ConsumedUnit IS NOT NULL OR BilledCost <> 0
                          OR ResourceId <> CommitmentDiscountId OR ChargeCategory <> 'Usage')""") == [(0,)]
    assert q(con, """SELECT count(*) FROM focus WHERE CommitmentDiscountStatus = 'Used'
                     AND (BilledCost <> 0 OR PricingCategory <> 'Committed')""") == [(0,)]
    assert q(con, "SELECT count(*) FROM focus WHERE CommitmentDiscountStatus = 'Unused'")[0][0] > 0
    # no negation and no split rows
    assert q(con, """SELECT count(*) FROM focus WHERE x_Operation IN ('EKSPod-EC2', 'ECSTask-EC2')
                     OR ChargeDescription LIKE 'SavingsPlanNegation%'""") == [(0,)]
    # allowed values
    assert {r[0] for r in q(con, "SELECT DISTINCT ChargeCategory FROM focus")} <= FOCUS_CATEGORIES
    assert {r[0] for r in q(con, "SELECT DISTINCT ServiceCategory FROM focus")} <= SERVICE_CATEGORIES
    assert {r[0] for r in q(con, "SELECT DISTINCT ChargeFrequency FROM focus")} <= {"One-Time", "Recurring",
                                                                                   "Usage-Based"}
    assert {r[0] for r in q(con, "SELECT DISTINCT ChargeClass FROM focus")} <= {None, "Correction"}
    assert q(con, "SELECT count(*) FROM focus WHERE ChargeClass = 'Correction'")[0][0] >= 1
    assert q(con, "SELECT count(DISTINCT ServiceCategory) = 1 FROM focus GROUP BY ServiceName "
                  "HAVING count(DISTINCT ServiceCategory) <> 1") == []
    assert q(con, """SELECT count(*) FROM focus, unnest(map_keys(Tags)) AS t(k) WHERE k LIKE 'user\\_%' ESCAPE '\\'""") \
        == [(0,)]
    assert q(con, """SELECT count(*) FROM focus f JOIN (SELECT DISTINCT bill_invoice_id, billing_period FROM cur) c
                     USING (billing_period) WHERE f.InvoiceId <> c.bill_invoice_id""") == [(0,)]


# ------------------------------------------------------------------------------------------ EDP / net


def test_edp_net_columns_and_discount_rows(sample):
    con = connect(sample[0])
    eligible = f"""bill_billing_entity = 'AWS' AND {NOT_SPLIT}
                   AND line_item_line_item_type NOT IN ('Tax', 'Credit', 'Refund', 'EdpDiscount')"""
    assert q(con, f"""SELECT count(*) FROM cur WHERE {eligible}
                      AND (abs(line_item_net_unblended_cost - line_item_unblended_cost * {1 - EDP}) > 1e-9
                           OR abs(coalesce(reservation_net_effective_cost, 0)
                                  - coalesce(reservation_effective_cost, 0) * {1 - EDP}) > 1e-9
                           OR abs(coalesce(savings_plan_net_savings_plan_effective_cost, 0)
                                  - coalesce(savings_plan_savings_plan_effective_cost, 0) * {1 - EDP}) > 1e-9)""") \
        == [(0,)]
    assert q(con, f"""SELECT count(*) FROM cur WHERE {eligible} AND line_item_unblended_cost <> 0
                      AND (abs(discount_total_discount - (line_item_net_unblended_cost - line_item_unblended_cost))
                           > 1e-9 OR abs(discount['edp_discount'] - discount_total_discount) > 1e-12)""") == [(0,)]
    assert q(con, f"""SELECT count(*) FROM cur WHERE NOT ({eligible}) AND line_item_line_item_type <> 'EdpDiscount'
                      AND (line_item_net_unblended_cost <> line_item_unblended_cost
                           OR discount_total_discount IS NOT NULL)""") == [(0,)]
    # EdpDiscount rows: the sum of the discounts they summarise, per account and product; net 0
    rows = q(con, f"""
        SELECT billing_period, line_item_usage_account_id, line_item_product_code,
               sum(line_item_unblended_cost) FILTER (WHERE line_item_line_item_type = 'EdpDiscount'),
               coalesce(sum(discount_total_discount), 0),
               sum(abs(line_item_net_unblended_cost)) FILTER (WHERE line_item_line_item_type = 'EdpDiscount')
        FROM cur WHERE {NOT_SPLIT} GROUP BY ALL""")
    assert any(r[3] for r in rows)
    for period, acct, prod, edp_rows, discounts, edp_net in rows:
        assert close(edp_rows or 0.0, discounts, 1e-6), (period, acct, prod)
        assert not edp_net
    for unb, net in q(con, f"SELECT sum(line_item_unblended_cost), sum(line_item_net_unblended_cost) FROM cur "
                           f"WHERE {NOT_SPLIT} GROUP BY billing_period"):
        assert close(unb, net)
    assert q(con, "SELECT count(*) FROM cur WHERE bill_billing_entity = 'AWS Marketplace' "
                  "AND line_item_legal_entity <> 'Amazon Web Services, Inc.'")[0][0] > 0


# ------------------------------------------------------------------------------------------ split cost allocation


def test_split_cost_children_reference_parent_rows(sample):
    out, key = sample
    con = connect(out)
    rows = q(con, f"""
        WITH child AS (
            SELECT split_line_item_parent_resource_id AS parent, line_item_usage_start_date AS t,
                   sum(line_item_unblended_cost) AS unb, sum(split_line_item_split_usage_ratio) AS ratio,
                   count(*) AS n
            FROM cur WHERE {SPLIT} GROUP BY ALL),
        parent AS (
            SELECT line_item_resource_id AS parent, line_item_usage_start_date AS t, sum(line_item_unblended_cost) AS unb
            FROM cur WHERE line_item_line_item_type = 'Usage' AND {NOT_SPLIT} GROUP BY ALL)
        SELECT c.parent, c.unb, p.unb, c.ratio, c.n FROM child c LEFT JOIN parent p USING (parent, t)""")
    assert rows
    for parent, child_unb, parent_unb, ratio, n in rows:
        assert parent.startswith("i-") and parent_unb is not None
        assert abs(child_unb - parent_unb) < 1e-8 and 0 < ratio <= 1 and 2 <= n <= 4
    assert q(con, f"SELECT count(*) FROM cur WHERE {SPLIT} AND (line_item_resource_id NOT LIKE 'arn:aws:e%s:%' "
                  f"OR split_line_item_split_cost IS NULL)") == [(0,)]


# ------------------------------------------------------------------------------------------ content


def test_content_is_realistic(hourly):
    out, key = hourly
    con = connect(out)
    checks = {
        "intel": "product['physical_processor'] LIKE 'Intel Xeon%'",
        "amd": "product['physical_processor'] LIKE 'AMD EPYC%'",
        "graviton": "product['physical_processor'] LIKE 'AWS Graviton%'",
        "spot": "line_item_usage_type LIKE '%SpotUsage%' AND pricing_term = 'Spot'",
        "previous generation": "product['current_generation'] = 'No' AND line_item_usage_type LIKE '%BoxUsage%'",
        "windows": "line_item_operation = 'RunInstances:0002' AND product['operating_system'] = 'Windows'",
        "ec2 product columns": "product_product_family = 'Compute Instance' AND product_instance_type IS NOT NULL "
                               "AND product['vcpu'] IS NOT NULL AND line_item_normalization_factor > 0",
        "region prefix": "line_item_usage_type LIKE 'USE1-BoxUsage:%'",
        "gp2": "line_item_usage_type LIKE '%EBS:VolumeUsage.gp2' AND product['volume_api_name'] = 'gp2'",
        "gp3": "line_item_usage_type LIKE '%EBS:VolumeUsage.gp3' AND pricing_unit = 'GB-Mo'",
        "io1": "line_item_usage_type LIKE '%EBS:VolumeUsage.piops'",
        "snapshot": "line_item_usage_type LIKE '%EBS:SnapshotUsage' AND line_item_resource_id LIKE "
                    "'arn:aws:ec2:%:snapshot/snap-%'",
        "s3 standard": "line_item_product_code = 'AmazonS3' AND product['volume_type'] = 'Standard'",
        "s3 requests": "line_item_usage_type LIKE '%Requests-Tier1'",
        "rds open source": "product['license_model'] = 'No license required' AND product['database_engine'] IS NOT NULL",
        "rds licensed": "product['license_model'] = 'License included'",
        "rds graviton": "product_instance_type LIKE 'db.r6g%'",
        "lambda x86": "line_item_usage_type LIKE '%Lambda-GB-Second'",
        "lambda arm": "line_item_usage_type LIKE '%Lambda-GB-Second-ARM'",
        "fargate": "line_item_usage_type LIKE '%Fargate-vCPU-Hours%' AND line_item_product_code = 'AmazonECS'",
        "fargate arm": "line_item_usage_type LIKE '%Fargate-ARM-%'",
        "fargate eks": "line_item_usage_type LIKE '%Fargate%' AND line_item_product_code = 'AmazonEKS'",
        "dynamodb provisioned": "line_item_operation = 'CommittedThroughput' "
                                "AND line_item_usage_type LIKE '%ReadCapacityUnit-Hrs'",
        "data transfer": "product_servicecode = 'AWSDataTransfer' AND line_item_usage_type LIKE '%DataTransfer-Out-Bytes'",
        "support": "line_item_product_code = 'AWSSupportBusiness' AND line_item_line_item_type = 'Fee'",
        "tax": "line_item_line_item_type = 'Tax' AND line_item_tax_type IS NOT NULL",
        "credit": "line_item_line_item_type = 'Credit' AND line_item_unblended_cost < 0",
        "refund": "line_item_line_item_type = 'Refund' AND bill_bill_type = 'Refund' AND line_item_unblended_cost < 0",
        "edp": "line_item_line_item_type = 'EdpDiscount' AND line_item_unblended_cost < 0",
        "marketplace": "bill_billing_entity = 'AWS Marketplace'",
        "eks pods": "line_item_operation = 'EKSPod-EC2'",
        "ecs tasks": "line_item_operation = 'ECSTask-EC2'",
        "cost category": "cost_category['business_unit'] IS NOT NULL",
        "account tags": "tags['accountTag/owner'] IS NOT NULL",
        "iam principal": "line_item_iam_principal LIKE 'arn:aws:iam::%'",
        "leading zero account": "line_item_usage_account_id LIKE '0%' AND length(line_item_usage_account_id) = 12",
    }
    sql = ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in checks.values())
    counts = q(con, f"SELECT {sql} FROM cur")[0]
    missing = [name for name, n in zip(checks, counts) if not n]
    assert not missing, missing
    assert q(con, "SELECT count(*) FROM cur WHERE line_item_usage_account_name IS NULL OR bill_payer_account_name IS "
                  "NULL OR bill_invoice_id IS NULL OR line_item_currency_code <> 'USD'") == [(0,)]
    assert {r[0] for r in q(con, "SELECT DISTINCT bill_bill_type FROM cur")} == {"Anniversary", "Purchase", "Refund"}
    assert q(con, "SELECT count(DISTINCT bill_invoice_id) FROM cur GROUP BY billing_period") == [(1,)] * 3
    # the product map has no empty values; rates are strings
    assert q(con, "SELECT count(*) FROM cur, unnest(map_values(product)) AS t(v) WHERE v IS NULL OR v = ''") == [(0,)]
    assert q(con, "SELECT count(*) FROM cur WHERE line_item_line_item_type = 'Usage' AND "
                  "TRY_CAST(pricing_public_on_demand_rate AS DOUBLE) IS NULL") == [(0,)]
    assert 6 <= len(key["accounts"]) - 1 <= 10


def test_tags_are_realistically_messy(hourly):
    con = connect(hourly[0])
    untagged, total = q(con, """SELECT count(*) FILTER (WHERE cardinality(tags) = 0), count(*) FROM (
        SELECT line_item_resource_id, any_value(resource_tags) AS tags FROM cur
        WHERE line_item_line_item_type = 'Usage' AND line_item_resource_id LIKE 'i-%' GROUP BY 1)""")[0]
    assert 0.05 <= untagged / total <= 0.4
    keys = {r[0] for r in q(con, "SELECT DISTINCT unnest(map_keys(resource_tags)) FROM cur")}
    assert {"user_team", "user_Team", "user_cost_center", "user_costcenter", "user_environment", "user_env",
            "user_application"} <= keys
    envs = {r[0] for r in q(con, "SELECT DISTINCT coalesce(resource_tags['user_environment'], "
                                 "resource_tags['user_env']) FROM cur")}
    assert {"prod", "Prod", "production"} <= envs


def test_snapshot_ages_recorded_in_the_key(hourly):
    out, key = hourly
    con = connect(out)
    for period, cost in q(con, "SELECT billing_period, sum(line_item_unblended_cost) FROM cur "
                               "WHERE line_item_usage_type LIKE '%EBS:SnapshotUsage' GROUP BY 1"):
        snap = key["periods"][period]["snapshots"]
        assert close(cost, snap["unblended_cost"])
        assert 0 < snap["unblended_cost_created_over_12_months_before"] < snap["unblended_cost"]


# ------------------------------------------------------------------------------------------ organisation contract


def test_resource_catalogue_and_spend_contract(hourly):
    out, key = hourly
    org = build_organisation(HOURLY["seed"], HOURLY["line_items_per_month"], anchor_period=HOURLY["periods"][-1])
    assert org.payer_account_id == key["payer_account_id"] and org.payer_account_name
    assert 6 <= len(org.accounts) <= 10 and all(len(a.account_id) == 12 and a.name for a in org.accounts)
    assert org.payer_account_id not in {a.account_id for a in org.accounts}
    period = "2026-08"
    cat = org.resource_catalogue(period)
    assert cat.columns == ["resource_id", "account_id", "region", "product_code", "resource_type", "instance_type",
                           "usage_type", "processor", "operating_system", "purchase_option",
                           "public_on_demand_cost", "unblended_cost", "tags"]
    assert cat["resource_id"].n_unique() == cat.height
    assert set(cat["resource_type"].drop_nulls()) <= {"Ec2Instance", "EbsVolume", "LambdaFunction",
                                                      "RdsDbInstance", "EcsService", "Ec2AutoScalingGroup"}
    assert {"Ec2Instance", "EbsVolume", "LambdaFunction", "RdsDbInstance", "EcsService"} <= set(cat["resource_type"])
    assert set(cat["purchase_option"]) == {"OnDemand", "Spot", "Reserved", "SavingsPlan"}
    assert set(cat["processor"].drop_nulls()) == {"Intel", "AMD", "Graviton"}
    assert set(cat["operating_system"].drop_nulls()) == {"Linux", "Windows"}
    assert {"gp2", "gp3"} <= set(cat.filter(cat["resource_type"] == "EbsVolume")["instance_type"])
    con = connect(out)
    cur = dict(q(con, f"""SELECT line_item_resource_id, sum(line_item_unblended_cost) FROM cur
                          WHERE billing_period = '{period}' AND {NOT_SPLIT}
                          AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                          AND coalesce(product_servicecode, '') <> 'AWSDataTransfer' GROUP BY 1"""))
    for rid, unb in zip(cat["resource_id"], cat["unblended_cost"]):
        assert close(cur[rid], unb, 1e-6), rid
    spend = org.spend_by_service(period)
    assert spend.columns == ["account_id", "region", "product_code", "unblended_cost", "usage_amount"]
    expected = q(con, f"""SELECT sum(line_item_unblended_cost), sum(line_item_usage_amount) FROM cur
                          WHERE billing_period = '{period}' AND {NOT_SPLIT} AND bill_billing_entity = 'AWS'
                          AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')""")[0]
    assert close(spend["unblended_cost"].sum(), expected[0]) and close(spend["usage_amount"].sum(), expected[1], 1e-3)
    assert spend["region"].null_count() > 0  # global services (Route 53)


# ------------------------------------------------------------------------------------------ determinism, re-delivery


def _tables(out: Path, export: str, period: str):
    manifest = read_manifest(out, export, period)
    files = [out / export / "data" / f"BILLING_PERIOD={period}" / f.rsplit("/", 1)[1] for f in manifest["dataFiles"]]
    return [pq.read_table(f) for f in files]


def test_same_seed_gives_identical_files_and_key(daily, tmp_path):
    out, key = daily
    again = generate(tmp_path / "exports", exports=("cur2", "focus"), **DAILY)
    assert again == key
    for export in ("cur2", "focus"):
        for period in DAILY["periods"]:
            a, b = _tables(out, export, period), _tables(tmp_path / "exports", export, period)
            assert len(a) == len(b) and all(x.equals(y) for x, y in zip(a, b))
    other = generate(tmp_path / "other", exports=("cur2",), **{**DAILY, "seed": DAILY["seed"] + 1})
    assert other["periods"][DAILY["periods"][0]]["cur2"] != key["periods"][DAILY["periods"][0]]["cur2"]


def test_redelivery_replaces_the_period_and_updates_the_key(daily, tmp_path):
    src, key = daily
    out = tmp_path / "exports"
    shutil.copytree(src, out)
    period, other = DAILY["periods"][-1], DAILY["periods"][0]
    before = {e: read_manifest(out, e, period) for e in ("cur2", "focus")}
    new_key = redeliver(out, period=period, seed=DAILY["seed"], revision=1)
    assert json.loads((out / "_answer_key" / "answer_key.json").read_text()) == new_key
    assert new_key["periods"][other] == key["periods"][other]
    old, new = key["periods"][period], new_key["periods"][period]
    assert new["revision"] == 1 and new["cur2"]["row_count"] > old["cur2"]["row_count"]
    assert new["cur2"]["unblended_cost"] != old["cur2"]["unblended_cost"]
    for export in ("cur2", "focus"):
        manifest = read_manifest(out, export, period)
        assert manifest["executionId"] != before[export]["executionId"]
        assert manifest["rowCount"] == new[export]["row_count"]
        data = out / export / "data" / f"BILLING_PERIOD={period}"
        assert sorted(p.name for p in data.iterdir()) == sorted(f.rsplit("/", 1)[1] for f in manifest["dataFiles"])
        assert [p.name for p in manifest_path(out, export, period).parent.iterdir()] == [f"{export}-Manifest.json"]
    # the files on disk still reconcile with the (updated) key
    test_cur_totals_match_the_answer_key((out, new_key))
    test_focus_matches_cur_and_key((out, new_key))
    # later revisions only add data; revision 0 gives back the original delivery
    rev2 = redeliver(out, period=period, seed=DAILY["seed"], revision=2)["periods"][period]
    assert rev2["cur2"]["row_count"] >= new["cur2"]["row_count"]
    rev0 = redeliver(out, period=period, seed=DAILY["seed"], revision=0)["periods"][period]
    assert rev0 == old
    with pytest.raises(ValueError):
        redeliver(out, period=period, seed=DAILY["seed"] + 1)


def test_coh_and_carbon_hooks(tmp_path):
    here = Path(__file__).resolve().parents[2] / "infralyzer" / "exports" / "generate" / "writers"
    present = [name for name in ("coh", "carbon") if (here / f"{name}.py").exists()]
    if not present or importlib.util.find_spec("infralyzer.exports.generate.writers.coh") is None:
        pytest.skip("the COH / carbon generators are not present")
    key = generate(tmp_path / "exports", periods=["2026-09"], line_items_per_month=3_000, seed=5)
    for name in present:
        assert name in key["periods"]["2026-09"], name
        assert read_manifest(tmp_path / "exports", name, "2026-09") is not None
