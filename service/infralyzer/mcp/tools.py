"""The tools an assistant calls, answered with the API's own code: the semantic layer and
MetricFlow (routers/metrics.py, semantic_layer.py), the SQL guard (routers/sql.py), the marts'
catalogue (routers/tables.py) and the mart query helpers (common.py). No tool computes a figure:
each selects from a mart or a metric, with the caller's key, role and account scope.

Every tool returns a JSON object; a refusal raises `ApiError`, which the server turns into an
MCP tool error carrying the API's `{error, message, details}`.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from infralyzer.api.auth import Principal
from infralyzer.api.common import Builder, Filters, Page, make_filters, mart_query, order_and_page, run_page
from infralyzer.api.deps import QueryContext
from infralyzer.api.errors import ApiError
from infralyzer.api.formats import _jsonable, freshness
from infralyzer.api.routers.kpi import rollup_query
from infralyzer.api.routers.metrics import run_generated_sql, run_metric_query
from infralyzer.api.routers.optimization import DEFAULT_SORT as SAVINGS_SORT
from infralyzer.api.routers.sql import run_analyst_sql
from infralyzer.api.routers.tables import table_catalog
from infralyzer.api.semantic_layer import MetricQuery
from infralyzer.mcp.runtime import Runtime, require_analyst

MAX_ROWS = 500  # rows a tool hands an assistant at most (its context is small); `truncated` says so
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def rows_of(table: pa.Table, limit: int = MAX_ROWS) -> dict[str, Any]:
    """Rows as the API's JSON renders them (decimals exact, dates ISO), at most `limit`."""
    return {"data": [_jsonable(row) for row in table.slice(0, limit).to_pylist()], "row_count": min(table.num_rows, limit),
            "truncated": table.num_rows > limit}


