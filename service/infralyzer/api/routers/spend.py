"""Spend: the invoice, trends, breakdowns in any cost basis, top movers (marts/spend)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    AccountFilters, AccountServiceFilters, Builder, CommonFilters, CostBasis, FormatParam, Pagination,
    mart_rows, order_and_page, respond,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/spend", tags=["spend"], responses=TABULAR_RESPONSES)


class Dimension(str, Enum):
    service = "service"
    account = "account"
    region = "region"
    usage_type = "usage_type"
    charge_class = "charge_class"
    purchase_option = "purchase_option"
    payer = "payer"

    @property
    def column(self) -> str:
        return {"account": "usage_account_id", "payer": "payer_account_id"}.get(self.value, self.value)


class Grain(str, Enum):
    month = "month"
    day = "day"


@router.get("/invoice-summary", summary="What the invoice says, per billing period and payer (fct_invoice_summary)")
def invoice_summary(ctx: Context, request: Request, f: AccountFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    """Unblended cost by charge class and the totals on every basis. `account` filters payers.
    A payer's total covers every member account: not for account-scoped keys (403)."""
    return mart_rows(ctx, request, fmt, "fct_invoice_summary", f, p, ["billing_period", "payer_account_id"])


@router.get("/trends", summary="Month-over-month trends per account and service (fct_spend_trends)")
def trends(ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_spend_trends", f, p, ["billing_period", "-amortized_cost"])


@router.get("/top-movers", summary="The account × service pairs that moved most since the previous period (fct_top_movers)")
def top_movers(ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    """The mart's ranking is over all accounts: not for account-scoped keys (403), whose own
    month-over-month changes are in `/spend/trends`."""
    return mart_rows(ctx, request, fmt, "fct_top_movers", f, p, ["billing_period", "mover_rank"])


@router.get(
    "/by/{dimension}",
    summary="Spend by service, account, region, usage type, … in a chosen cost basis (fct_spend_monthly / fct_spend_daily)",
)
def breakdown(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    dimension: Dimension,
    cost_basis: Annotated[CostBasis, Query(description="Which cost: unblended (billed), amortized (effective), "
                                                       "net_unblended, net_amortized or public_on_demand (list).")]
    = CostBasis.amortized,
    grain: Annotated[Grain, Query(description="month (billing period) or day (usage date).")] = Grain.month,
    fmt: FormatParam = None,
) -> Response:
    """One row per billing period (or usage date) and value of the dimension: the sum of the
    chosen cost basis column of the spend mart (`cost`) and the number of line items."""
    table = "fct_spend_monthly" if grain is Grain.month else "fct_spend_daily"
    ctx.catalog.require(table, ctx.principal)
    time_column = "billing_period" if grain is Grain.month else "usage_date"
    b = Builder(table).apply(f, ctx.catalog)
    query = b.select(
        exp.column(time_column),
        exp.alias_(exp.column(dimension.column), dimension.value),
        exp.alias_(exp.Sum(this=exp.column(cost_basis.column)), "cost"),
        exp.alias_(exp.Sum(this=exp.column("line_item_count")), "line_item_count"),
        group_by=[time_column, dimension.column],
    )
    query = order_and_page(query, p, [time_column, dimension.value, "cost", "line_item_count"],
                           [time_column, "-cost"])
    response = respond(ctx, request, fmt, query, b.params, p)
    response.headers["X-Infralyzer-Cost-Basis"] = cost_basis.value
    return response
