"""The MCP server (the official `mcp` SDK, major version 2: `MCPServer`, formerly FastMCP): the
semantic layer's tools under dbt's MCP names, guarded SQL, the marts and the FinOps answers, over
stdio (`infralyzer mcp`) or streamable HTTP mounted in the API (infralyzer.mcp.http).

Who calls: over HTTP the key the request authenticated with (infralyzer.mcp.http puts it on the
request); in-process (the REST adapters, the Bedrock loop) `CALLER`; over stdio the server's own
principal (the key in INFRALYZER_API_KEY, or local development mode). Every tool runs with that
principal's role and account scope, through the API's own code (infralyzer.mcp.tools).
"""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import ToolAnnotations
from pydantic import Field, StringConstraints, ValidationError

from infralyzer import __version__
from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.api.semantic_layer import PERIOD, Filter, MetricQuery
from infralyzer.ask import answer_question
from infralyzer.mcp import resources
from infralyzer.mcp.calls import api_error_payload
from infralyzer.mcp.runtime import CALLER, Runtime
from infralyzer.mcp.tools import Toolbox, check_accounts

INSTRUCTIONS = """\
Infralyzer answers questions about AWS costs from dbt marts built on AWS Data Exports (CUR 2.0,
FOCUS, Cost Optimization Hub). Prefer the semantic layer: list_metrics, then get_dimensions for the
metrics you chose, then query_metrics (MetricFlow computes every number; never add up or divide
numbers yourself when a metric exists). Time dimensions take a grain: metric_time__month,
metric_time__day. For ready answers use top_savings_actions, anomalies, forecast_vs_budget and
kpi_status. run_sql (analyst keys) takes one read-only SELECT over marts.<table>; describe_mart
and the infralyzer://marts resources list the tables and their columns. Money is in USD; cost
terms are defined in the infralyzer://definitions resource. Every answer states the marts it read.
"""

PRINCIPAL_STATE = "infralyzer_principal"  # where infralyzer.mcp.http leaves the request's principal

Metrics = Annotated[list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=200)]],
                    Field(min_length=1, max_length=50, description="Metric names from list_metrics.")]
Dimension = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=200)]
Period = Annotated[str, StringConstraints(pattern=PERIOD)]
Accounts = Annotated[list[Annotated[str, StringConstraints(pattern=r"^\d{12}$")]] | None,
                     Field(max_length=500, description="12-digit AWS account ids.")]
GroupBy = Annotated[list[Dimension] | None, Field(max_length=10, description=(
    "Dimensions, e.g. metric_time__month, account__account_name, service__service_category."))]
Filters = Annotated[list[Filter] | None, Field(max_length=20, description=(
    "Each {dimension, op, value}; op one of = != in not_in > >= < <=."))]
OrderBy = Annotated[list[Annotated[str, StringConstraints(pattern=r"^-?[a-z][a-z0-9_]*$")]] | None,
                    Field(max_length=10, description="Metric or group-by names, '-' for descending.")]
Limit = Annotated[int | None, Field(ge=1, le=100_000)]
FirstPeriod = Annotated[Period | None, Field(description="First billing period, YYYY-MM.")]
LastPeriod = Annotated[Period | None, Field(description="Last billing period, YYYY-MM.")]
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


class InfralyzerMCP(MCPServer):
    """MCPServer whose tool calls and resource reads know the caller (see the module docstring)."""

    def __init__(self, runtime: Runtime, principal: Principal | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.default_principal = principal
        self.toolbox: Toolbox | None = None

    def _principal(self, context: Context | None) -> Principal:
        request = None
        if context is not None:
            try:
                request = context.request_context.request
            except (ValueError, AttributeError):
                request = None
        state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
        principal = state.get(PRINCIPAL_STATE) or CALLER.get() or self.default_principal
        if principal is None:
            raise ToolError(api_error_payload(ApiError(401, "unauthorized", "An API key is required.")))
        return principal

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context | None = None) -> Any:
        principal = self._principal(context)
        try:
            check_accounts(principal, arguments)
        except ApiError as error:
            raise ToolError(api_error_payload(error)) from error
        token = CALLER.set(principal)
        try:
            return await super().call_tool(name, arguments, context)
        finally:
            CALLER.reset(token)

    async def read_resource(self, uri: Any, context: Context | None = None) -> Any:
        token = CALLER.set(self._principal(context))
        try:
            return await super().read_resource(uri, context)
        finally:
            CALLER.reset(token)


