"""The sample's optimisation patterns and their answer key: idle and busy networking resources and
FinOps exceptions in the CUR (model/waste_resources.py), and the counting rules of the Python oracle
(optimisation_key.py) on hand-made actions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from infralyzer.exports.generate.optimisation_key import _as_dict, _count
from infralyzer.exports.layout import partition_dir


@pytest.fixture(scope="module")
def cur(sample_exports: Path, answer_key: dict) -> pl.DataFrame:
    latest = max(answer_key["periods"])
    files = sorted(partition_dir(sample_exports, "cur2", "data", latest).rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f, columns=["line_item_usage_type", "line_item_resource_id",
                                                  "line_item_usage_amount", "resource_tags"]) for f in files])


def test_networking_resources_are_idle_or_busy(cur: pl.DataFrame):
    def per_resource(pattern: str) -> pl.DataFrame:
        return (cur.filter(pl.col("line_item_usage_type").str.contains(pattern, literal=True))
                .group_by("line_item_resource_id").agg(pl.col("line_item_usage_amount").sum()))

    assert per_resource("PublicIPv4:IdleAddress").height >= 2
    assert per_resource("PublicIPv4:InUseAddress").height >= 1
    for hours, measure in (("NatGateway-Hours", "NatGateway-Bytes"), ("LoadBalancerUsage", "LCUUsage")):
        resources = per_resource(hours)["line_item_resource_id"].to_list()
        processed = dict(per_resource(measure).iter_rows())
        assert len(resources) >= 3
        assert sum(processed.get(r, 0.0) < 1.0 for r in resources) >= 2  # idle: under 1 unit a month
        assert sum(processed.get(r, 0.0) > 10.0 for r in resources) >= 1  # busy


def test_some_idle_resources_are_finops_exceptions(cur: pl.DataFrame):
    kinds = {
        usage_type.split("-", 1)[1]
        for usage_type, tags in cur.select("line_item_usage_type", "resource_tags").iter_rows()
        if tags and "user_finops-exception" in _as_dict(tags)
    }
    assert {"PublicIPv4:IdleAddress", "NatGateway-Hours", "LoadBalancerUsage"} <= kinds


def test_the_answer_key_has_savings_stale_and_exception_actions_every_period(answer_key: dict):
    for period, entry in answer_key["periods"].items():
        key = entry["optimisation"]
        assert sum(Decimal(v) for v in key["counted_monthly_savings"].values()) > 0, period
        assert key["exception_actions"] > 0 and key["top_actions"] > 0
        assert key["stale_actions"] >= 0
    assert answer_key["periods"][max(answer_key["periods"])]["optimisation"]["stale_actions"] > 0


def _action(i, dedup, savings, *, account="111111111111", resource=None, rate=False, rtype="Ec2Instance",
            payer=False, exception=False, action="Rightsize"):
    return {"source": "cost_optimization_hub", "id": f"r{i}", "account": account, "dedup": dedup,
            "resource": resource if resource is not None else (None if rate else dedup), "action_type": action,
            "rate": rate, "rtype": rtype, "savings": Decimal(savings), "payer_level": payer, "exception": exception}


def test_the_oracle_counts_one_capped_action_per_resource_and_flags_overlapping_purchases():
    costs = {
        ("111111111111", "i-a"): {"monthly": Decimal("50"), "stale": False, "exception": False},
        ("111111111111", "i-b"): {"monthly": Decimal("40"), "stale": True, "exception": False},
        ("222222222222", "db-c"): {"monthly": Decimal("30"), "stale": False, "exception": True},
    }
    actions = [
        _action(1, "i-a", "20"), _action(2, "i-a", "80", action="Stop"),  # top: Stop, capped at 50
        _action(3, "i-b", "10"),  # stale
        _action(4, "db-c", "5", account="222222222222", rtype="RdsDbInstance"),  # exception
        _action(5, "Compute", "100", rate=True, rtype="ComputeSavingsPlans", payer=True,
                action="PurchaseSavingsPlans"),  # overlaps the counted i-a action
        _action(6, "RDS:us-east-1:MySQL Single-AZ:db.m5.large", "7", account="222222222222", rate=True,
                rtype="RdsReservedInstances", action="PurchaseReservedInstances"),  # no counted RDS usage action
    ]
    key = _count(actions, costs)
    assert key["counted_monthly_savings"] == {"111111111111": "50", "222222222222": "7"}
    assert key["by_action_type"] == {"PurchaseReservedInstances": "7", "Stop": "50"}
    assert (key["top_actions"], key["stale_actions"], key["exception_actions"], key["overlapping_purchases"]) == (
        5, 1, 1, 1)
