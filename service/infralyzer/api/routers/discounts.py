"""Discounts: commitment utilisation and coverage, savings, Savings Plan sizing, expiring commitments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    AccountFilters, AccountRegionFilters, Builder, CommonFilters, FormatParam, Pagination, mart_rows,
    order_and_page, respond,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/discounts", tags=["discounts"], responses=TABULAR_RESPONSES)


@router.get("/utilization", summary="Utilisation and savings of each RI and Savings Plan per period (fct_commitment_utilization)")
def utilization(ctx: Context, request: Request, f: AccountFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    """`account` filters the payer that owns the commitment."""
    return mart_rows(ctx, request, fmt, "fct_commitment_utilization", f, p, ["billing_period", "-total_commitment"])


@router.get("/coverage", summary="Commitment coverage of eligible usage (fct_commitment_coverage)")
def coverage(ctx: Context, request: Request, f: CommonFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    """Per period, account, commit service group, service and region. Re-aggregate coverage as a
    ratio of sums (or use the `commitment_coverage` metric), never as an average."""
    return mart_rows(ctx, request, fmt, "fct_commitment_coverage", f, p, ["billing_period", "-eligible_cost"])


@router.get("/savings", summary="Savings against public on-demand prices per account (fct_savings_summary)")
def savings(ctx: Context, request: Request, f: AccountFilters, p: Pagination, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_savings_summary", f, p, ["billing_period", "-total_savings"])


@router.get("/savings-plan-sizing", summary="Savings Plan purchase candidates and the recommended one (fct_savings_plan_sizing)")
def savings_plan_sizing(
    ctx: Context, request: Request, f: AccountFilters, p: Pagination,
    recommended_only: Annotated[bool, Query(description="Only the recommended candidate per payer.")] = False,
    fmt: FormatParam = None,
) -> Response:
    """The opportunity: per payer, candidate hourly commitments with what they would cover and save."""
    table = "fct_savings_plan_sizing"
    ctx.catalog.require(table, ctx.principal)
    columns = ctx.catalog.columns[table]
    b = Builder(table).apply(f, ctx.catalog)
    if recommended_only:
        b.conditions.append(exp.column("is_recommended"))
    query = order_and_page(b.select(*[exp.column(c) for c in columns]), p, ctx.catalog.sortable(table),
                           ["payer_account_id", "candidate_rank"])
    return respond(ctx, request, fmt, query, b.params, p)


@router.get("/commitments", summary="The RI and Savings Plan inventory (dim_commitments)")
def commitments(
    ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650, description="Only commitments not yet expired "
                                                      "that end within this many days.")] = None,
    fmt: FormatParam = None,
) -> Response:
    table = "dim_commitments"
    ctx.catalog.require(table, ctx.principal)
    columns = ctx.catalog.columns[table]
    b = Builder(table).apply(f, ctx.catalog, period=None)
    if expiring_within_days is not None:
        b.where("days_until_expiry", exp.GTE, 0).where("days_until_expiry", exp.LTE, expiring_within_days)
    query = order_and_page(b.select(*[exp.column(c) for c in columns]), p, ctx.catalog.sortable(table),
                           ["days_until_expiry", "commitment_arn"])
    return respond(ctx, request, fmt, query, b.params, p)


@router.get("/expiring-commitments", summary="Commitments ending within `days` (default 90) (dim_commitments)")
def expiring_commitments(
    ctx: Context, request: Request, f: AccountRegionFilters, p: Pagination,
    days: Annotated[int, Query(ge=0, le=3650)] = 90,
    fmt: FormatParam = None,
) -> Response:
    return commitments(ctx, request, f, p, days, fmt)
