"""AI insights, anomaly detection: spend anomalies with their root causes (marts/anomalies).

The detection itself (expected cost, Tukey's fences, severity, root-cause contributions) lives in
the marts; these handlers only filter and page them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    Builder, CommonFilters, Filters, FormatParam, Pagination, allowed_values, builder_rows, choice_list, split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/ai", tags=["ai"], responses=TABULAR_RESPONSES)


MONITORS = ("account", "service", "cost_category")
SEVERITIES = ("low", "medium", "high")
MonitorValues = choice_list(*MONITORS)
SeverityValues = choice_list(*SEVERITIES)


@router.get("/anomaly-detection", summary="Spend anomalies per day and monitor, with expected cost, impact, score, "
                                          "severity and top root cause (fct_cost_anomalies)")
def anomaly_detection(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    monitor: Annotated[MonitorValues | None, Query(description="Monitor dimensions: account, service, cost_category; "
                                                           "repeat or comma-separate.", max_length=10)] = None,
    monitor_value: Annotated[list[str] | None, Query(description="Monitored values (an account id, a service, a "
                                                                 "cost category value); repeat or comma-separate.",
                                                     max_length=500)] = None,
    severity: Annotated[SeverityValues | None, Query(description="low, medium, high; repeat or comma-separate.",
                                                max_length=10)] = None,
    min_impact: Annotated[float | None, Query(ge=0, description="Least impact (actual - expected), dollars.")] = None,
    min_impact_pct: Annotated[float | None, Query(ge=0, description="Least impact, % of expected.")] = None,
    fmt: FormatParam = None,
) -> Response:
    """`from`/`to` filter the billing period of the day; `account` the account monitors of those
    accounts; `service`/`region` the anomalies whose top root cause is in them. An account-scoped
    key sees the monitors of its accounts only (organisation-wide monitors are not its data).
    All root causes of an anomaly: `/ai/anomaly-detection/root-causes?anomaly_id=...`."""
    table = "fct_cost_anomalies"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(Filters(f.period_from, f.period_to, f.accounts), ctx.catalog)
    b.where_in("top_root_cause_service", f.services).where_in("top_root_cause_region", f.regions)
    b.where_in("monitor_dimension", allowed_values("monitor", monitor, MONITORS))
    b.where_in("monitor_value", split_values(monitor_value))
    b.where_in("severity", allowed_values("severity", severity, SEVERITIES))
    b.where("impact_cost", exp.GTE, min_impact).where("impact_pct", exp.GTE, min_impact_pct)
    return builder_rows(ctx, request, fmt, b, p, ["-usage_date", "-impact_cost"])


@router.get("/anomaly-detection/root-causes", summary="Ranked root causes of anomalies, with their dollar "
                                                      "contribution (fct_cost_anomaly_root_causes)")
def anomaly_root_causes(
    ctx: Context, request: Request, f: CommonFilters, p: Pagination,
    anomaly_id: Annotated[list[str] | None, Query(description="Anomaly ids (fct_cost_anomalies.anomaly_id); repeat "
                                                              "or comma-separate.", max_length=500)] = None,
    fmt: FormatParam = None,
) -> Response:
    """An anomaly's contributions add up to its impact to the cent. `from`/`to` filter the billing period
    of the day; `account`, `service` and `region` the root causes. An account-scoped key
    sees the root causes in its accounts only."""
    table = "fct_cost_anomaly_root_causes"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog)
    b.where_in("anomaly_id", split_values(anomaly_id))
    return builder_rows(ctx, request, fmt, b, p, ["anomaly_id", "root_cause_rank"])

