"""What the mart endpoints share: filter parameters, pagination, sorting, and building the query.

Queries are sqlglot ASTs; every value a caller sends becomes a bound `$p<n>` parameter, every
name (column, sort key, cost basis) comes from a whitelist. No SQL text is built from user input.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, Query, Request
from pydantic import StringConstraints
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.auth import ACCOUNT_ID
from infralyzer.api.deps import QueryContext
from infralyzer.api.errors import ApiError
from infralyzer.api.formats import Format, negotiate, render
from infralyzer.api.scope import MartCatalog

_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
_ACCOUNT = re.compile(rf"^{ACCOUNT_ID}$")
_ACCOUNTS = rf"^\s*{ACCOUNT_ID}(\s*,\s*{ACCOUNT_ID})*\s*$"  # one value of `account`: ids, comma-separated


class CostBasis(str, Enum):
    """The cost bases of macros/cost/cost_bases.sql, as columns of the spend marts."""

    unblended = "unblended"
    amortized = "amortized"
    net_unblended = "net_unblended"
    net_amortized = "net_amortized"
    public_on_demand = "public_on_demand"

    @property
    def column(self) -> str:
        return f"{self.value}_cost"


@dataclass
class Filters:
    period_from: str | None = None
    period_to: str | None = None
    accounts: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def split_values(values: list[str] | None) -> list[str]:
    """Repeated (`?account=a&account=b`) or comma-separated (`?account=a,b`) values."""
    out: list[str] = []
    for value in values or []:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def choice_list(*allowed: str) -> Any:
    """The type of a repeated or comma-separated parameter whose values are each one of `allowed`,
    so the OpenAPI states the choice (a pattern: comma-separated values cannot be an enum)."""
    one = "|".join(re.escape(a) for a in allowed)
    return list[Annotated[str, StringConstraints(pattern=rf"^\s*({one})\s*(,\s*({one})\s*)*$")]]


def allowed_values(name: str, values: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    """The values of a repeated or comma-separated parameter, each one of `allowed` (else 422)."""
    chosen = split_values(values)
    bad = [v for v in chosen if v not in allowed]
    if bad:
        raise ApiError(422, "invalid_parameter", f"{name} is one of {', '.join(allowed)}.", {name: bad[:10]})
    return chosen


async def filters(
    period_from: Annotated[str | None, Query(alias="from", pattern=_PERIOD, description="First billing period, YYYY-MM.",
                                             openapi_examples={"july": {"value": "2026-07"}})] = None,
    period_to: Annotated[str | None, Query(alias="to", pattern=_PERIOD, description="Last billing period, YYYY-MM.",
                                           openapi_examples={"september": {"value": "2026-09"}})] = None,
    account: Annotated[list[Annotated[str, StringConstraints(pattern=_ACCOUNTS)]] | None,
                       Query(description="Account ids (AWS: 12 digits; Azure: /subscriptions/<id>; Google Cloud: "
                                         "project id); repeat or comma-separate.", max_length=500)] = None,
    service: Annotated[list[str] | None, Query(description="Services (e.g. AmazonEC2); repeat or comma-separate.",
                                               max_length=500)] = None,
    region: Annotated[list[str] | None, Query(description="Region codes; repeat or comma-separate.",
                                              max_length=500)] = None,
) -> Filters:
    return make_filters(period_from, period_to, account, service, region)


def make_filters(period_from: str | None, period_to: str | None, account: list[str] | None,
                 service: list[str] | None, region: list[str] | None) -> Filters:
    """The common filters, checked (the endpoints' and the Python client's)."""
    for name, period in (("from", period_from), ("to", period_to)):
        if period is not None and not re.match(_PERIOD, period):
            raise ApiError(422, "invalid_parameter", f"`{name}` is a billing period, YYYY-MM.", {name: period})
    accounts = split_values(account)
    bad = [a for a in accounts if not _ACCOUNT.match(a)]
    if bad:
        raise ApiError(422, "invalid_parameter", "Account ids are AWS accounts (12 digits), Azure subscriptions "
                       "(/subscriptions/<id>) or Google Cloud project ids.", {"account": bad[:10]})
    if period_from and period_to and period_from > period_to:
        raise ApiError(422, "invalid_parameter", "`from` is after `to`.", {"from": period_from, "to": period_to})
    return Filters(period_from, period_to, accounts, split_values(service), split_values(region))


CommonFilters = Annotated[Filters, Depends(filters)]


def filters_for(*dimensions: str) -> Any:
    """The common filters an endpoint's mart can apply: `from`/`to` and, of `account`, `service`
    and `region`, the ones named. The OpenAPI then offers only filters the endpoint accepts."""
    signature = inspect.signature(filters)
    kept = [p for p in signature.parameters.values() if p.name in ("period_from", "period_to", *dimensions)]

    async def some_filters(**values: Any) -> Filters:
        return await filters(**values)

    some_filters.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return Annotated[Filters, Depends(some_filters)]


PeriodFilters = filters_for()
AccountFilters = filters_for("account")
AccountServiceFilters = filters_for("account", "service")
AccountRegionFilters = filters_for("account", "region")


@dataclass
class Page:
    limit: int | None  # None: every row (the Python client's whole mart; the endpoints always page)
    offset: int
    sort: list[str]


async def page(
    request: Request,
    limit: Annotated[int, Query(ge=1, description="Rows to return (at most INFRALYZER_API_MAX_PAGE_SIZE).")] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")] = 0,
    sort: Annotated[list[str] | None, Query(description="Sort columns, `-` for descending (e.g. `-amortized_cost`); "
                                                        "only the endpoint's columns.")] = None,
) -> Page:
    max_size = request.app.state.settings.api_max_page_size
    if limit > max_size:
        raise ApiError(422, "invalid_parameter", f"limit is at most {max_size}.", {"limit": limit})
    return Page(limit, offset, split_values(sort))


Pagination = Annotated[Page, Depends(page)]

FormatParam = Annotated[Format | None, Query(alias="format", description="json (default), csv, parquet or arrow; "
                                                                          "overrides the Accept header.")]


class Builder:
    """A `select` over one mart with bound parameters."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.params: dict[str, Any] = {}
        self.conditions: list[exp.Expression] = []

    def param(self, value: Any) -> exp.Placeholder:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return exp.Placeholder(this=name)

    def where_in(self, column: str, values: list[Any]) -> Builder:
        if values:
            self.conditions.append(exp.column(column).isin(*[self.param(v) for v in values]))
        return self

    def where(self, column: str, op: type[exp.Binary], value: Any) -> Builder:
        if value is not None:
            self.conditions.append(op(this=exp.column(column), expression=self.param(value)))
        return self

    def apply(self, f: Filters, catalog: MartCatalog, *, period: str | None = "billing_period") -> Builder:
        """The common filters, on the columns the mart has; `account` on the account column it
        declares (the one account scoping uses)."""
        columns = catalog.columns[self.table]
        if period and period in columns:
            self.where(period, exp.GTE, f.period_from).where(period, exp.LTE, f.period_to)
        account = catalog.account_column(self.table)
        if f.accounts:
            if account is None:
                raise ApiError(422, "invalid_parameter", f"{self.table} has no account column to filter on.")
            self.where_in(account, f.accounts)
        for name, values in (("service", f.services), ("region", f.regions)):
            if values:
                if name not in columns:
                    raise ApiError(422, "invalid_parameter", f"{self.table} has no {name} column to filter on.")
                self.where_in(name, values)
        return self

    def select(self, *expressions: exp.Expression | str, group_by: list[str] | None = None) -> exp.Select:
        query = exp.select(*expressions).from_(exp.table_(self.table, db="marts"))
        if self.conditions:
            query = query.where(exp.and_(*self.conditions))
        if group_by:
            query = query.group_by(*[exp.column(c) for c in group_by])
        return query


