"""The methods both clients share: arguments become the API's own request objects (filters, page,
`MetricQuery`) here, once; each client answers them (local.py on the snapshot with the API's code,
remote.py over HTTP)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import sqlglot
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from infralyzer.api.common import Filters, Page, make_filters, split_values
from infralyzer.api.errors import ApiError
from infralyzer.api.routers.sql import SqlQuery
from infralyzer.api.semantic_layer import MetricQuery

Where = Mapping[str, Any] | Iterable[tuple[str, str, Any] | Mapping[str, Any]] | None


def _values(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def metric_query(metrics: str | Sequence[str], group_by: str | Sequence[str] | None = None, where: Where = None,
                 from_: str | None = None, to: str | None = None, order_by: str | Sequence[str] | None = None,
                 limit: int | None = None) -> MetricQuery:
    """The API's `MetricQuery` (POST /metrics/query body). `where`: `{dimension: value}` (a list
    means `in`), or `(dimension, op, value)` tuples / `{dimension, op, value}` dicts."""
    filters: list[dict[str, Any]] = []
    if isinstance(where, Mapping):
        filters = [{"dimension": d, "op": "in" if isinstance(v, (list, tuple, set)) else "=",
                    "value": list(v) if isinstance(v, (list, tuple, set)) else v} for d, v in where.items()]
    elif where is not None:
        for item in where:
            if isinstance(item, Mapping):
                filters.append(dict(item))
            else:
                dimension, op, value = item
                filters.append({"dimension": dimension, "op": op,
                                "value": list(value) if isinstance(value, (tuple, set)) else value})
    try:
        return MetricQuery.model_validate({
            "metrics": split_values(_values(metrics)), "group_by": split_values(_values(group_by)),
            "filters": filters, "from": from_, "to": to, "order_by": split_values(_values(order_by)), "limit": limit,
        })
    except ValidationError as exc:  # as the API answers an invalid metric query
        raise ApiError(422, "invalid_parameter", "The metric query has invalid parameters.",
                       [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]) from exc


def bind_parameters(sql: str, params: Mapping[str, Any] | None) -> str:
    """`$name` / `:name` placeholders of a SQL file replaced by literals (a list or tuple after `in`
    becomes the list of values). The result is plain SQL text that the guard checks like any other."""
    if not params:
        return sql
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except (ParseError, TokenError) as exc:
        raise ApiError(400, "sql_parse_error", "The SQL does not parse.", {"reason": str(exc).splitlines()[0][:300]}) \
            from exc
    except RecursionError as exc:  # as the guard says it
        raise ApiError(400, "sql_too_complex", "The SQL is too deeply nested.") from exc
    missing: set[str] = set()
    for tree in statements:
        if tree is None:
            continue
        for node in list(tree.find_all(exp.Placeholder)):
            name = node.name
            if name not in params:
                missing.add(name or "?")
                continue
            value = params[name]
            parent = node.parent
            if isinstance(value, (list, tuple, set)) and isinstance(parent, exp.In) and parent.args.get("field") is node:
                parent.set("field", None)
                parent.set("expressions", [exp.convert(v) for v in value])
            else:
                node.replace(exp.convert(value))
    if missing:
        raise ApiError(400, "invalid_parameter", "The SQL has placeholders without a value.",
                       {"missing": sorted(missing)})
    return ";\n".join(tree.sql(dialect="duckdb") for tree in statements if tree is not None)


class Client(ABC):
    """`connect()` gives one: the same methods locally (a snapshot) and remotely (the API).
    Each returns a `polars.DataFrame`; `df.infralyzer.freshness` says which snapshot answered."""

    def marts(self) -> pl.DataFrame:
        """The marts you may read: one row per mart with its dbt description, row count, account
        column and `columns` (name, data type, dbt description)."""
        return self._marts()

    def mart(self, name: str, *, from_: str | None = None, to: str | None = None,
             account: str | Iterable[str] | None = None, service: str | Iterable[str] | None = None,
             region: str | Iterable[str] | None = None, sort: str | Iterable[str] | None = None,
             limit: int | None = None, offset: int = 0) -> pl.DataFrame:
        """Rows of one mart (all of them unless `limit`), as `GET /tables/{name}` filters them:
        billing periods `from_`..`to` (YYYY-MM), accounts on the mart's account column, services,
        regions; `sort` columns (`-` for descending), then every column for a stable order."""
        if limit is not None and limit < 1:
            raise ApiError(422, "invalid_parameter", "limit is at least 1.", {"limit": limit})
        if offset < 0:
            raise ApiError(422, "invalid_parameter", "offset is at least 0.", {"offset": offset})
        f = make_filters(from_, to, _values(account), _values(service), _values(region))
        return self._mart(name, f, Page(limit, offset, split_values(_values(sort))))

    def metrics(self) -> pl.DataFrame:
        """The semantic layer's metrics: name, label, description, type and `dimensions` (each a
        possible group-by; time dimensions with their `grains`, e.g. metric_time__month)."""
        return self._metrics()

    def metric(self, metrics: str | Sequence[str], group_by: str | Sequence[str] | None = None, where: Where = None,
               *, from_: str | None = None, to: str | None = None, order_by: str | Sequence[str] | None = None,
               limit: int | None = None) -> pl.DataFrame:
        """Metrics by name × group-bys (`metric_time__month`, `service__service_category`, ...),
        computed by MetricFlow on the marts. `where={"account__account_name": ["prod"]}` or
        `[("metric_time__day", ">=", "2026-08-01")]`; `from_`/`to` limit metric_time to billing periods."""
        return self._metric(metric_query(metrics, group_by, where, from_, to, order_by, limit))

    def sql(self, sql: str, *, limit: int | None = None) -> pl.DataFrame:
        """One read-only SELECT over `marts.<table>`, checked by the API's SQL guard (a row limit
        applies; `df.infralyzer.truncated` says whether it cut the answer)."""
        try:  # the API's request body, so an empty SQL or a bad limit is refused alike everywhere
            body = SqlQuery.model_validate({"sql": sql, "limit": limit})
        except ValidationError as exc:
            raise ApiError(422, "invalid_parameter", "The request has invalid parameters.",
                           [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]) \
                from exc
        return self._sql(body.sql, body.limit)

    def sql_file(self, path: str | Path, params: Mapping[str, Any] | None = None, *,
                 limit: int | None = None) -> pl.DataFrame:
        """`sql()` of a .sql file whose `$name` (or `:name`) placeholders take `params`."""
        return self.sql(bind_parameters(Path(path).read_text(), params), limit=limit)

    def close(self) -> None:
        """Let go of the snapshot or the HTTP connections."""

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def _marts(self) -> pl.DataFrame: ...

    @abstractmethod
    def _mart(self, name: str, f: Filters, p: Page) -> pl.DataFrame: ...

    @abstractmethod
    def _metrics(self) -> pl.DataFrame: ...

    @abstractmethod
    def _metric(self, query: MetricQuery) -> pl.DataFrame: ...

    @abstractmethod
    def _sql(self, sql: str, limit: int | None) -> pl.DataFrame: ...
