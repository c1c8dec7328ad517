"""Allocation: chargeback, showback, tag compliance, untagged resources (marts/allocation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    AccountServiceFilters, Builder, CommonFilters, FormatParam, Pagination, PeriodFilters, mart_rows, order_and_page,
    respond, split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/allocation", tags=["allocation"], responses=TABULAR_RESPONSES)

DimensionParam = Annotated[list[str] | None, Query(description="Allocation dimensions (team, business_unit, "
                                                              "cost_centre, environment, application).", max_length=20)]
ValueParam = Annotated[list[str] | None, Query(description="Values of the dimension (e.g. a team).", max_length=500)]
TagParam = Annotated[list[str] | None, Query(description="Required tags (allocation dimensions).", max_length=20)]


@router.get("/chargeback", summary="Every dollar owned by a value of each allocation dimension (fct_chargeback)")
def chargeback(ctx: Context, request: Request, f: PeriodFilters, p: Pagination, dimension: DimensionParam = None,
               value: ValueParam = None, fmt: FormatParam = None) -> Response:
    """Organisation-wide (no account column): not available to account-scoped keys."""
    return mart_rows(ctx, request, fmt, "fct_chargeback", f, p, ["billing_period", "dimension", "-amortized_cost"],
                     extra_in={"dimension": split_values(dimension), "dimension_value": split_values(value)})


@router.get("/showback", summary="Spend per allocation dimension value, account and service (fct_showback)")
def showback(ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination, dimension: DimensionParam = None,
             value: ValueParam = None, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_showback", f, p, ["billing_period", "dimension", "-amortized_cost"],
                     extra_in={"dimension": split_values(dimension), "dimension_value": split_values(value)})


@router.get("/tag-compliance", summary="Share of taggable spend carrying each required tag (fct_tag_compliance)")
def tag_compliance(ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination, tag: TagParam = None,
                   fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_tag_compliance", f, p, ["billing_period", "tag", "-amortized_cost"],
                     extra_in={"tag": split_values(tag)})


@router.get("/untagged-resources", summary="Resources missing a required tag, or with a non-standard one (fct_untagged_resources)")
def untagged_resources(ctx: Context, request: Request, f: CommonFilters, p: Pagination, tag: TagParam = None,
                       fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_untagged_resources", f, p, ["billing_period", "-amortized_cost"],
                     extra_in={"tag": split_values(tag)})


@router.get("/resources", summary="Each resource's spend and its allocation values (fct_resource_allocation)")
def resources(ctx: Context, request: Request, f: CommonFilters, p: Pagination,
              team: ValueParam = None, fmt: FormatParam = None) -> Response:
    return mart_rows(ctx, request, fmt, "fct_resource_allocation", f, p, ["billing_period", "-amortized_cost"],
                     extra_in={"team": split_values(team)})


@router.get("/values", summary="The values of each allocation dimension the key's spend carries (fct_showback)")
def values(ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination, dimension: DimensionParam = None,
           fmt: FormatParam = None) -> Response:
    """One row per dimension and value (e.g. the teams): what a filter lists. An account-scoped
    key sees the values of its accounts' spend only."""
    table = "fct_showback"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog).where_in("dimension", split_values(dimension))
    keys = ["dimension", "dimension_value"]
    query = b.select(*[exp.column(c) for c in keys], group_by=keys)
    return respond(ctx, request, fmt, order_and_page(query, p, keys, keys), b.params, p)
