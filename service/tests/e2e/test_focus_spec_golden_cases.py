"""The FOCUS specification's commitment-discount examples as golden cases for the amortisation rule.

Each example (service/tests/e2e/data/focus_spec_examples, unmodified from FOCUS v1.2) is one hour of
a spend-based commitment. It is restated as the CUR 2.0 line items AWS would deliver for the same
hour, run through the compiled `int_line_items_amortized`, and the rule's result must equal what
the spec says, to the cent:

  FOCUS rows                                     CUR 2.0 line items
  Purchase, One-Time (upfront)                   SavingsPlanUpfrontFee, BilledCost as unblended
  Purchase, Recurring (the hour's commitment)    SavingsPlanRecurringFee: total commitment = BilledCost,
                                                 used commitment = the hour's Used EffectiveCost
  Usage, Committed, Used                         SavingsPlanCoveredUsage (effective cost = EffectiveCost)
                                                 + its SavingsPlanNegation
  Usage, Committed, Unused                       no line of its own: CUR carries it on the fee line
  Usage, Standard (on demand)                    Usage, BilledCost as unblended

Usage examples without a Purchase row are for a no-upfront commitment whose hourly amount is
the Used plus Unused EffectiveCost. The Purchase examples have no usage: their recurring rows are
fully used (EffectiveCost 0 on a Purchase row means FOCUS moved the cost to Usage rows).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).parent / "data" / "focus_spec_examples"
SCENARIOS = sorted(EXAMPLES.glob("*/*.csv"))
ARN = "arn:aws:savingsplans::111111111111:savingsplan/golden"
SYNTHETIC_FEE = "#fee"  # the fee line of a usage example that has no Purchase row


def read_focus(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if any(row.values())]
    return [{k: (None if v in ("null", "") else v) for k, v in row.items()} for row in rows]


def money(row: dict, column: str) -> Decimal:
    return Decimal(row[column]) if row.get(column) is not None else Decimal(0)


def is_used(row: dict) -> bool:
    return row["ChargeCategory"] == "Usage" and row.get("CommitmentDiscountStatus") == "Used"


def is_unused(row: dict) -> bool:
    return row["ChargeCategory"] == "Usage" and row.get("CommitmentDiscountStatus") == "Unused"


def as_cur_line_items(focus: list[dict]) -> list[dict]:
    """The CUR 2.0 line items for the same charges (see the module docstring)."""
    base = {"billing_period": "2023-01", "billing_entity": "AWS", "is_split_cost_child": False}
    hours: dict[str, list[dict]] = defaultdict(list)
    for row in focus:
        hours[row["ChargePeriodStart"]].append(row)
    items = []
    for hour, rows in hours.items():
        used = sum((money(r, "EffectiveCost") for r in rows if is_used(r)), Decimal(0))
        unused = sum((money(r, "EffectiveCost") for r in rows if is_unused(r)), Decimal(0))
        recurring = [r for r in rows if r["ChargeCategory"] == "Purchase" and r["ChargeFrequency"] == "Recurring"]
        for n, row in enumerate(rows):
            key = f"{hour}#{n}"
            if row["ChargeCategory"] == "Purchase" and row["ChargeFrequency"] == "One-Time":
                items.append({**base, "line_item_id": key, "line_item_type": "SavingsPlanUpfrontFee",
                              "product_code": "ComputeSavingsPlans", "unblended_cost": money(row, "BilledCost"),
                              "savings_plan_arn": ARN})
            elif row in recurring:
                commitment = money(row, "BilledCost")
                items.append({**base, "line_item_id": key, "line_item_type": "SavingsPlanRecurringFee",
                              "product_code": "ComputeSavingsPlans", "unblended_cost": commitment,
                              "savings_plan_total_commitment_to_date": commitment,
                              "savings_plan_used_commitment": used if (used or unused) else commitment,
                              "savings_plan_recurring_commitment_for_billing_period": commitment,
                              "savings_plan_arn": ARN})
            elif is_used(row):
                on_demand = money(row, "ListCost") if row.get("ListCost") else money(row, "EffectiveCost")
                covered = {**base, "product_code": "AmazonEC2", "public_on_demand_cost": on_demand,
                           "savings_plan_arn": ARN}
                items.append({**covered, "line_item_id": key, "line_item_type": "SavingsPlanCoveredUsage",
                              "unblended_cost": on_demand, "savings_plan_effective_cost": money(row, "EffectiveCost")})
                items.append({**covered, "line_item_id": key + "-negation", "line_item_type": "SavingsPlanNegation",
                              "unblended_cost": -on_demand})
            elif row["ChargeCategory"] == "Usage" and row["PricingCategory"] == "Standard":
                items.append({**base, "line_item_id": key, "line_item_type": "Usage", "product_code": "AmazonEC2",
                              "unblended_cost": money(row, "BilledCost"),
                              "public_on_demand_cost": money(row, "ListCost") or money(row, "BilledCost")})
        if not recurring and (used or unused):
            items.append({**base, "line_item_id": hour + SYNTHETIC_FEE, "line_item_type": "SavingsPlanRecurringFee",
                          "product_code": "ComputeSavingsPlans", "unblended_cost": used + unused,
                          "savings_plan_total_commitment_to_date": used + unused,
                          "savings_plan_used_commitment": used,
                          "savings_plan_recurring_commitment_for_billing_period": used + unused,
                          "savings_plan_arn": ARN})
    return items


@pytest.fixture(scope="module")
def amortize(amortization_rule):
    tree, evaluator = amortization_rule

    def run(items: list[dict]) -> dict[str, dict]:
        evaluator.load(items)
        return evaluator.run(tree)

    return run


def test_every_example_is_used():
    assert len(SCENARIOS) == 11


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_amortised_cost_equals_focus_effective_cost(amortize, path):
    focus = read_focus(path)
    result = amortize(as_cur_line_items(focus))
    by_type: dict[str, Decimal] = defaultdict(Decimal)
    for row in result.values():
        by_type[row["line_item_type"]] += row["amortized_cost"]

    # what the hour costs, and what it bills (the usage examples leave out the commitment's own
    # Purchase rows, so the fee line standing in for them is not part of their BilledCost)
    assert sum(by_type.values()) == sum(money(r, "EffectiveCost") for r in focus)
    billed = sum(r["unblended_cost"] for key, r in result.items() if not key.endswith(SYNTHETIC_FEE))
    assert billed == sum(money(r, "BilledCost") for r in focus)
    # the used/unused split: covered usage carries the used commitment, the fee line the unused
    assert by_type["SavingsPlanCoveredUsage"] == sum(money(r, "EffectiveCost") for r in focus if is_used(r))
    assert by_type["SavingsPlanRecurringFee"] == sum(money(r, "EffectiveCost") for r in focus if is_unused(r))
    # negations, upfront purchases and on-demand usage
    assert by_type["SavingsPlanNegation"] == 0
    assert by_type["SavingsPlanUpfrontFee"] == 0
    assert by_type["Usage"] == sum(
        money(r, "EffectiveCost") for r in focus if r["ChargeCategory"] == "Usage" and r["PricingCategory"] == "Standard"
    )


@pytest.mark.parametrize("path", [p for p in SCENARIOS if "usage" in p.stem or "utilization" in p.stem],
                         ids=lambda p: p.stem)
def test_utilisation_equals_focus(amortize, path):
    """Utilisation = used ÷ (used + unused) commitment, from the CUR fee line as from FOCUS."""
    focus = read_focus(path)
    fees = [r for r in amortize(as_cur_line_items(focus)).values() if r["line_item_type"] == "SavingsPlanRecurringFee"]
    total = sum(r["unblended_cost"] for r in fees)
    unused = sum(r["amortized_cost"] for r in fees)
    used_focus = sum(money(r, "EffectiveCost") for r in focus if is_used(r))
    unused_focus = sum(money(r, "EffectiveCost") for r in focus if is_unused(r))
    assert (total - unused) / total == used_focus / (used_focus + unused_focus)
    expected = {"scenario_1": 1, "scenario_2": 0, "scenario_3": Decimal("0.75"), "scenario_4": 1,
                "one_hundred": 1, "zero_percent": 0}
    [want] = [v for k, v in expected.items() if k in path.stem]
    assert (total - unused) / total == want
