"""KPIs: the KPI tracker and unit costs (marts/kpi), when those marts are in the snapshot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sqlglot import exp

from infralyzer.api.common import (
    AccountFilters, AccountRegionFilters, Builder, FormatParam, Pagination, mart_rows, order_and_page,
    respond, split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/kpi", tags=["kpi"], responses=TABULAR_RESPONSES)

KpiParam = Annotated[list[str] | None, Query(description="KPI ids (e.g. compute_ondemand_coverage); repeat or "
                                                        "comma-separate.", max_length=100)]


@router.get("/summary", summary="The KPI tracker: coverage, goal and savings per period, account and KPI (fct_kpi_tracker)")
def summary(
    ctx: Context, request: Request, f: AccountFilters, p: Pagination, kpi: KpiParam = None,
    rollup: Annotated[bool, Query(description="One row per billing period and KPI over the (filtered, "
                                              "key-visible) accounts: sums of numerator, denominator and "
                                              "savings, coverage as their ratio.")] = False,
    fmt: FormatParam = None,
) -> Response:
    """Rows of the KPI tracker (404 `mart_not_published` when the snapshot has none). With
    `rollup=true`, coverage is re-aggregated as the mart documents it: a ratio of sums, never an
    average of the accounts' coverages."""
    table = "fct_kpi_tracker"
    if not rollup:
        return mart_rows(ctx, request, fmt, table, f, p, ["billing_period", "kpi_id", "usage_account_id"],
                         extra_in={"kpi_id": split_values(kpi)})
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog).where_in("kpi_id", split_values(kpi))
    keys = ["billing_period", "kpi_id", "kpi_name", "direction", "cost_basis", "goal"]
    sums = ["numerator", "denominator", "potential_savings", "goal_savings"]
    coverage = exp.Div(
        this=exp.Cast(this=exp.Sum(this=exp.column("numerator")), to=exp.DataType.build("double")),
        expression=exp.Nullif(this=exp.Cast(this=exp.Sum(this=exp.column("denominator")),
                                            to=exp.DataType.build("double")), expression=exp.Literal.number(0)),
    )
    query = b.select(
        *[exp.column(k) for k in keys],
        *[exp.alias_(exp.Sum(this=exp.column(c)), c) for c in sums],
        exp.alias_(coverage, "coverage"),
        exp.alias_(exp.Count(this=exp.Distinct(expressions=[exp.column("usage_account_id")])), "account_count"),
        group_by=keys,
    )
    query = order_and_page(query, p, [*keys, *sums, "coverage", "account_count"], ["billing_period", "kpi_id"])
    return respond(ctx, request, fmt, query, b.params, p)


@router.get("/unit-costs", summary="Unit costs per period, account, region and unit metric (fct_unit_costs)")
def unit_costs(ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_unit_costs", f, p, ["billing_period", "unit_metric", "usage_account_id"])
