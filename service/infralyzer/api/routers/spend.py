"""Spend: the invoice, trends, breakdowns in any cost basis, top movers (marts/spend), and every
cloud's spend by provider (marts/cloud)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import StringConstraints
from sqlglot import exp

from infralyzer.api.common import (
    AccountFilters, AccountServiceFilters, Builder, CommonFilters, CostBasis, FormatParam, Pagination,
    mart_rows, order_and_page, respond, split_values,
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


class CloudDimension(str, Enum):
    """What every cloud's spend can be broken down by (fct_cloud_spend_daily)."""

    provider = "provider"
    account = "account"
    billing_account = "billing_account"
    service = "service"
    service_category = "service_category"
    region = "region"

    @property
    def column(self) -> str:
        return {"account": "sub_account_id", "billing_account": "billing_account_id"}.get(self.value, self.value)


class CloudCost(str, Enum):
    """The costs every provider has: billed (AWS unblended, FOCUS BilledCost), effective (AWS
    amortised, FOCUS EffectiveCost), list (AWS public on-demand, FOCUS ListCost)."""

    billed = "billed"
    effective = "effective"
    list = "list"

    @property
    def column(self) -> str:
        return f"{self.value}_cost"


_PROVIDERS = r"^\s*[a-z][a-z0-9 ._-]{0,49}(\s*,\s*[a-z][a-z0-9 ._-]{0,49})*\s*$"


@router.get(
    "/clouds/by/{dimension}",
    summary="Every cloud's spend by provider, account, service, … (fct_cloud_spend_daily)",
)
def cloud_breakdown(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    dimension: CloudDimension,
    provider: Annotated[list[Annotated[str, StringConstraints(pattern=_PROVIDERS)]] | None,
                        Query(description="Providers: aws, azure, gcp (or another FOCUS provider's name in lower "
                                          "case); repeat or comma-separate.", max_length=50)] = None,
    cost: Annotated[CloudCost, Query(description="billed, effective (default) or list.")] = CloudCost.effective,
    grain: Annotated[Grain, Query(description="month (billing period) or day.")] = Grain.month,
    fmt: FormatParam = None,
) -> Response:
    """One row per billing period (or day), provider, value of the dimension and billing currency
    (costs of different currencies are never added up): the sum of the chosen cost (`cost`) and
    of the rows behind it. AWS from our CUR spend rules, other clouds from their FOCUS exports;
    `account` filters (and a scoped key sees) sub-accounts of any provider: AWS accounts, Azure
    subscriptions, Google Cloud projects."""
    table = "fct_cloud_spend_daily"
    ctx.catalog.require(table, ctx.principal)
    time_column = "billing_period" if grain is Grain.month else "usage_date"
    b = Builder(table).apply(f, ctx.catalog).where_in("provider", split_values(provider))
    keys = list(dict.fromkeys([time_column, "provider", dimension.column, "billing_currency"]))
    query = b.select(
        *[exp.alias_(exp.column(k), dimension.value) if k == dimension.column and k != dimension.value
          else exp.column(k) for k in keys],
        exp.alias_(exp.Sum(this=exp.column(cost.column)), "cost"),
        exp.alias_(exp.Sum(this=exp.column("charge_row_count")), "charge_row_count"),
        group_by=keys,
    )
    names = [dimension.value if k == dimension.column else k for k in keys]
    query = order_and_page(query, p, names + ["cost", "charge_row_count"], [time_column, "-cost"])
    response = respond(ctx, request, fmt, query, b.params, p)
    response.headers["X-Infralyzer-Cost"] = cost.value
    return response
