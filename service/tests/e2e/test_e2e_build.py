"""End to end: generated exports -> dbt build -> staged totals equal the generator's answer key."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")


KEY_PRECISION = Decimal("0.00001")


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# answer-key column -> the intermediate model's basis column
BASES = {
    "unblended_cost": "unblended_cost",
    "amortized_cost": "amortized_cost",
    "net_unblended_cost": "net_unblended_cost",
    "net_amortized_cost": "net_amortized_cost",
    "public_on_demand_cost": "public_on_demand_cost",
}


def test_every_period_and_basis_equals_the_answer_key(build_db, answer_key):
    select = ", ".join(f"sum({column})" for column in BASES.values())
    rows = build_db.execute(
        f"select billing_period, {select} from intermediate.int_line_items_amortized group by 1 order by 1"
    ).fetchall()
    staged = {row[0]: dict(zip(BASES, row[1:])) for row in rows}
    assert sorted(staged) == sorted(answer_key["periods"])
    mismatches = []
    for period, expected in answer_key["periods"].items():
        for key in BASES:
            if cents(staged[period][key]) != cents(expected["cur2"][key]):
                mismatches.append((period, key, staged[period][key], expected["cur2"][key]))
    assert not mismatches


def test_staged_row_counts_equal_the_answer_key(build_db, answer_key):
    rows = dict(
        build_db.execute(
            "select billing_period, count(*) from staging.stg_aws_cur__line_items group by 1"
        ).fetchall()
    )
    for period, expected in answer_key["periods"].items():
        assert rows[period] == expected["cur2"]["row_count"]


def test_staged_totals_by_line_item_type(build_db, answer_key):
    rows = build_db.execute(
        "select billing_period, line_item_type, sum(unblended_cost), sum(amortized_cost) "
        "from intermediate.int_line_items_amortized group by 1, 2"
    ).fetchall()
    staged = {(p, t): (u, a) for p, t, u, a in rows}
    for period, expected in answer_key["periods"].items():
        for line_item_type, totals in expected["cur2"]["by_line_item_type"].items():
            unblended, amortized = staged[(period, line_item_type)]
            # the key holds 1e-6 precision: compare there, not after rounding both to cents (a total a
            # hair below half a cent rounds down while the key's rounded figure rounds up)
            assert abs(Decimal(str(unblended)) - Decimal(str(totals["unblended_cost"]))) <= KEY_PRECISION, (
                period, line_item_type)
            assert abs(Decimal(str(amortized)) - Decimal(str(totals["amortized_cost"]))) <= KEY_PRECISION, (
                period, line_item_type)


def test_focus_totals_equal_the_answer_key(build_db, answer_key):
    rows = build_db.execute(
        "select billing_period, sum(billed_cost), sum(effective_cost), sum(list_cost), count(*) "
        "from staging.stg_aws_focus__charges where provider_name = 'AWS' group by 1"  # other clouds: their own keys
    ).fetchall()
    for period, billed, effective, listed, count in rows:
        expected = answer_key["periods"][period]["focus"]
        assert count == expected["row_count"]
        assert cents(billed) == cents(expected["billed_cost"])
        assert cents(effective) == cents(expected["effective_cost"])
        assert cents(listed) == cents(expected["list_cost"])


def test_cur_effective_cost_equals_focus_effective_cost(build_db):
    """The CUR amortisation rule and AWS's FOCUS EffectiveCost describe the same charges."""
    rows = build_db.execute(
        """
        with cur as (
            select billing_period, sum(amortized_cost) as amortized, sum(unblended_cost) as unblended
            from intermediate.int_line_items_amortized group by 1
        ),
        focus as (
            select billing_period, sum(effective_cost) as effective, sum(billed_cost) as billed
            from staging.stg_aws_focus__charges where provider_name = 'AWS' group by 1
        )
        select cur.billing_period, amortized, effective, unblended, billed
        from cur join focus using (billing_period)
        """
    ).fetchall()
    assert rows
    for period, amortized, effective, unblended, billed in rows:
        assert cents(amortized) == cents(effective), period
        assert cents(unblended) == cents(billed), period


def test_every_source_was_landed(build_db, answer_key):
    rows = build_db.execute(
        "select export_name, count(*) from marts.fct_export_deliveries group by 1 order by 1"
    ).fetchall()
    periods = len(answer_key["periods"])
    carbon = periods - len(answer_key["carbon_not_yet_delivered"])  # the carbon export lags
    assert dict(rows) == {"carbon": carbon, "coh": periods, "cur2": periods, "focus": periods,
                          "azure-focus-cost": periods, "gcp-focus-billing": periods}
