"""Optimisation: idle resources, rightsizing, the ranked, de-duplicated savings actions
(fct_savings_actions) and COH's recommendations with their age (fct_optimization_recommendations).
Every figure comes from the marts; the handlers only filter and sort."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlglot import exp

from infralyzer.api.common import (
    Builder,
    CommonFilters,
    FormatParam,
    Pagination,
    allowed_values,
    builder_rows,
    choice_list,
    filters_for,
    mart_rows,
    order_and_page,
    respond,
    split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/optimization", tags=["optimization"], responses=TABULAR_RESPONSES)

TABLE = "fct_savings_actions"
DEFAULT_SORT = ["-counted_monthly_savings", "-estimated_monthly_savings", "action_id"]

TeamParam = Annotated[list[str] | None, Query(description="Teams owning the resource; repeat or comma-separate.",
                                              max_length=100)]
ActionTypeParam = Annotated[list[str] | None, Query(description="Action types (Rightsize, Stop, Delete, Upgrade, "
                                                                "MigrateToGraviton, PurchaseSavingsPlans, ...).",
                                                    max_length=50)]
EffortParam = Annotated[list[str] | None, Query(description="Implementation effort (VeryLow, Low, Medium, High, "
                                                            "VeryHigh).", max_length=5)]
MinSavingsParam = Annotated[float | None, Query(ge=0, description="Only actions counting at least this much a "
                                                                     "month (counted_monthly_savings).")]
# Cost Optimization Hub's rows carry an account and a region, no service
RecommendationFilters = filters_for("account", "region")
LatestParam = Annotated[bool, Query(description="Only each account's latest billing period (the current list).")]
AlternativesParam = Annotated[bool, Query(description="Also the alternatives (actions that are not the top action "
                                                      "on their resource).")]


def _actions(ctx: Context, request: Request, f: CommonFilters, p: Pagination, fmt: FormatParam, *,
             category: str | None, team: list[str] | None, action_type: list[str] | None,
             effort: list[str] | None, min_savings: float | None, latest_only: bool,
             include_alternatives: bool) -> Response:
    ctx.catalog.require(TABLE, ctx.principal)
    columns = ctx.catalog.columns[TABLE]
    b = Builder(TABLE).apply(f, ctx.catalog)
    b.where_in("action_category", [category] if category else [])
    b.where_in("team", split_values(team)).where_in("action_type", split_values(action_type))
    b.where_in("implementation_effort", split_values(effort))
    b.where("counted_monthly_savings", exp.GTE, min_savings)
    if latest_only:
        b.conditions.append(exp.column("is_latest_snapshot"))
    if not include_alternatives:
        b.conditions.append(exp.column("is_top_action"))
    query = order_and_page(b.select(*[exp.column(c) for c in columns]), p, ctx.catalog.sortable(TABLE), DEFAULT_SORT)
    return respond(ctx, request, fmt, query, b.params, p)


@router.get("/idle-resources", summary="Idle resources to stop or delete, by counted savings (fct_savings_actions)")
def idle_resources(ctx: Context, request: Request, f: CommonFilters, p: Pagination, team: TeamParam = None,
                   action_type: ActionTypeParam = None, effort: EffortParam = None,
                   min_savings: MinSavingsParam = None, latest_only: LatestParam = True,
                   include_alternatives: AlternativesParam = False, fmt: FormatParam = None) -> Response:
    """Stop and Delete actions (action_category 'idle'): COH's idle instances and unattached
    volumes, and the CUR's idle IPv4 addresses, NAT gateways, load balancers and old snapshots."""
    return _actions(ctx, request, f, p, fmt, category="idle", team=team, action_type=action_type, effort=effort,
                    min_savings=min_savings, latest_only=latest_only, include_alternatives=include_alternatives)


@router.get("/rightsizing", summary="Rightsizing, Graviton and upgrade actions, by counted savings (fct_savings_actions)")
def rightsizing(ctx: Context, request: Request, f: CommonFilters, p: Pagination, team: TeamParam = None,
                action_type: ActionTypeParam = None, effort: EffortParam = None,
                min_savings: MinSavingsParam = None, latest_only: LatestParam = True,
                include_alternatives: AlternativesParam = False, fmt: FormatParam = None) -> Response:
    """Rightsize, MigrateToGraviton, Upgrade and ScaleIn actions (action_category 'rightsizing'),
    including the CUR's gp2 volumes and previous-generation instances."""
    return _actions(ctx, request, f, p, fmt, category="rightsizing", team=team, action_type=action_type,
                    effort=effort, min_savings=min_savings, latest_only=latest_only,
                    include_alternatives=include_alternatives)


@router.get("/cost-savings", summary="The ranked, de-duplicated list of savings actions (fct_savings_actions)")
def cost_savings(ctx: Context, request: Request, f: CommonFilters, p: Pagination, team: TeamParam = None,
                 action_type: ActionTypeParam = None, effort: EffortParam = None,
                 min_savings: MinSavingsParam = None, latest_only: LatestParam = True,
                 include_alternatives: AlternativesParam = False, fmt: FormatParam = None) -> Response:
    """Every action (usage and rate), ranked by what it counts: only `counted_monthly_savings`
    adds up (one action per resource; stale, exception and overlapping purchase actions count 0)."""
    return _actions(ctx, request, f, p, fmt, category=None, team=team, action_type=action_type, effort=effort,
                    min_savings=min_savings, latest_only=latest_only, include_alternatives=include_alternatives)


@router.get("/recommendations", summary="Cost Optimization Hub's latest recommendations with their age "
            "(fct_optimization_recommendations)")
def recommendations(ctx: Context, request: Request, f: RecommendationFilters, p: Pagination,
                    action_type: ActionTypeParam = None, effort: EffortParam = None,
                    fmt: FormatParam = None) -> Response:
    """Each account's latest snapshot; sort by `-age_days` for the longest-ignored ones."""
    return mart_rows(ctx, request, fmt, "fct_optimization_recommendations", f, p,
                     ["-estimated_monthly_savings_after_discount", "recommendation_id"],
                     extra_in={"action_type": split_values(action_type),
                               "implementation_effort": split_values(effort)})


REALISATION_STATUSES = ("commitment_purchase", "open", "alternative", "insufficient_history", "too_recent",
                        "implemented", "disappeared_without_cost_change")
StatusValues = choice_list(*REALISATION_STATUSES)


@router.get("/realised-savings", summary="The realised-savings ledger: estimated against verified monthly savings "
            "of the actions that disappeared (fct_realised_savings)")
def realised_savings(ctx: Context, request: Request, f: CommonFilters, p: Pagination,
                     status: Annotated[StatusValues | None, Query(description="Realisation statuses ("
                                                                  + ", ".join(REALISATION_STATUSES)
                                                                  + "); repeat or comma-separate.",
                                                                  max_length=10)] = None,
                     action_type: ActionTypeParam = None, fmt: FormatParam = None) -> Response:
    """One row per savings action as last recommended. `from`/`to` filter the billing period it
    was last seen in. Once it disappeared, the resource's effective cost in the 30 days before and
    after the day it changed is the verified saving (per 730-hour month), next to the estimate;
    commitment purchases are left to the commitment savings (status commitment_purchase)."""
    table = "fct_realised_savings"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog, period="last_seen_period")
    b.where_in("realisation_status", allowed_values("status", status, REALISATION_STATUSES))
    b.where_in("action_type", split_values(action_type))
    return builder_rows(ctx, request, fmt, b, p, ["-verified_monthly_savings", "-estimated_monthly_savings",
                                                  "action_id"])
