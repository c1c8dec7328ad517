"""Scoped queries as Athena (Trino) SQL, and Athena results as Arrow.

The input is what the DuckDB backend would run: SQL (parsed back into a sqlglot AST) whose tables
went through `resolve_tables` (`marts.<t>`, or `main.<meta table>`) and whose user values are
`$name` placeholders. Rendering for Athena:

1. binds each placeholder to a sqlglot literal (quoted and escaped by sqlglot; no user value is
   ever formatted into SQL text, and Athena needs no execution parameters);
2. names each mart `"<catalog>"."<database>"."<t>"`; the snapshot-only meta tables
   (`main.table_docs`, `main.snapshot_info`) do not exist on Athena and are refused;
3. spells DuckDB's `GROUP BY ALL` as ordinals (Trino's `GROUP BY ALL` means something else), and
   ISO date strings compared with dates as typed literals (DuckDB casts `'2026-08-01'` to the
   column's type; Trino refuses `date >= varchar`: MetricFlow's time constraints are such strings);
   DuckDB's `date_trunc` returns a timestamp, also for a date (MetricFlow's `metric_time__month`
   of the date spine); Trino's returns a date for a date: it is cast to timestamp (found by running
   the backend's SQL on Trino, service/tests/trino/);
4. refuses anything that is not a read-only query, and `QUALIFY` / `DISTINCT ON` (sqlglot rewrites
   them into a subquery that would apply the row limit before the filter);
5. renders with `dialect="athena"` and checks the result with the project's Athena portability
   lint (`infralyzer.checks.athena_portability`): DuckDB-only SQL that sqlglot leaves as it is
   (`* exclude`, `order by all`, `union by name`, DuckDB-only functions, …) is refused with a 400
   instead of being sent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError

from infralyzer.api.errors import ApiError
from infralyzer.checks.athena_portability import check_sql
from infralyzer.api.sql_guard import _FORBIDDEN_NODES as WRITE_NODES  # the guard's list of non-read nodes


def literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, decimal.Decimal)) or (isinstance(value, float) and math.isfinite(value)):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "timestamp")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    raise TypeError(f"cannot bind a {type(value).__name__}")


def bind(tree: exp.Expression, params: dict[str, Any]) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            if node.name not in params:
                raise ApiError(400, "query_failed", "The query failed.",
                               {"reason": f"no value for the parameter {node.sql('duckdb')}"})
            return literal(params[node.name])
        return node

    return tree.transform(replace, copy=False)


def qualify(tree: exp.Expression, catalog: str, database: str) -> exp.Expression:
    for table in tree.find_all(exp.Table):
        schema = table.db.lower() if table.db else None
        if schema == "marts":
            table.set("db", exp.to_identifier(database, quoted=True))
            table.set("catalog", exp.to_identifier(catalog, quoted=True))
            table.set("this", exp.to_identifier(table.name, quoted=True))
        elif schema is not None:  # main.table_docs / main.snapshot_info: published with DuckDB snapshots only
            raise ApiError(400, "table_not_allowed", "This table is not available on the Athena backend.",
                           {"table": table.sql("duckdb")[:200]})
    return tree


def expand_group_by_all(tree: exp.Expression) -> exp.Expression:
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if not isinstance(group, exp.Group) or not group.args.get("all") or group.expressions:
            continue
        if any(isinstance(e, exp.Star) or isinstance(e, exp.Column) and isinstance(e.this, exp.Star)
               for e in select.expressions):
            continue  # `select *, … group by all`: left to Athena, which rejects it
        ordinals = [exp.Literal.number(i) for i, e in enumerate(select.expressions, start=1)
                    if not e.unalias().find(exp.AggFunc, exp.Window)]
        select.set("group", exp.Group(expressions=ordinals) if ordinals else None)
    return tree


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$")
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _typed(value: exp.Expression) -> exp.Expression | None:
    if not (isinstance(value, exp.Literal) and value.is_string):
        return None
    if _ISO_DATE.match(value.this):
        return exp.cast(value.copy(), "date")
    if _ISO_TIMESTAMP.match(value.this):
        return exp.cast(exp.Literal.string(value.this.replace("T", " ")), "timestamp")
    return None


def type_date_literals(tree: exp.Expression, text_columns: frozenset[str]) -> exp.Expression:
    """`'2026-08-01'` compared with anything but text (a string, a known varchar column, a cast to
    varchar) becomes `CAST('2026-08-01' AS DATE)` (timestamps likewise)."""

    def textual(node: exp.Expression) -> bool:
        return (isinstance(node, exp.Literal) and node.is_string
                or isinstance(node, exp.Column) and node.name.lower() in text_columns
                or isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES))

    def retype(subject: exp.Expression, values: list[exp.Expression]) -> None:
        if textual(subject):
            return
        for value in values:
            typed = _typed(value)
            if typed is not None:
                value.replace(typed)

    for node in list(tree.find_all(*_COMPARISONS, exp.Between, exp.In)):
        if isinstance(node, exp.Between):
            retype(node.this, [node.args["low"], node.args["high"]])
        elif isinstance(node, exp.In):
            retype(node.this, list(node.expressions))
        else:
            retype(node.this, [node.expression])
            retype(node.expression, [node.this])
    return tree


def date_trunc_as_timestamp(tree: exp.Expression) -> exp.Expression:
    """DuckDB's `date_trunc(unit, x)` is a timestamp whatever x is; on Athena it keeps x's type."""
    for node in list(tree.find_all(exp.TimestampTrunc, exp.DateTrunc)):
        if not (isinstance(node.parent, exp.Cast) and node.parent.to.is_type("timestamp")):
            node.replace(exp.cast(node.copy(), "timestamp"))
    return tree


def check_read_only(tree: exp.Expression) -> None:
    if not isinstance(tree, exp.Query):
        raise ApiError(400, "sql_not_allowed", "Only a SELECT query is allowed.", {"statement": type(tree).__name__})
    for node in tree.walk():
        if isinstance(node, WRITE_NODES):
            raise ApiError(400, "sql_not_allowed", "Only a read-only SELECT is allowed.",
                           {"found": type(node).__name__})


def _not_on_athena(construct: str, hint: str) -> ApiError:
    return ApiError(400, "sql_not_supported", f"{construct} is DuckDB-only and not available on the Athena backend: "
                                              f"{hint}", {"construct": construct})


def to_athena(tree: exp.Expression, params: dict[str, Any] | None, *, catalog: str, database: str,
              text_columns: frozenset[str] = frozenset()) -> str:
    """Athena SQL for a scoped AST (modified in place); ApiError 400 for what Athena cannot run."""
    bind(tree, params or {})
    qualify(tree, catalog, database)
    expand_group_by_all(tree)
    type_date_literals(tree, text_columns)
    date_trunc_as_timestamp(tree)
    check_read_only(tree)
    if tree.find(exp.Qualify):
        raise _not_on_athena("QUALIFY", "filter the window function's result in an outer query.")
    if any(d.args.get("on") for d in tree.find_all(exp.Distinct)):
        raise _not_on_athena("DISTINCT ON", "use row_number() in a subquery.")
    try:
        sql = tree.sql(dialect="athena", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise ApiError(400, "sql_not_supported", "The query uses something Athena cannot run.",
                       {"reason": str(exc).splitlines()[0][:500]}) from exc
    violations = check_sql(sql)
    if violations:
        raise ApiError(400, "sql_not_supported", "The query uses DuckDB-only SQL that Athena cannot run.",
                       {"not_portable": sorted({v.construct for v in violations})[:20]})
    return sql


def parse_duckdb(sql: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except (ParseError, TokenError) as exc:  # regenerated by sqlglot itself: should not happen
        raise ApiError(400, "sql_parse_error", "The SQL does not parse.",
                       {"reason": str(exc).splitlines()[0][:300]}) from exc


# Athena result column types (GetQueryResults' ColumnInfo.Type) as Arrow types; the others
# (array, map, row, interval, …) are inferred from the converted values.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(), "tinyint": pa.int8(), "smallint": pa.int16(), "integer": pa.int32(),
    "int": pa.int32(), "bigint": pa.int64(), "real": pa.float32(), "float": pa.float32(),
    "double": pa.float64(), "varchar": pa.string(), "char": pa.string(), "string": pa.string(),
    "date": pa.date32(), "timestamp": pa.timestamp("us"), "timestamp with time zone": pa.timestamp("us", "UTC"),
    "time": pa.time64("us"), "varbinary": pa.binary(), "uuid": pa.string(), "ipaddress": pa.string(),
}


def arrow_type(type_name: str, precision: int | None, scale: int | None) -> pa.DataType | None:
    name = type_name.lower()
    if name == "decimal" and precision:
        return pa.decimal128(min(int(precision), 38), int(scale or 0))
    return _ARROW_TYPES.get(name)


def to_arrow(description: Sequence[Sequence[Any]] | None, rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows converted by pyathena's default converter, typed by the result's column types."""
    if not description:
        return pa.table({})
    arrays = []
    for i, column in enumerate(description):
        values = [row[i] for row in rows]
        if str(column[1]).lower().startswith("map"):
            arrays.append(_map_array(values))
            continue
        wanted = arrow_type(str(column[1]), column[4], column[5])
        try:
            arrays.append(pa.array(values, type=wanted))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # e.g. a value wider than the type
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed nested values: their text
                arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    return pa.Table.from_arrays(arrays, names=[str(c[0]) for c in description])


def _map_array(values: Sequence[dict | None]) -> pa.Array:
    """A map column as an Arrow map, as DuckDB answers it. Left to inference, dicts became a struct
    with every key of every row, null where a row lacks it (a tag map grew ten null tags)."""
    entries = [None if v is None else list(v.items()) for v in values]
    keys = pa.array([k for e in entries if e for k, _ in e]).type
    items = pa.array([x for e in entries if e for _, x in e]).type
    return pa.array(entries, pa.map_(pa.string() if pa.types.is_null(keys) else keys,
                                     pa.string() if pa.types.is_null(items) else items))