def marts_read(sql: str) -> list[str]:
    """The marts a SQL text reads (MetricFlow names them `"<db>"."marts"."<mart>"`)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return []
    return sorted({t.name for t in tree.find_all(exp.Table) if t.db.lower() == "marts"})


def check_accounts(principal: Principal, arguments: Any) -> None:
    """Refuse, before anything runs, arguments naming an account outside an account-scoped key's
    scope (a filter, an `account` parameter, a literal in SQL): the scope would answer nothing for
    it, a refusal says why. The scope itself is still applied where every mart is read."""
    if not principal.scoped:
        return
    found: set[str] = set()
    stack = [arguments]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(_ACCOUNT_ID.findall(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    outside = sorted(found - set(principal.accounts or ()))
    if outside:
        raise ApiError(403, "account_not_in_scope", "This API key may not read these accounts.",
                       {"accounts": outside[:20]})


def _metric_answer(ctx: QueryContext, table: pa.Table, sql: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {**rows_of(table), **extra, "sql": sql, "marts": marts_read(sql), "freshness": freshness(ctx.info)}


class Toolbox:
    """The tools, each `async (principal, **arguments) -> dict`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # -- the semantic layer (dbt's MCP tool names) ----------------------------------------------

    async def list_metrics(self, principal: Principal) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            metrics = [{k: m[k] for k in ("name", "label", "description", "type")}
                       for m in self.runtime.layer(ctx).metrics]
            return {"metrics": metrics, "freshness": freshness(ctx.info)}

        return await self.runtime.read(principal, answer)

    async def metric_catalogue(self, principal: Principal) -> dict[str, Any]:
        """Every metric with its dimensions (GET /metrics)."""
        return await self.runtime.read(principal, lambda ctx: {"metrics": self.runtime.layer(ctx).metrics,
                                                               "freshness": freshness(ctx.info)})

    async def get_dimensions(self, principal: Principal, metrics: list[str]) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            by_name = {m["name"]: m for m in self.runtime.layer(ctx).metrics}
            unknown = [m for m in metrics if m not in by_name]
            if unknown:
                raise ApiError(404, "unknown_metric", "No such metric.", {"metrics": unknown,
                                                                           "available": sorted(by_name)})
            common = None
            for name in metrics:
                dimensions = {d["name"]: d for d in by_name[name]["dimensions"]}
                common = dimensions if common is None else {k: v for k, v in common.items() if k in dimensions}
            return {"metrics": metrics, "dimensions": list((common or {}).values())}

        return await self.runtime.read(principal, answer)

    async def get_entities(self, principal: Principal, metrics: list[str]) -> dict[str, Any]:
        return await self.runtime.read(principal, lambda ctx: {"metrics": metrics,
                                                               "entities": self.runtime.layer(ctx).entities(metrics)})

    async def get_dimension_values(self, principal: Principal, metrics: list[str], dimension: str,
                                   limit: int = MAX_ROWS) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            layer = self.runtime.layer(ctx)
            sql = layer.dimension_values_sql(metrics, dimension)
            table, _ = run_generated_sql(ctx, layer, sql)
            values = [_jsonable(v) for v in table.column(0).to_pylist()] if table.num_columns else []
            return {"dimension": dimension, "values": values[:limit], "truncated": len(values) > limit,
                    "marts": marts_read(sql)}

        return await self.runtime.query(principal, answer)

    async def query_metrics(self, principal: Principal, query: MetricQuery) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            table, _, sql = run_metric_query(ctx, self.runtime.layer(ctx), query)
            return _metric_answer(ctx, table, sql, {"query": query.model_dump(by_alias=True, exclude_defaults=True)})

        return await self.runtime.query(principal, answer)

    async def get_metrics_compiled_sql(self, principal: Principal, query: MetricQuery) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            sql = self.runtime.layer(ctx).sql(query)
            return {"sql": sql, "marts": marts_read(sql)}

        return await self.runtime.read(principal, answer)

    async def list_saved_queries(self, principal: Principal) -> dict[str, Any]:
        return await self.runtime.read(principal, lambda ctx: {"saved_queries": self.runtime.layer(ctx).saved_queries()})

    async def query_saved_query(self, principal: Principal, name: str) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            layer = self.runtime.layer(ctx)
            sql = layer.saved_query_sql(name)
            table, _ = run_generated_sql(ctx, layer, sql)
            return _metric_answer(ctx, table, sql, {"saved_query": name})

        return await self.runtime.query(principal, answer)

    # -- the marts --------------------------------------------------------------------------------

    async def run_sql(self, principal: Principal, sql: str, limit: int | None = None) -> dict[str, Any]:
        require_analyst(principal)

        def answer(ctx: QueryContext) -> dict[str, Any]:
            table, _, extra = run_analyst_sql(ctx, sql, limit)
            return {**rows_of(table), "truncated": bool(extra["truncated"]) or table.num_rows > MAX_ROWS,
                    "row_limit": extra["row_limit"], "marts": marts_read(sql), "freshness": freshness(ctx.info)}

        return await self.runtime.query(principal, answer)

    async def describe_mart(self, principal: Principal, mart: str) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            ctx.catalog.require(mart, principal)
            table = next(t for t in table_catalog(ctx).data if t.name == mart)
            scope = ctx.catalog.scopes.get(mart)
            return {**table.model_dump(), "scope": scope.scope.value if scope else None}

        return await self.runtime.read(principal, answer)

    async def list_marts(self, principal: Principal) -> dict[str, Any]:
        return await self.runtime.read(principal, lambda ctx: table_catalog(ctx).model_dump())

    # -- FinOps: rows of the marts that hold the answer -------------------------------------------

    async def top_savings_actions(self, principal: Principal, limit: int = 10, category: str | None = None,
                                  account: list[str] | None = None) -> dict[str, Any]:
        """fct_savings_actions as GET /optimization/cost-savings serves it by default: each
        account's latest list, the top action per resource, by counted savings."""
        f = make_filters(None, None, account, None, None)
        extra_in: dict[str, list[Any]] = {"is_latest_snapshot": [True], "is_top_action": [True],
                                          "action_category": [category] if category else []}
        return await self._mart_rows(principal, "fct_savings_actions", f, limit, SAVINGS_SORT, extra_in)

    async def anomalies(self, principal: Principal, period_from: str | None = None, period_to: str | None = None,
                        account: list[str] | None = None, severity: list[str] | None = None,
                        limit: int = 20) -> dict[str, Any]:
        """fct_cost_anomalies, newest and largest first (GET /ai/anomaly-detection)."""
        f = make_filters(period_from, period_to, account, None, None)
        return await self._mart_rows(principal, "fct_cost_anomalies", f, limit, ["-usage_date", "-impact_cost"],
                                     {"severity": severity or []})

    async def forecast_vs_budget(self, principal: Principal, period_from: str | None = None,
                                 period_to: str | None = None, account: list[str] | None = None,
                                 status: list[str] | None = None, limit: int = 50) -> dict[str, Any]:
        """fct_budget_status (GET /ai/budgets): each budget against actual and forecast spend."""
        f = make_filters(period_from, period_to, account, None, None)

        def answer(ctx: QueryContext) -> dict[str, Any]:
            table = "fct_budget_status"
            ctx.catalog.require(table, principal)
            columns = list(ctx.catalog.columns[table])
            b = Builder(table).apply(f, ctx.catalog, period="first_billing_period").where_in("status", status or [])
            p = Page(limit, 0, [])
            query = order_and_page(b.select(*[exp.column(c) for c in columns]), p, columns,
                                   ["budget_id", "budget_period"])
            rows, _, extra = run_page(ctx, query, b.params, p)
            return {**rows_of(rows), "truncated": extra["has_more"], "marts": [table],
                    "freshness": freshness(ctx.info)}

        return await self.runtime.read(principal, answer)

    async def kpi_status(self, principal: Principal, period_from: str | None = None, period_to: str | None = None,
                         kpi: list[str] | None = None, account: list[str] | None = None) -> dict[str, Any]:
        """The KPI rollup of GET /kpi/summary?rollup=true: per period and KPI, coverage against goal."""
        f = make_filters(period_from, period_to, account, None, None)

        def answer(ctx: QueryContext) -> dict[str, Any]:
            ctx.catalog.require("fct_kpi_tracker", principal)
            query = rollup_query(f, kpi or [])
            table, _, sql = run_metric_query(ctx, self.runtime.layer(ctx), query)
            return _metric_answer(ctx, table, sql, {})

        return await self.runtime.query(principal, answer)

    async def _mart_rows(self, principal: Principal, table: str, f: Filters, limit: int, sort: list[str],
                         extra_in: dict[str, list[Any]]) -> dict[str, Any]:
        def answer(ctx: QueryContext) -> dict[str, Any]:
            p = Page(limit, 0, [])
            query, params = mart_query(ctx, table, f, p, sort, extra_in)
            rows, _, extra = run_page(ctx, query, params, p)
            return {**rows_of(rows), "truncated": extra["has_more"], "marts": [table],
                    "freshness": freshness(ctx.info)}

        return await self.runtime.read(principal, answer)
