"""The commitment marts equal the generator's answer key, per commitment and billing period, to the cent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.e2e

CENT = Decimal("0.005")
KEY_TYPE = {"ReservedInstance": "Reserved", "SavingsPlan": "SavingsPlan"}


def rows(settings, sql: str) -> list[dict]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]
    finally:
        con.close()


def near(actual, expected) -> bool:
    return abs(Decimal(str(actual)) - Decimal(str(expected))) < CENT


def test_utilisation_and_savings_equal_the_answer_key(built, answer_key):
    mart = {(r["billing_period"], r["commitment_arn"]): r
            for r in rows(built, "select * from marts.fct_commitment_utilization")}
    expected = {(p, c["commitment_id"]): c for p, period in answer_key["periods"].items() for c in period["commitments"]}
    assert set(mart) == set(expected)
    assert len(expected) >= 12  # five commitments over three periods, one bought in the second
    pairs = {
        "total_commitment": "total_amortized_commitment",
        "used_commitment": "used_amortized_commitment",
        "unused_commitment": "unused_amortized_commitment",
        "covered_public_on_demand_cost": "covered_public_on_demand_cost",
        "gross_savings": "gross_savings",
        "net_savings": "net_savings",
        "total_net_commitment": "total_net_amortized_commitment",
        "used_net_commitment": "used_net_amortized_commitment",
        "unused_net_commitment": "unused_net_amortized_commitment",
        "recurring_fee": "recurring_fee",
        "upfront_fee": "upfront_fee_in_period",
    }
    wrong = [
        f"{p} {arn[-12:]} {column}: {mart[p, arn][column]} != {key[other]}"
        for (p, arn), key in expected.items()
        for column, other in pairs.items()
        if not near(mart[p, arn][column], key[other])
    ]
    assert wrong == []
    for (p, arn), key in expected.items():
        assert mart[p, arn]["commitment_type"] == KEY_TYPE[key["commitment_type"]]
        assert abs(mart[p, arn]["utilization"] - key["utilization"]) < 1e-6
        if key["commitment_type"] == "SavingsPlan":
            assert abs(float(mart[p, arn]["savings_plan_hourly_commitment"]) - key["hourly_commitment"]) < 1e-9
    # the sample has a fully used, a partly used and a mostly idle commitment
    utilisations = sorted(r["utilization"] for (p, _), r in mart.items() if p == "2026-09")
    assert utilisations[0] < 0.5 and utilisations[-1] == 1.0 and any(0.5 < u < 1 for u in utilisations)


def test_coverage_equals_the_answer_key(built, answer_key):
    mart = rows(built, """
        select billing_period, commit_service_group, sum(reserved_cost) as reserved, sum(savings_plan_cost) as savings_plan,
               sum(spot_cost) as spot, sum(on_demand_cost) as on_demand, sum(eligible_cost) as total,
               sum(spot_savings) as spot_savings
        from marts.fct_commitment_coverage group by billing_period, commit_service_group""")
    by_group = {(r["billing_period"], r["commit_service_group"]): r for r in mart}
    for period, entry in answer_key["periods"].items():
        groups = entry["coverage"]["by_group"]
        assert {g for p, g in by_group if p == period} == set(groups)
        for group, expected in groups.items():
            for option in ("reserved", "savings_plan", "spot", "on_demand", "total"):
                assert near(by_group[period, group][option], expected[option]), (period, group, option)
        spot_savings = sum(r["spot_savings"] for (p, _), r in by_group.items() if p == period)
        assert near(spot_savings, entry["spot_savings"])
        total = entry["coverage"]["total"]
        coverage = rows(built, f"""
            select sum(reserved_cost + savings_plan_cost) / sum(eligible_cost) as coverage
            from marts.fct_commitment_coverage where billing_period = '{period}'""")[0]["coverage"]
        assert abs(float(coverage) - (total["reserved"] + total["savings_plan"]) / total["total"]) < 1e-9


def test_inventory_lists_every_commitment_with_its_expiry(built, answer_key):
    inventory = {r["commitment_arn"]: r for r in rows(built, "select * from marts.dim_commitments")}
    latest = max(answer_key["periods"])
    as_of = datetime.strptime(latest, "%Y-%m").replace(month=int(latest[5:]) % 12 + 1,
                                                       year=int(latest[:4]) + (latest[5:] == "12"))
    for key in answer_key["periods"][latest]["commitments"]:
        row = inventory[key["commitment_id"]]
        end = datetime.fromisoformat(key["end_time"].replace("Z", "+00:00"))
        assert row["end_at"].replace(tzinfo=UTC) == end  # naive UTC
        assert row["offering"] == key["offering"] and row["payment_option"] == key["payment_option"]
        assert row["term"] == key["term"]
        assert row["days_until_expiry"] == (end.date() - as_of.date()).days  # day boundaries crossed
        if key["commitment_type"] == "SavingsPlan":
            assert row["savings_plan_instance_type_family"] == key.get("instance_type_family")
        else:
            assert row["reserved_instance_type"] == key["instance_type"]
            assert row["reservation_count"] == key["number_of_reservations"]
            assert row["region"] == key["region"]
    # the generator's commitments expire 20, 50 and 80 days after the newest month
    windows = sorted(r["expiry_window"] for r in inventory.values())
    assert windows.count("within 30 days") == 1 and windows.count("within 60 days") == 1
    assert windows.count("within 90 days") == 1


def test_effective_savings_rate_is_a_ratio_of_sums(built):
    [r] = rows(built, """
        select sum(list_cost) as list_cost, sum(effective_cost) as effective_cost, sum(total_savings) as total_savings,
               sum(commitment_savings_gross) as gross, sum(unused_commitment) as unused, sum(commitment_savings_net) as net
        from marts.fct_savings_summary where billing_period = '2026-09'""")
    assert r["list_cost"] > r["effective_cost"] > 0
    assert near(r["total_savings"], r["list_cost"] - r["effective_cost"])
    assert near(r["net"], r["gross"] - r["unused"])
    [u] = rows(built, """select sum(gross_savings) as gross, sum(unused_commitment) as unused
                         from marts.fct_commitment_utilization where billing_period = '2026-09'""")
    assert near(r["gross"], u["gross"]) and near(r["unused"], u["unused"])


def test_savings_plan_sizing_recomputed_from_the_hourly_baseline(built):
    """Every candidate of fct_savings_plan_sizing, recomputed here with numpy from the baseline."""
    import numpy as np

    baseline = rows(built, """select payer_account_id, hour_start_at, sum(on_demand_cost) as cost
                              from marts.fct_compute_on_demand_hourly group by all order by hour_start_at""")
    sizing = rows(built, "select * from marts.fct_savings_plan_sizing order by candidate_rank")
    assert len(sizing) == 6 and sum(r["is_recommended"] for r in sizing) == 1
    last = max(r["hour_start_at"] for r in baseline)
    by_hour = {r["hour_start_at"]: float(r["cost"]) for r in baseline}
    from datetime import timedelta
    window = np.array([by_hour.get(last - timedelta(hours=h), 0.0) for h in range(720)])
    discount, target = 0.2, 0.8
    # percentiles by nearest rank (numpy's inverted_cdf): the ceil(p × 720)-th smallest hour
    levels = {name: np.quantile(window, p, method="inverted_cdf")
              for name, p in [("minimum", 0), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9)]}
    expected_recommended = None
    for row in sizing:
        level = levels[row["candidate"]]
        covered = np.minimum(window, level).sum()
        assert abs(float(row["covered_hourly_on_demand_cost"]) - level) < 1e-6
        assert abs(float(row["hourly_commitment"]) - level * (1 - discount)) < 1e-6
        assert abs(float(row["covered_on_demand_cost"]) - covered) < 0.005
        assert abs(float(row["window_savings"]) - (covered - 720 * level * (1 - discount))) < 0.005
        assert abs(float(row["additional_coverage"]) - covered / window.sum()) < 1e-9
        if expected_recommended is None and covered / window.sum() >= target:
            expected_recommended = row["candidate"]
    [recommended] = [r["candidate"] for r in sizing if r["is_recommended"]]
    assert recommended == (expected_recommended or "p90")
    # a bigger commitment always covers more
    coverages = [float(r["additional_coverage"]) for r in sizing]
    assert coverages == sorted(coverages) and coverages[-1] > coverages[0] > 0
