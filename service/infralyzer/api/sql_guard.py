"""The guard of `POST /sql/query`: one read-only SELECT over the published marts, nothing else.

Layers, each enough on its own for the file system and network:

1. **Text limits**: at most `sql_max_length` characters, no NUL, parenthesis nesting ≤ 64.
2. **sqlglot (DuckDB dialect)**: exactly one statement; its root is a query (SELECT, set
   operation); no node anywhere is DDL, DML, COPY, ATTACH/DETACH, INSTALL/LOAD, PRAGMA, SET/RESET,
   USE, CALL, EXPORT/IMPORT, SELECT … INTO, DESCRIBE/SHOW/SUMMARIZE, a transaction or an
   unparsed command (so DDL inside a CTE is refused too). Every table is a published mart
   (`marts.<t>`, or `main.table_docs` / `main.snapshot_info`) or a CTE: table functions
   (`read_csv`, `read_text`, `read_parquet`, `glob`, `query`, …) and file names
   (`from '/etc/passwd'`) are refused. Tables are then rewritten for the key's account scope
   (`infralyzer.api.scope`), a row limit is added, and the SQL is *regenerated from the AST*:
   what runs is what was checked.
3. **DuckDB's own parser** (`json_serialize_sql`) re-parses the regenerated SQL: it must be one
   SELECT whose functions are all in `ALLOWED_FUNCTIONS` (an allowlist: no `read_*`, `getenv`,
   `current_setting`, `duckdb_*` …), whose table functions are only `unnest`/`range`/
   `generate_series`, and whose tables are marts or CTEs.
4. **The connection**: the snapshot is opened read-only with `enable_external_access = false`,
   `lock_configuration = true` and no extension autoloading; a timer thread interrupts the query
   after `sql_timeout_seconds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.api.scope import META_TABLES, MartCatalog, resolve_tables

MAX_NESTING = 64
MAX_EXPRESSION_DEPTH = 200  # DuckDB plans deeper expressions (a long chain of `+`) slowly, then fails at 1000

_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (
    exp.DDL, exp.DML, exp.Create, exp.Drop, exp.Alter, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Copy,
    exp.Command, exp.Set, exp.SetItem, exp.Pragma, exp.Use, exp.Attach, exp.Detach, exp.Install, exp.Into,
    exp.LoadData, exp.Transaction, exp.Commit, exp.Rollback, exp.Describe, exp.Show, exp.Summarize, exp.Cache,
    exp.Uncache, exp.Refresh, exp.Kill, exp.Grant, exp.Revoke, exp.TruncateTable, exp.Analyze, exp.Export,
    exp.Declare, exp.Execute, exp.Comment,
)

ALLOWED_TABLE_FUNCTIONS = frozenset({"unnest", "range", "generate_series"})

# DuckDB function names (as DuckDB's parser reports them) an analyst query may call.
ALLOWED_FUNCTIONS = frozenset("""
sum avg mean min max count count_star first last any_value arg_min arg_max argmin argmax min_by max_by
median quantile quantile_cont quantile_disc percentile_cont percentile_disc mode stddev stddev_samp
stddev_pop variance var_samp var_pop corr covar_pop covar_samp approx_count_distinct approx_quantile
bool_and bool_or string_agg group_concat listagg list array_agg histogram product fsum sumkahan kahan_sum
bit_and bit_or bit_xor entropy kurtosis skewness regr_slope regr_intercept regr_r2 regr_count
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
abs ceil ceiling floor round round_even trunc sign sqrt cbrt pow power exp ln log log2 log10 mod
greatest least isnan isinf isfinite pi random even factorial gcd lcm
coalesce ifnull nullif if iif ifelse
lower upper lcase ucase length len char_length character_length strlen concat concat_ws substring substr
left right trim ltrim rtrim replace reverse split_part string_split str_split position
strpos instr contains starts_with ends_with prefix suffix like_escape ilike_escape regexp_matches
regexp_replace regexp_extract regexp_full_match md5 hash sha256 ascii chr unicode initcap
translate
date_trunc datetrunc date_part datepart extract date_diff datediff date_sub datesub date_add year month day
quarter week weekday dayofweek dayofmonth dayofyear isodow isoyear yearweek hour minute second epoch
epoch_ms make_date make_timestamp strftime strptime try_strptime last_day monthname dayname
current_date today now current_timestamp get_current_timestamp get_current_time time_bucket age
to_days to_months to_years to_hours to_minutes to_seconds to_weeks
list_value list_pack list_extract list_element list_contains list_has list_aggregate list_transform
list_filter list_sort list_distinct list_unique list_concat list_sum array_length array_contains
list_slice array_slice array_extract element_at flatten len cardinality
struct_pack struct_extract row map map_extract map_keys map_values map_entries map_from_entries
element_at unnest
typeof try_cast cast
json_extract json_extract_string json_extract_path json_extract_path_text json_value json_keys
json_array_length json_type json_valid to_json json_object json_array
""".split()) | frozenset({"~~", "!~~", "~~*", "!~~*", "~~~", "||", "^", "**", "//", "%", "@", "<->", "&", "|",
                          "<<", ">>", "!__postfix", "+", "-", "*", "/", "array_length"})


@dataclass(frozen=True)
class GuardedQuery:
    sql: str
    row_limit: int


def _refuse(message: str, details: Any = None, code: str = "sql_not_allowed") -> ApiError:
    return ApiError(400, code, message, details)


def _check_text(sql: str, max_length: int) -> None:
    if len(sql) > max_length:
        raise ApiError(413, "sql_too_long", f"The SQL is longer than {max_length} characters.", {"length": len(sql)})
    if "\x00" in sql:
        raise _refuse("The SQL contains a NUL character.")
    depth = deepest = 0
    for char in sql:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        raise _refuse(f"The SQL nests parentheses deeper than {MAX_NESTING} levels.", {"depth": deepest},
                      "sql_too_complex")


def parse_single_select(sql: str) -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (ParseError, TokenError) as exc:
        raise _refuse("The SQL does not parse.", {"reason": str(exc).splitlines()[0][:300]}, "sql_parse_error") from exc
    except RecursionError as exc:
        raise _refuse("The SQL is too deeply nested.", code="sql_too_complex") from exc
    if len(statements) != 1:
        raise _refuse("Send exactly one statement.", {"statements": len(statements)})
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise _refuse("Only a SELECT query is allowed.", {"statement": type(tree).__name__})
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise _refuse("Only a read-only SELECT is allowed.", {"found": type(node).__name__})
    _check_depth(tree)
    return tree


def _check_depth(tree: exp.Expression) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise _refuse(f"The SQL nests expressions deeper than {MAX_EXPRESSION_DEPTH} levels.", code="sql_too_complex")
        stack.extend((child, depth + 1) for child in node.iter_expressions())


def _limit(tree: exp.Query, row_limit: int) -> exp.Query:
    """Return at most row_limit + 1 rows (the extra row says the result was truncated)."""
    cap = row_limit + 1
    current = tree.args.get("limit")
    if current is None and not tree.args.get("offset"):
        return tree.limit(cap, copy=False)
    if isinstance(current, exp.Limit) and isinstance(current.expression, exp.Literal) and current.expression.is_int:
        if int(current.expression.this) <= cap and not tree.args.get("fetch"):
            return tree
    return exp.select("*").from_(tree.subquery("limited")).limit(cap)


def _duckdb_tree(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    """DuckDB's own parse of `sql`: one SELECT statement, as a JSON tree. Any parser limit
    (expression depth, size) is a refusal, never a server error."""
    try:
        statements = duckdb.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise _refuse("Only a single SELECT is allowed.")
        tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    except duckdb.Error as exc:
        raise _refuse("The SQL does not parse.", {"reason": _first_line(exc)}, "sql_parse_error") from exc
    except RecursionError as exc:
        raise _refuse("The SQL is too deeply nested.", code="sql_too_complex") from exc
    if tree.get("error"):
        reason = str(tree.get("error_message") or "")
        code = "sql_too_complex" if "depth" in reason.lower() else "sql_parse_error"
        raise _refuse("The SQL does not parse.", {"reason": reason[:300]}, code)
    return tree


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _duckdb_check(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Re-parse with DuckDB's parser and check every node: each function call (scalar, aggregate,
    window, operator) is in the allowlist, each table function in its own, and each table is a
    mart, a metadata table or a CTE visible where it is referenced (DuckDB's `cte_map` of the
    queries around it)."""
    tree = _duckdb_tree(con, sql)
    problems: set[str] = set()
    checked: set[int] = set()  # the function of a table function: checked against the table allowlist
    stack: list[tuple[Any, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, visible = stack.pop()
        if isinstance(node, list):
            stack.extend((child, visible) for child in node)
            continue
        if not isinstance(node, dict):
            continue
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            visible = visible | {str(e.get("key", "")).lower() for e in cte_map.get("map") or []}
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            checked.add(id(function))
            name = str(function.get("function_name") or "").lower()
            if name not in ALLOWED_TABLE_FUNCTIONS or function.get("schema") or function.get("catalog"):
                problems.add(f"table function {name}")
        elif "function_name" in node and id(node) not in checked:
            name = str(node.get("function_name") or "").lower()
            if node.get("schema") not in ("", None, "main") or node.get("catalog") not in ("", None):
                problems.add(f"function {node.get('schema')}.{name}")
            elif name not in ALLOWED_FUNCTIONS:
                problems.add(f"function {name}")
        elif kind == "BASE_TABLE":
            schema, table = str(node.get("schema_name") or ""), str(node.get("table_name") or "")
            if node.get("catalog_name"):
                problems.add(f"table {node.get('catalog_name')}.{schema}.{table}")
            elif not (schema == "marts" or (schema == "main" and table in META_TABLES)
                      or (schema == "" and table.lower() in visible)):
                problems.add(f"table {schema}.{table}".replace("table .", "table "))
        stack.extend((child, visible) for child in node.values() if isinstance(child, (dict, list)))
    if problems:
        raise _refuse("The query uses something that is not allowed.", {"not_allowed": sorted(problems)[:20]})


def json_objects(node: Any) -> Iterator[dict]:
    """Every JSON object in a parsed JSON document (a parse tree, a manifest), parents first; a
    caller may replace an object's values before its children are visited."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from json_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_objects(value)


def reserved_names(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Names DuckDB resolves an unqualified table to besides the marts: its system views
    (`duckdb_databases`, `pg_settings`, …) and the snapshot's own tables. No CTE may take one."""
    rows = con.execute("select view_name from duckdb_views() union all "
                       "select table_name from duckdb_tables() where schema_name <> 'marts'").fetchall()
    return frozenset(str(name).lower() for (name,) in rows)


def guard(sql: str, con: duckdb.DuckDBPyConnection, catalog: MartCatalog, principal: Principal, *,
          row_limit: int, max_length: int) -> GuardedQuery:
    """Check analyst SQL and return the SQL to run (scoped, limited, regenerated)."""
    _check_text(sql, max_length)
    try:
        tree = parse_single_select(sql)
        resolve_tables(tree, catalog, principal, reserved_names=reserved_names(con))
        tree = _limit(tree, row_limit)
        final = tree.sql(dialect="duckdb")
    except RecursionError as exc:
        raise _refuse("The SQL is too deeply nested.", code="sql_too_complex") from exc
    _duckdb_check(con, final)
    return GuardedQuery(final, row_limit)