def order_and_page(query: exp.Select, p: Page, allowed: list[str], default: list[str]) -> exp.Select:
    """ORDER BY whitelisted output columns (then every column, for a stable page), LIMIT and OFFSET."""
    keys = p.sort or default
    order: list[exp.Expression] = []
    for key in keys:
        desc = key.startswith("-")
        name = key.lstrip("-+")
        if name not in allowed:
            raise ApiError(422, "invalid_parameter", f"Cannot sort by {name!r}.", {"sortable": allowed})
        order.append(exp.Ordered(this=exp.column(name), desc=desc, nulls_first=False))
    seen = {k.lstrip("-+") for k in keys}
    order += [exp.Ordered(this=exp.column(c), nulls_first=True) for c in allowed if c not in seen]
    query = query.order_by(*order)
    return query.offset(p.offset) if p.limit is None else query.limit(p.limit + 1).offset(p.offset)


def run_page(ctx: QueryContext, query: exp.Select, params: dict[str, Any],
             p: Page | None = None, *, allow_catalog_prefix: bool = False) -> tuple[pa.Table, float, dict[str, Any]]:
    """Run the query: (rows, elapsed ms, and with a page whether there is more). `allow_catalog_prefix`:
    the query reads marts as MetricFlow names them (`"<database>"."marts"."<mart>"`)."""
    table, elapsed = ctx.run(query, params, allow_catalog_prefix=allow_catalog_prefix)
    extra: dict[str, Any] = {}
    if p is not None:
        has_more = p.limit is not None and table.num_rows > p.limit
        table = table.slice(0, p.limit)
        extra = {"limit": p.limit, "offset": p.offset, "has_more": has_more}
    return table, elapsed, extra


