"""KPIs: the KPI tracker and unit costs (marts/kpi), when those marts are in the snapshot."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    AccountFilters, AccountRegionFilters, Builder, Filters, FormatParam, Pagination, mart_rows, order_and_page,
    run_page, split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES, negotiate, render
from infralyzer.api.semantic_layer import Filter, MetricQuery, parse_generated

router = APIRouter(prefix="/kpi", tags=["kpi"], responses=TABULAR_RESPONSES)

# KPI ids are snake_case names (macros/kpi/kpi_definitions.sql); the pattern keeps anything else
# out of the semantic layer's where filter
KpiParam = Annotated[list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\s*,\s*[a-z0-9_]+)*$")]] | None,
                     Query(description="KPI ids (e.g. compute_ondemand_coverage); repeat or "
                           "comma-separate.", max_length=100)]


# the rollup's columns: its keys, then the metrics (models/semantic/_metrics.yml) by output name
ROLLUP_KEYS = {"billing_period": "kpi_row__billing_period", "kpi_id": "kpi_row__kpi_id",
               "kpi_name": "kpi_row__kpi_name", "direction": "kpi_row__direction",
               "cost_basis": "kpi_row__cost_basis", "goal": "kpi_row__goal"}
ROLLUP_METRICS = {"numerator": "kpi_numerator", "denominator": "kpi_denominator",
                  "potential_savings": "kpi_potential_savings", "goal_savings": "kpi_goal_savings",
                  "coverage": "kpi_coverage", "account_count": "kpi_account_count"}


def rollup_query(f: Filters, kpis: list[str]) -> MetricQuery:
    """The KPI metrics per period and KPI over the filtered accounts (the MCP `kpi_status` tool too)."""
    filters = [Filter(dimension="kpi_row__billing_period", op=op, value=value)
               for op, value in ((">=", f.period_from), ("<=", f.period_to)) if value]
    filters += [Filter(dimension=dimension, op="in", value=values)
                for dimension, values in (("kpi_row__kpi_id", kpis), ("account", f.accounts)) if values]
    return MetricQuery(metrics=list(ROLLUP_METRICS.values()), group_by=list(ROLLUP_KEYS.values()), filters=filters)


@router.get("/summary", summary="The KPI tracker: coverage, goal and savings per period, account and KPI (fct_kpi_tracker)")
def summary(
    ctx: Context, request: Request, f: AccountFilters, p: Pagination, kpi: KpiParam = None,
    rollup: Annotated[bool, Query(description="One row per billing period and KPI over the (filtered, "
                                              "key-visible) accounts: sums of numerator, denominator and "
                                              "savings, coverage as their ratio.")] = False,
    fmt: FormatParam = None,
) -> Response:
    """Rows of the KPI tracker (404 `mart_not_published` when the snapshot has none). With
    `rollup=true`, the semantic layer's KPI metrics per period and KPI: coverage is `kpi_coverage`,
    a ratio of sums, never an average of the accounts' coverages."""
    table = "fct_kpi_tracker"
    if not rollup:
        return mart_rows(ctx, request, fmt, table, f, p, ["billing_period", "kpi_id", "usage_account_id"],
                         extra_in={"kpi_id": split_values(kpi)})
    ctx.catalog.require(table, ctx.principal)
    Builder(table).apply(f, ctx.catalog)  # the same filters as the rows: refuses a column the mart lacks
    metric_query = rollup_query(f, split_values(kpi))
    generated = request.app.state.semantic_layers.for_session(ctx.session).sql(metric_query)
    columns = {**ROLLUP_KEYS, **ROLLUP_METRICS}
    query = exp.select(*[exp.alias_(exp.column(source), name) for name, source in columns.items()]).from_(
        parse_generated(generated).subquery("kpi_rollup"))
    query = order_and_page(query, p, list(columns), ["billing_period", "kpi_id"])
    table, elapsed, extra = run_page(ctx, query, {}, p, allow_catalog_prefix=True)
    return render(table, negotiate(request, fmt), ctx.info, elapsed, extra, cached=ctx.cache_hit)


@router.get("/unit-costs", summary="Unit costs per period, account, region and unit metric (fct_unit_costs)")
def unit_costs(ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_unit_costs", f, p, ["billing_period", "unit_metric", "usage_account_id"])
