"""AI insights, forecasts and budgets: month forecasts of effective cost with their prediction
intervals, their measured accuracy, and budgets against actual and forecast (marts/forecasts,
marts/budgets).

The forecasting (models, backtest, intervals) and the budget arithmetic live in the marts; these
handlers only filter and page them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from infralyzer.api.common import (
    AccountFilters, AccountServiceFilters, Builder, FormatParam, Pagination, allowed_values, builder_rows, choice_list,
    split_values,
)
from infralyzer.api.deps import Context
from infralyzer.api.formats import TABULAR_RESPONSES

router = APIRouter(prefix="/ai", tags=["ai"], responses=TABULAR_RESPONSES)

FORECAST_SCOPES = ("total", "account", "service")
BUDGET_STATUSES = ("over", "forecast_over", "within", "no_forecast")
ScopeValues = choice_list(*FORECAST_SCOPES)
StatusValues = choice_list(*BUDGET_STATUSES)


@router.get("/forecasting", summary="Month-end and next-3-month forecasts of effective cost with 80 % and 95 % "
                                    "prediction intervals, in total, per account and per service (fct_spend_forecasts)")
def forecasting(
    ctx: Context, request: Request, f: AccountServiceFilters, p: Pagination,
    scope: Annotated[ScopeValues | None, Query(description="Forecast scopes: total, account, service; repeat or "
                                                         "comma-separate (default: all).", max_length=3)] = None,
    fmt: FormatParam = None,
) -> Response:
    """`from`/`to` select forecast billing periods; `account` and `service` select account and
    service forecasts. An account-scoped key sees the forecasts of its accounts only (the
    organisation and service forecasts add up every account)."""
    table = "fct_spend_forecasts"
    ctx.catalog.require(table, ctx.principal)
    b = Builder(table).apply(f, ctx.catalog).where_in("forecast_scope", allowed_values("scope", scope, FORECAST_SCOPES))
    return builder_rows(ctx, request, fmt, b, p, ["forecast_scope", "scope_key", "billing_period"])


@router.get("/forecasting/accuracy", summary="How accurate the forecasts were in a rolling-origin backtest, next to "
                                             "a seasonal-naive baseline (fct_forecast_accuracy)")
def forecasting_accuracy(ctx: Context, request: Request, p: Pagination, fmt: FormatParam = None) -> Response:
    """MAPE, bias and 80/95 % interval coverage of month-end forecasts made on day 1, 8, 15 and 22
    and of next-month totals. Organisation-wide: not readable by account-scoped keys."""
    table = "fct_forecast_accuracy"
    ctx.catalog.require(table, ctx.principal)
    return builder_rows(ctx, request, fmt, Builder(table), p, ["forecast_scope", "target", "origin_day"])


@router.get("/budgets", summary="Budgets against actual and forecast per period, with the projected run-out day "
                                "(fct_budget_status)")
def budgets(
    ctx: Context, request: Request, f: AccountFilters, p: Pagination,
    budget_id: Annotated[list[str] | None, Query(description="Budget ids; repeat or comma-separate.",
                                                 max_length=500)] = None,
    status: Annotated[StatusValues | None, Query(description="over, forecast_over, within, no_forecast; repeat or "
                                                          "comma-separate.", max_length=4)] = None,
    fmt: FormatParam = None,
) -> Response:
    """`from`/`to` select budget periods by their first billing period; `account` selects account
    budgets. An account-scoped key sees its accounts' budgets only."""
    table = "fct_budget_status"
    ctx.catalog.require(table, ctx.principal)
    b = (Builder(table).apply(f, ctx.catalog, period="first_billing_period")
         .where_in("budget_id", split_values(budget_id))
         .where_in("status", allowed_values("status", status, BUDGET_STATUSES)))
    return builder_rows(ctx, request, fmt, b, p, ["budget_id", "budget_period"])
