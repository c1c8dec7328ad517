"""The semantic layer behind `/metrics` (the router, routers/metrics.py): metrics by name,
MetricFlow generates the SQL, the served marts answer it.

The semantic manifest comes from the snapshot itself (`main.semantic_manifest`, written by
macros/publish/publish_snapshot.sql from the build's `semantic_manifest.json`), so the metric
definitions always match the marts they are computed from. MetricFlow's engine is used for what
it is for — resolving metrics, dimensions, joins and time grains into SQL (its explain path,
with a DuckDB renderer and no warehouse connection). The SQL names tables
`"<build database>"."marts"."<table>"`; `resolve_tables` drops the database, checks every table is
a published mart and applies the key's account scope, exactly as for every other query. On the
Athena backend the manifest is the file `INFRALYZER_SEMANTIC_MANIFEST` (dbt's target folder) and
the scoped SQL is transpiled to Athena like every other query (infralyzer.api.backends).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import sqlglot
from pydantic import BaseModel, Field, StringConstraints
from sqlglot import exp

from infralyzer.api.backends import Session
from infralyzer.api.errors import ApiError

TIME_GRAINS = ("day", "week", "month", "quarter", "year")
MAX_METRICS = 50  # metrics in one query: every metric of the layer fits, a runaway list does not
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MF_LOCK = threading.Lock()  # MetricFlow's id generator is process-global: one explain at a time


PERIOD = r"^(\d{3}[1-9]|\d{2}[1-9]\d|\d[1-9]\d{2}|[1-9]\d{3})-(0[1-9]|1[0-2])$"  # a billing period (no year 0)
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=200)]
OrderName = Annotated[str, StringConstraints(pattern=r"^-?[a-z][a-z0-9_]*$", max_length=201)]
# a filter value is a quoted literal in MetricFlow's Jinja where filter: braces could start a template
Value = Annotated[str, StringConstraints(pattern=r"^[^{}]*$", max_length=500)] | int | float | bool


class Filter(BaseModel):
    """`<dimension> <op> <value>`: e.g. {"dimension": "account__account_name", "op": "in", "value": ["prod"]}.
    Time dimensions take a grain suffix (metric_time__month) and ISO dates."""

    dimension: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=200)
    op: Literal["=", "!=", "in", "not_in", ">", ">=", "<", "<="] = "="
    value: Value | Annotated[list[Value], Field(min_length=1, max_length=500)]


class MetricQuery(BaseModel):
    metrics: list[Name] = Field(min_length=1, max_length=MAX_METRICS, description="Metric names (GET /metrics).",
                                examples=[["effective_cost", "commitment_coverage"]])
    group_by: list[Name] = Field(default_factory=list, max_length=10,
                                 description="Dimensions, e.g. metric_time__month, account__account_name, "
                                             "service__service_category.", examples=[["metric_time__month"]])
    filters: list[Filter] = Field(default_factory=list, max_length=20)
    period_from: str | None = Field(None, alias="from", pattern=PERIOD,
                                    description="First billing period (YYYY-MM): metric_time from its first day.")
    period_to: str | None = Field(None, alias="to", pattern=PERIOD,
                                  description="Last billing period (YYYY-MM): metric_time to its last day.")
    order_by: list[OrderName] = Field(default_factory=list, max_length=10,
                                      description="Metric or group-by names, `-` for descending (default: the "
                                                  "group-bys).")
    limit: int | None = Field(None, ge=1, le=100_000)

    model_config = {"populate_by_name": True}


class _ExplainOnlyDuckDbClient:
    """The SqlClient MetricFlow needs to render DuckDB SQL; the service runs the SQL itself."""

    def __init__(self) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self.sql_engine_type = SqlEngine.DUCKDB
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()

    def query(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the API runs MetricFlow's SQL on the snapshot itself")

    execute = dry_run = query

    def close(self) -> None:
        return None

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@dataclass
class SemanticLayer:
    """MetricFlow over one semantic manifest (shared by the snapshots that carry the same one)."""

    manifest_sha256: str
    engine: Any
    metrics: list[dict[str, Any]]
    _sql_cache: OrderedDict[tuple, str]

    @classmethod
    def build(cls, manifest_json: str) -> SemanticLayer:
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        with _MF_LOCK:
            manifest = parse_manifest_from_dbt_generated_manifest(manifest_json)
            engine = MetricFlowEngine(SemanticManifestLookup(manifest), _ExplainOnlyDuckDbClient())
            listed = engine.list_metrics()
        metrics = []
        for metric in sorted(listed, key=lambda m: m.name):
            dimensions = sorted({d.granularity_free_dunder_name: d for d in metric.dimensions}.values(),
                                key=lambda d: d.granularity_free_dunder_name)
            metrics.append({
                "name": metric.name,
                "label": metric.label,
                "description": metric.description,
                "type": str(getattr(metric.type, "value", metric.type)),
                "dimensions": [
                    {
                        "name": d.granularity_free_dunder_name,
                        "type": str(getattr(d.type, "value", d.type)),
                        "description": d.description,
                        **({"grains": [f"{d.granularity_free_dunder_name}__{g}" for g in TIME_GRAINS]}
                           if str(getattr(d.type, "value", d.type)).lower() == "time" else {}),
                    }
                    for d in dimensions
                ],
            })
        digest = hashlib.sha256(manifest_json.encode()).hexdigest()
        return cls(digest, engine, metrics, OrderedDict())

    scoped_sql_cache: dict[tuple, str] = field(default_factory=dict)

    def remember_scoped_sql(self, key: tuple, sql: str) -> None:
        with _MF_LOCK:
            if len(self.scoped_sql_cache) >= 1024:
                self.scoped_sql_cache.pop(next(iter(self.scoped_sql_cache)))
            self.scoped_sql_cache[key] = sql

    @property
    def metric_names(self) -> set[str]:
        return {m["name"] for m in self.metrics}

    def _known(self, metrics: list[str]) -> None:
        unknown = [m for m in metrics if m not in self.metric_names]
        if unknown:
            raise ApiError(404, "unknown_metric", "No such metric.", {"metrics": unknown,
                                                                       "available": sorted(self.metric_names)})

    def entities(self, metrics: list[str]) -> list[dict[str, Any]]:
        """The entities every one of `metrics` can be grouped or filtered by (MetricFlow's join keys)."""
        self._known(metrics)
        with _MF_LOCK:
            found = self.engine.entities_for_metrics(list(metrics))
        return [{"name": e.name, "type": str(getattr(e.type, "value", e.type)), "description": e.description,
                 "semantic_model": e.semantic_model_reference.semantic_model_name} for e in found]

    def dimension_values_sql(self, metrics: list[str], dimension: str) -> str:
        """MetricFlow's SQL for the distinct values of `dimension` where `metrics` have data."""
        self._known(metrics)
        with _MF_LOCK:
            try:
                return self.engine.explain_get_dimension_values(
                    metric_names=list(metrics), get_group_by_values=dimension).sql_statement.sql
            except Exception as exc:  # MetricFlow's own validation: unknown dimension, ...
                raise ApiError(400, "invalid_metric_query", "MetricFlow cannot list this dimension's values.",
                               {"reason": str(exc).strip()[:1500]}) from exc

    def saved_queries(self) -> list[dict[str, Any]]:
        """The manifest's saved queries: name, label, description and their metric query."""
        with _MF_LOCK:
            saved = self.engine.list_saved_queries()
        out = []
        for q in saved:
            params = q.query_params
            where = params.where.where_filters if params.where is not None else []
            out.append({"name": q.name, "label": q.label, "description": q.description,
                        "metrics": list(params.metrics), "group_by": list(params.group_by),
                        "where": [w.where_sql_template for w in where], "order_by": list(params.order_by),
                        "limit": params.limit})
        return out

    def saved_query_sql(self, name: str) -> str:
        """MetricFlow's SQL for a saved query of the manifest."""
        if name not in {q["name"] for q in self.saved_queries()}:
            raise ApiError(404, "unknown_saved_query", "No such saved query.", {"saved_query": name})
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        with _MF_LOCK:
            try:
                return self.engine.explain(MetricFlowQueryRequest.create(saved_query_name=name)).sql_statement.sql
            except Exception as exc:
                raise ApiError(400, "invalid_metric_query", "MetricFlow cannot answer this saved query.",
                               {"reason": str(exc).strip()[:1500]}) from exc

    def sql(self, query: MetricQuery) -> str:
        """MetricFlow's SQL for the query (cached per query)."""
        self._known(query.metrics)
        key = (tuple(query.metrics), tuple(query.group_by), tuple((f.dimension, f.op, repr(f.value))
                                                                   for f in query.filters),
               query.period_from, query.period_to, tuple(query.order_by), query.limit)
        with _MF_LOCK:
            cached = self._sql_cache.get(key)
            if cached is not None:
                self._sql_cache.move_to_end(key)
                return cached
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        start = end = None
        try:
            if query.period_from:
                start = dt.datetime.strptime(query.period_from + "-01", "%Y-%m-%d")
            if query.period_to:
                first = dt.datetime.strptime(query.period_to + "-01", "%Y-%m-%d")
                end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        except ValueError as exc:  # the pattern admits only real months: never expected
            raise ApiError(422, "invalid_parameter", "`from` and `to` are billing periods (YYYY-MM).",
                           {"reason": str(exc)}) from exc
        if start and end and start > end:
            raise ApiError(422, "invalid_parameter", "`from` is after `to`.")
        request = MetricFlowQueryRequest.create(
            metric_names=query.metrics,
            group_by_names=query.group_by or None,
            where_constraints=[_where(f) for f in query.filters] or None,
            time_constraint_start=start,
            time_constraint_end=end,
            order_by_names=query.order_by or query.group_by or None,  # default: by the group-bys, in order
            limit=query.limit,
        )
        with _MF_LOCK:
            try:
                result = self.engine.explain(request)
                sql = result.sql_statement.sql
            except ApiError:
                raise
            except Exception as exc:  # MetricFlow's own validation: unknown dimension, bad grain, ...
                raise ApiError(400, "invalid_metric_query", "MetricFlow cannot answer this query.",
                               {"reason": str(exc).strip()[:1500]}) from exc
            self._sql_cache[key] = sql
            while len(self._sql_cache) > 512:
                self._sql_cache.popitem(last=False)
        return sql


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return exp.Literal.number(value).sql("duckdb")
    return exp.Literal.string(str(value)).sql("duckdb")


def _where(f: Filter) -> str:
    """A MetricFlow where filter from a structured one: names are checked identifiers, values quoted literals."""
    parts = f.dimension.split("__")
    if parts[-1] in TIME_GRAINS and len(parts) > 1:
        target = f"{{{{ TimeDimension('{'__'.join(parts[:-1])}', '{parts[-1]}') }}}}"
    elif len(parts) == 1 and parts[0] != "metric_time":
        target = f"{{{{ Entity('{parts[0]}') }}}}"
    else:
        target = f"{{{{ Dimension('{f.dimension}') }}}}"
    values = f.value if isinstance(f.value, list) else [f.value]
    if f.op in ("in", "not_in"):
        rendered = ", ".join(_literal(v) for v in values)
        return f"{target} {'NOT IN' if f.op == 'not_in' else 'IN'} ({rendered})"
    if len(values) != 1:
        raise ApiError(422, "invalid_parameter", f"Operator {f.op} takes one value.", {"dimension": f.dimension})
    return f"{target} {f.op} {_literal(values[0])}"


class SemanticLayers:
    """One SemanticLayer per distinct manifest, found through the marts version's cache."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_digest: OrderedDict[str, SemanticLayer] = OrderedDict()

    def for_session(self, session: Session) -> SemanticLayer:
        """The layer of the session's marts version (its manifest: the snapshot's own, or Athena's file)."""
        layer = session.handle.cache.get("semantic_layer")
        if layer is not None:
            return layer  # type: ignore[return-value]
        manifest = session.semantic_manifest()
        if not manifest:
            raise ApiError(503, "no_semantic_layer",
                           "The served marts come with no semantic manifest: rebuild with `dbt build` to publish "
                           "one.")
        digest = hashlib.sha256(manifest.encode()).hexdigest()
        with self._lock:
            layer = self._by_digest.get(digest)
        if layer is None:
            layer = SemanticLayer.build(manifest)
            with self._lock:
                self._by_digest[digest] = layer
                while len(self._by_digest) > 4:
                    self._by_digest.popitem(last=False)
        session.handle.cache["semantic_layer"] = layer
        return layer


def parse_generated(sql: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:  # pragma: no cover - MetricFlow's SQL always parses
        raise ApiError(500, "internal_error", "Could not analyse MetricFlow's SQL.") from exc