def respond(ctx: QueryContext, request: Request, fmt: Format | None, query: exp.Select, params: dict[str, Any],
            p: Page | None = None) -> Response:
    """Run the query and answer in the negotiated format; with a page, say whether there is more."""
    table, elapsed, extra = run_page(ctx, query, params, p)
    return render(table, negotiate(request, fmt), ctx.info, elapsed, extra, cached=ctx.cache_hit)


def builder_rows(ctx: QueryContext, request: Request, fmt: Format | None, b: "Builder", p: Page,
                 default_sort: list[str]) -> Response:
    """Every column of the builder's mart, with its filters, sorted and paged."""
    columns = ctx.catalog.columns[b.table]
    query = order_and_page(b.select(*[exp.column(c) for c in columns]), p, ctx.catalog.sortable(b.table),
                           default_sort)
    return respond(ctx, request, fmt, query, b.params, p)


def mart_rows(ctx: QueryContext, request: Request, fmt: Format | None, table: str, f: Filters, p: Page,
              default_sort: list[str] | None = None, extra_in: dict[str, list[Any]] | None = None) -> Response:
    """Rows of one mart, filtered, sorted and paged: the shape of most endpoints."""
    query, params = mart_query(ctx, table, f, p, default_sort, extra_in)
    return respond(ctx, request, fmt, query, params, p)


def mart_query(ctx: QueryContext, table: str, f: Filters, p: Page, default_sort: list[str] | None = None,
               extra_in: dict[str, list[Any]] | None = None) -> tuple[exp.Select, dict[str, Any]]:
    """The query of `mart_rows` and its bound values (the Python client runs it too)."""
    ctx.catalog.require(table, ctx.principal)
    columns = ctx.catalog.columns[table]
    b = Builder(table).apply(f, ctx.catalog)
    for column, values in (extra_in or {}).items():
        b.where_in(column, values)
    query = b.select(*[exp.column(c) for c in columns])
    query = order_and_page(query, p, ctx.catalog.sortable(table),
                           [c for c in (default_sort or []) if c.lstrip("-") in columns])
    return query, b.params