def _answers(function: Callable[..., Awaitable[dict[str, Any]]]) -> Callable[..., Awaitable[dict[str, Any]]]:
    """A tool's refusals as MCP tool errors carrying the API's {error, message, details}."""
    @functools.wraps(function)
    async def tool(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await function(*args, **kwargs)
        except ApiError as error:
            raise ToolError(api_error_payload(error)) from error
        except ValidationError as error:
            details = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
            raise ToolError(api_error_payload(ApiError(422, "invalid_parameter", "Invalid arguments.", details))) \
                from error
    return tool


def _caller() -> Principal:
    principal = CALLER.get()
    if principal is None:  # pragma: no cover - InfralyzerMCP.call_tool always sets it
        raise ApiError(401, "unauthorized", "An API key is required.")
    return principal


def _metric_query(metrics: list[str], group_by: list[str] | None, filters: list[Filter] | None,
                  period_from: str | None, period_to: str | None, order_by: list[str] | None,
                  limit: int | None) -> MetricQuery:
    return MetricQuery.model_validate({"metrics": metrics, "group_by": group_by or [], "filters": filters or [],
                                       "from": period_from, "to": period_to, "order_by": order_by or [],
                                       "limit": limit})


def build_server(runtime: Runtime, principal: Principal | None = None) -> InfralyzerMCP:
    """The server: `principal` answers calls that bring no key of their own (stdio, in memory)."""
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder is not None:  # the SDK calls logging.basicConfig: logging is the host's (CLI, uvicorn) to set
        root.addHandler(placeholder)
    try:
        server = InfralyzerMCP(runtime, principal, name="infralyzer", title="Infralyzer FinOps",
                               version=__version__, instructions=INSTRUCTIONS)
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)
    box = server.toolbox = Toolbox(runtime)
    tool = server.tool

    @tool(annotations=READ_ONLY)
    @_answers
    async def list_metrics() -> dict[str, Any]:
        """List every metric of the semantic layer (name, label, description, type). Start here:
        then get_dimensions and query_metrics. Ratios (coverage, utilisation, savings rate) are
        ratios of sums, correct at any grouping."""
        return await box.list_metrics(_caller())

    @tool(annotations=READ_ONLY)
    @_answers
    async def get_dimensions(metrics: Metrics) -> dict[str, Any]:
        """The dimensions all the given metrics can be grouped and filtered by (name, type,
        description). Time dimensions take a grain suffix: metric_time__day|week|month|quarter|year."""
        return await box.get_dimensions(_caller(), metrics)

    @tool(annotations=READ_ONLY)
    @_answers
    async def get_entities(metrics: Metrics) -> dict[str, Any]:
        """The entities (join keys such as account, service, region) the given metrics can be
        grouped or filtered by."""
        return await box.get_entities(_caller(), metrics)

    @tool(annotations=READ_ONLY)
    @_answers
    async def get_dimension_values(metrics: Metrics, dimension: Dimension,
                                   limit: Annotated[int, Field(ge=1, le=500)] = 100) -> dict[str, Any]:
        """The values a dimension takes where the metrics have data (e.g. account__account_name,
        service__service_category): use them as filter values in query_metrics."""
        return await box.get_dimension_values(_caller(), metrics, dimension, limit)

    @tool(annotations=READ_ONLY)
    @_answers
    async def query_metrics(metrics: Metrics, group_by: GroupBy = None, filters: Filters = None,
                            period_from: FirstPeriod = None, period_to: LastPeriod = None, order_by: OrderBy = None,
                            limit: Limit = None) -> dict[str, Any]:
        """Compute metrics grouped by dimensions, with filters and a billing-period range.
        MetricFlow generates the SQL from the semantic manifest; the answer carries the rows
        (at most 500), the SQL that ran and the marts it read."""
        return await box.query_metrics(_caller(), _metric_query(metrics, group_by, filters, period_from, period_to,
                                                                order_by, limit))

    @tool(annotations=READ_ONLY)
    @_answers
    async def get_metrics_compiled_sql(metrics: Metrics, group_by: GroupBy = None, filters: Filters = None,
                                       period_from: FirstPeriod = None, period_to: LastPeriod = None,
                                       order_by: OrderBy = None, limit: Limit = None) -> dict[str, Any]:
        """The SQL MetricFlow generates for a query_metrics call, without running it."""
        return await box.get_metrics_compiled_sql(_caller(), _metric_query(metrics, group_by, filters, period_from,
                                                                           period_to, order_by, limit))

    @tool(annotations=READ_ONLY)
    @_answers
    async def list_saved_queries() -> dict[str, Any]:
        """The saved queries the semantic manifest defines (name, description, metric query)."""
        return await box.list_saved_queries(_caller())

    @tool(annotations=READ_ONLY)
    @_answers
    async def query_saved_query(name: Dimension) -> dict[str, Any]:
        """Run one saved query of list_saved_queries by name."""
        return await box.query_saved_query(_caller(), name)

    @tool(annotations=READ_ONLY)
    @_answers
    async def run_sql(sql: Annotated[str, Field(min_length=1, description=(
                          "One SELECT over marts.<table> (see describe_mart)."))],
                      limit: Annotated[int | None, Field(ge=1, le=100_000)] = None) -> dict[str, Any]:
        """Run one read-only SELECT over the published marts (analyst keys only), checked by the
        API's SQL guard: only marts.<table>, no files, no table functions, no DDL or DML. Use it
        when no metric answers the question."""
        return await box.run_sql(_caller(), sql, limit)

    @tool(annotations=READ_ONLY)
    @_answers
    async def describe_mart(mart: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]) -> dict[str, Any]:
        """A mart's dbt description, its columns (type, description), its account column and scope."""
        return await box.describe_mart(_caller(), mart)

    @tool(annotations=READ_ONLY)
    @_answers
    async def top_savings_actions(
        limit: Annotated[int, Field(ge=1, le=500)] = 10,
        category: Annotated[Literal["idle", "rightsizing", "commitment"] | None, Field(description=(
            "idle (stop, delete), rightsizing (rightsize, Graviton, upgrade) or commitment (purchases)."))] = None,
        account: Accounts = None,
    ) -> dict[str, Any]:
        """The largest savings actions now (fct_savings_actions): each account's latest list, one
        action per resource, ranked by counted monthly savings (only counted savings add up)."""
        return await box.top_savings_actions(_caller(), limit, category, account)

    @tool(annotations=READ_ONLY)
    @_answers
    async def anomalies(
        period_from: FirstPeriod = None, period_to: LastPeriod = None, account: Accounts = None,
        severity: Annotated[list[Literal["low", "medium", "high"]] | None, Field(max_length=3)] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 20,
    ) -> dict[str, Any]:
        """Spend anomalies (fct_cost_anomalies), newest and largest first: actual vs expected
        cost, impact, severity and the top root cause (account, service, region, usage type)."""
        return await box.anomalies(_caller(), period_from, period_to, account, severity, limit)

    @tool(annotations=READ_ONLY)
    @_answers
    async def forecast_vs_budget(
        period_from: FirstPeriod = None, period_to: LastPeriod = None, account: Accounts = None,
        status: Annotated[list[Literal["over", "forecast_over", "within", "no_forecast"]] | None,
                          Field(max_length=4)] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """Budgets against actual and forecast spend (fct_budget_status): amount, actual, forecast
        with its 80 % interval, projected run-out date and status (over, forecast_over, within)."""
        return await box.forecast_vs_budget(_caller(), period_from, period_to, account, status, limit)

    @tool(annotations=READ_ONLY)
    @_answers
    async def kpi_status(
        period_from: FirstPeriod = None, period_to: LastPeriod = None,
        kpi: Annotated[list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", max_length=100)]] | None,
                       Field(max_length=100, description="KPI ids, e.g. compute_ondemand_coverage.")] = None,
        account: Accounts = None,
    ) -> dict[str, Any]:
        """The FinOps KPIs per billing period: coverage against goal, potential savings and
        savings at goal (the KPI metrics of the semantic layer over fct_kpi_tracker)."""
        return await box.kpi_status(_caller(), period_from, period_to, kpi, account)

    @tool(annotations=READ_ONLY)
    @_answers
    async def ask(question: Annotated[str, Field(min_length=1, max_length=500, description=(
                      "A question in plain language, e.g. 'effective cost by service last month'."))]) -> dict[str, Any]:
        """Answer a plain-language cost question: the numbers, the metric query or SQL used and
        the marts read; or, when it cannot, says so and suggests the closest metrics."""
        return await answer_question(server, _caller(), question)

    resources.register(server, box)
    return server


__all__ = ["InfralyzerMCP", "ResourceError", "build_server", "PRINCIPAL_STATE"]
