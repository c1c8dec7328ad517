"""The published marts with their columns and descriptions (from dbt's docs, published with them),
and the rows of any mart (filtered, sorted, paged)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from infralyzer.api.common import CommonFilters, FormatParam, Pagination, mart_rows
from infralyzer.api.deps import Context, QueryContext
from infralyzer.api.formats import TABULAR_RESPONSES, answer_headers, freshness

router = APIRouter(tags=["tables"])


class Column(BaseModel):
    name: str
    data_type: str
    description: str | None


class Table(BaseModel):
    name: str
    description: str | None
    row_count: int
    account_column: str | None = None
    columns: list[Column]


class Freshness(BaseModel):
    snapshot: str
    built_at: str | None
    newest_billing_period: str | None


class Tables(BaseModel):
    data: list[Table]
    row_count: int
    freshness: Freshness | None = None


@router.get("/tables", response_model=Tables, summary="Published marts, their columns and docs")
def list_tables(ctx: Context, response: Response) -> Tables:
    response.headers.update(answer_headers(ctx.info))  # as the tabular answers: the response cache keeps it too
    return table_catalog(ctx)


def table_catalog(ctx: QueryContext) -> Tables:
    """The marts the caller may read, with their columns and docs (the Python client's `marts()` too)."""
    listing = ctx.session.table_listing()  # the backend's: snapshot docs, or Athena's catalog and Glue
    table_docs, counts = listing.table_docs, listing.row_counts
    tables: dict[str, Table] = {}
    for table_name, column_name, data_type, description in listing.columns:
        if not ctx.catalog.visible_to(table_name, ctx.principal):
            continue
        table = tables.setdefault(
            table_name,
            Table(
                name=table_name,
                description=table_docs.get(table_name),
                # an account-scoped key does not learn the size of the organisation's data
                row_count=0 if ctx.principal.scoped else counts.get(table_name, 0),
                account_column=ctx.catalog.account_column(table_name),
                columns=[],
            ),
        )
        table.columns.append(Column(name=column_name, data_type=data_type, description=description))
    return Tables(data=list(tables.values()), row_count=len(tables), freshness=Freshness(**freshness(ctx.info)))


@router.get("/tables/{table}", summary="Rows of one published mart", responses=TABULAR_RESPONSES)
def table_rows(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    table: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="A mart name from GET /tables.",
                               openapi_examples={"monthly spend": {"value": "fct_spend_monthly"}})],
    fmt: FormatParam = None,
) -> Response:
    """Filters apply to the columns the mart has (`billing_period`, an account column, `service`,
    `region`); sorting by any of its columns."""
    return mart_rows(ctx, request, fmt, table, f, p)
