"""AI insights, recommendations: what to look at first, in dollars (fct_insight_recommendations).

The choice of items (the counted top savings actions, the recent medium and high anomalies of the
account monitors) and their ranking live in the mart; this handler only filters and pages it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    Builder, CommonFilters, FormatParam, Pagination, allowed_values, builder_rows, choice_list,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/ai", tags=["ai"], responses=TABULAR_RESPONSES)

KINDS = ("savings_action", "cost_anomaly")
KindValues = choice_list(*KINDS)


@router.get("/recommendations", summary="The de-duplicated top savings actions and the spend anomalies worth a look, "
                                        "ranked by dollars (fct_insight_recommendations)")
def recommendations(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    kind: Annotated[KindValues | None, Query(description="savings_action, cost_anomaly; repeat or comma-separate.",
                                             max_length=2)] = None,
    min_dollars: Annotated[float | None, Query(ge=0, description="Least dollars (an action's counted monthly "
                                                                 "savings, an anomaly's impact).")] = None,
    fmt: FormatParam = None,
) -> Response:
    """`kind` says what each row is and `dollars_basis` what its dollars are: a savings action's
    counted monthly savings (each account's latest snapshot) or an anomaly's impact (actual -
    expected cost of the day, the CUR's last 30 days). `from`/`to` filter the billing period;
    `account`, `service` and `region` the row's. An account-scoped key sees its accounts' rows."""
    table = "fct_insight_recommendations"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog)
    b.where_in("kind", allowed_values("kind", kind, KINDS))
    b.where("dollars", exp.GTE, min_dollars)
    return builder_rows(ctx, request, fmt, b, p, ["-dollars", "kind", "item_id"])
