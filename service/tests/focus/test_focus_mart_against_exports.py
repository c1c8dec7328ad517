"""fct_focus_costs (FOCUS 1.2 built from the CUR) against the generator's answer key and against
the FOCUS export the generator wrote for the same charges (AWS's own FOCUS export in the sample),
read straight from its Parquet files, not through dbt (docs/focus.md).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from focus_mart_support import documented_names

from infralyzer.exports.schemas import FOCUS12_SCHEMA

pytestmark = pytest.mark.e2e

CENT = Decimal("0.005")
COSTS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")


def aws_export(sample_exports: Path) -> str:
    return f"read_parquet('{sample_exports}/focus/data/BILLING_PERIOD=*/*.parquet', hive_partitioning=true)"


def test_the_mart_has_every_focus_column_in_the_export_order(focus_mart):
    columns = [row[0] for row in focus_mart.execute("describe marts.fct_focus_costs").fetchall()]
    focus_columns = [c for c in columns if not c.startswith("x_")]
    assert focus_columns == [f.name for f in FOCUS12_SCHEMA if not f.name.startswith("x_")]
    assert len(focus_columns) == 57
    assert {"x_Discounts", "x_Operation", "x_ServiceCode"} <= set(columns)


def test_costs_and_rows_equal_the_answer_key_per_period(focus_mart, answer_key):
    rows = focus_mart.execute(
        f"select strftime(BillingPeriodStart, '%Y-%m'), count(*), {', '.join(f'sum({c})' for c in COSTS)} "
        "from marts.fct_focus_costs group by 1 order by 1").fetchall()
    assert [r[0] for r in rows] == sorted(answer_key["periods"])
    for period, count, billed, effective, listed, contracted in rows:
        key = answer_key["periods"][period]["focus"]
        assert count == key["row_count"], period
        assert abs(billed - Decimal(str(key["billed_cost"]))) < CENT, period
        assert abs(effective - Decimal(str(key["effective_cost"]))) < CENT, period
        assert abs(listed - Decimal(str(key["list_cost"]))) < CENT, period
        # negotiated discounts are line items of their own: the contracted price is the list price
        assert abs(contracted - Decimal(str(key["list_cost"]))) < CENT, period


def test_billed_and_effective_cost_equal_the_aws_focus_export(focus_mart, sample_exports):
    """Per billing period, sub account and service, to the cent."""
    differences = focus_mart.execute(f"""
        with ours as (
            select strftime(BillingPeriodStart, '%Y-%m') as period, SubAccountId, ServiceName,
                sum(BilledCost) as billed, sum(EffectiveCost) as effective
            from marts.fct_focus_costs group by all
        ),
        aws as (
            select BILLING_PERIOD as period, SubAccountId, ServiceName,
                sum(cast(BilledCost as decimal(38, 10))) as billed,
                sum(cast(EffectiveCost as decimal(38, 10))) as effective
            from {aws_export(sample_exports)} group by all
        )
        select * from ours full outer join aws using (period, SubAccountId, ServiceName)
        where ours.billed is null or aws.billed is null
            or abs(ours.billed - aws.billed) >= 0.005 or abs(ours.effective - aws.effective) >= 0.005
    """).fetchall()
    assert differences == []
    groups = focus_mart.execute("select count(distinct (BillingPeriodStart, SubAccountId, ServiceName)) "
                                "from marts.fct_focus_costs").fetchone()[0]
    assert groups > 50  # the comparison covers many accounts and services, not a handful


def differing_columns(focus_mart, sample_exports: Path) -> set[str]:
    """The FOCUS columns whose values differ between the mart and AWS's export, compared as the
    multiset of (billing period, value) over all rows (both have one row per charge, so equal
    columns have equal multisets); numbers to the mart's 8 decimals, maps as JSON with sorted keys."""
    differing = set()
    for field in FOCUS12_SCHEMA:
        name = field.name
        kind = str(field.type)
        if kind.startswith("map"):
            value = f"to_json(map_from_entries(list_sort(map_entries({name}))))"
        elif kind == "double":
            value = f"round(cast({name} as double), 8)"
        elif kind.startswith("timestamp"):
            value = f"epoch_ms({name})"
        else:
            value = f"cast({name} as varchar)"
        count = focus_mart.execute(f"""
            with ours as (
                select strftime(BillingPeriodStart, '%Y-%m') as period, {value} as v, count(*) as n
                from marts.fct_focus_costs group by all
            ),
            aws as (
                select BILLING_PERIOD as period, {value} as v, count(*) as n
                from {aws_export(sample_exports)} group by all
            )
            select count(*) from ours full outer join aws
                on ours.period = aws.period and ours.v is not distinct from aws.v
            where ours.n is distinct from aws.n
        """).fetchone()[0]
        if count:
            differing.add(name)
    return differing


def test_columns_that_differ_from_the_aws_export_are_documented(focus_mart, sample_exports):
    differing = differing_columns(focus_mart, sample_exports)
    documented = documented_names("Differences from AWS's FOCUS export")
    assert differing - documented == set(), "undocumented differences (docs/focus.md)"
    assert documented - differing == set(), "docs/focus.md lists columns that no longer differ"
