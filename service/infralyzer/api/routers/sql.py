"""`POST /sql/query`: one read-only SELECT over the published marts, for analysts."""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from infralyzer.api.auth import require_analyst
from infralyzer.api.common import FormatParam
from infralyzer.api.deps import Isolated, QueryContext
from infralyzer.api.formats import TABULAR_RESPONSES, Format, negotiate, render
from infralyzer.api.sql_guard import guard

router = APIRouter(prefix="/sql", tags=["sql"], responses=TABULAR_RESPONSES)


class SqlQuery(BaseModel):
    sql: str = Field(description="One SELECT over `marts.<table>` (see GET /tables).", min_length=1)
    limit: int | None = Field(None, ge=1, description="Rows to return; at most INFRALYZER_SQL_ROW_LIMIT.")


EXAMPLES = {
    "spend by service": {
        "summary": "Amortised spend by service and billing period",
        "value": {"sql": "select billing_period, service, sum(amortized_cost) as cost from marts.fct_spend_monthly "
                         "group by all order by billing_period, cost desc", "limit": 100},
    },
    "coverage": {
        "summary": "Commitment coverage per period, a ratio of sums",
        "value": {"sql": "select billing_period, sum(reserved_cost + savings_plan_cost) / sum(eligible_cost) as "
                         "coverage from marts.fct_commitment_coverage group by 1 order by 1"},
    },
}


@router.post("/query", summary="Run one read-only SELECT over the published marts (analyst keys)",
             dependencies=[Depends(require_analyst)])
async def sql_query(
    query: Isolated, request: Request,
    body: Annotated[SqlQuery, Body(openapi_examples=EXAMPLES)],
    fmt: FormatParam = None,
) -> Response:
    """Refused (4xx, `sql_not_allowed`, `table_not_allowed`, `sql_parse_error`, …) unless it is a
    single SELECT over marts using allowed functions; see infralyzer/api/sql_guard.py. An
    account-scoped key's query sees only its accounts' rows. `truncated` says whether the row
    limit cut the result. The query runs in a worker process with a time limit (408), a memory
    limit (`query_too_large`) and a result size limit (`result_too_large`)."""
    return await query.run(_answer, request, body, fmt)


def _answer(ctx: QueryContext, request: Request, body: SqlQuery, fmt: Format | None) -> Response:
    table, elapsed, extra = run_analyst_sql(ctx, body.sql, body.limit)
    return render(table, negotiate(request, fmt), ctx.info, elapsed, extra, cached=ctx.cache_hit)


def run_analyst_sql(ctx: QueryContext, sql: str, limit: int | None) -> tuple[pa.Table, float, dict[str, Any]]:
    """Guard and run analyst SQL: (rows, elapsed ms, {truncated, row_limit}); the Python client's
    guarded `sql()` too."""
    row_limit = min(limit or ctx.settings.sql_row_limit, ctx.settings.sql_row_limit)
    guarded = guard(sql, ctx.cursor, ctx.catalog, ctx.principal, row_limit=row_limit,
                    max_length=ctx.settings.sql_max_length)
    table, elapsed = ctx.run_sql(guarded.sql)
    truncated = table.num_rows > row_limit
    return table.slice(0, row_limit), elapsed, {"truncated": truncated, "row_limit": row_limit}
