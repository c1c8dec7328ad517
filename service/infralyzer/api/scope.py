"""Which tables a request may read, and account scoping of every table reference.

Every SQL the service runs — the mart endpoints' queries, MetricFlow's SQL for metrics, analysts'
`/sql/query` — is a sqlglot AST that goes through `resolve_tables` before it is rendered. It:

* resolves each table reference to `marts.<table>` (or `main.table_docs` / `main.snapshot_info`),
  refusing any other table; a catalog prefix is only accepted for MetricFlow's own SQL, and is
  dropped (the snapshot file is the only database);
* for a key scoped to accounts, replaces each mart by a subquery that keeps only the key's rows:
  `(select * from marts.t where <account column> in (...)) as t`. The account column is the
  first of `usage_account_id`, `account_id`, `payer_account_id` the mart has. Marts with no
  account column are either reference data without spend (`REFERENCE_TABLES`: services, regions,
  calendar, billing periods, the time spine), readable as they are, or organisation-wide facts
  (e.g. fct_chargeback by team, fct_export_deliveries), which a scoped key cannot read (403).

Because the filter is applied where the table is read, no query shape (joins, CTEs, subqueries,
set operations, window functions) can see another account's rows. Payer-level marts (invoice
summary, commitments, Savings Plan sizing) are visible to a scoped key only for payers in its list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
from sqlglot import exp

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError

REFERENCE_TABLES = frozenset(
    {"dim_services", "dim_regions", "dim_billing_periods", "dim_calendar", "metricflow_time_spine"}
)
ACCOUNT_COLUMNS = ("usage_account_id", "account_id", "payer_account_id")
META_TABLES = frozenset({"table_docs", "snapshot_info"})
_TABLE_ARGS = {"this", "db", "catalog", "alias", "pivots", "sample"}


@dataclass(frozen=True)
class MartCatalog:
    """The marts of one snapshot and their columns (read once per snapshot)."""

    columns: dict[str, tuple[str, ...]]
    types: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> MartCatalog:
        columns: dict[str, list[str]] = {}
        types: dict[str, dict[str, str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
            types.setdefault(table, {})[column] = data_type
        return cls({t: tuple(c) for t, c in columns.items()}, types)

    @cached_property
    def fingerprint(self) -> str:
        """Identifies the tables and columns (cache keys of SQL rewritten for this catalog)."""
        return hashlib.sha256(repr(sorted(self.columns.items())).encode()).hexdigest()

    def has(self, table: str) -> bool:
        return table in self.columns

    def account_column(self, table: str) -> str | None:
        return next((c for c in ACCOUNT_COLUMNS if c in self.columns.get(table, ())), None)

    def visible_to(self, table: str, principal: Principal) -> bool:
        if not principal.scoped or table in REFERENCE_TABLES:
            return True
        return self.account_column(table) is not None

    def require(self, table: str, principal: Principal) -> None:
        if not self.has(table):
            raise ApiError(404, "mart_not_published",
                           f"The mart {table} is not in the served snapshot (not built yet, or not enabled).",
                           {"table": table})
        if not self.visible_to(table, principal):
            raise ApiError(403, "table_not_in_scope",
                           f"{table} has no account column: an account-scoped key cannot read it.",
                           {"table": table})


def cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def resolve_tables(tree: exp.Expression, catalog: MartCatalog, principal: Principal, *,
                   allow_catalog_prefix: bool = False, allow_meta: bool = True) -> exp.Expression:
    """Qualify, check and (for scoped keys) filter every table reference of `tree`, in place."""
    ctes = cte_names(tree)
    shadowing = ctes & (set(catalog.columns) | META_TABLES)
    if shadowing:
        raise ApiError(400, "sql_not_allowed", "A CTE may not be named like a published table.",
                       {"names": sorted(shadowing)})
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise ApiError(400, "sql_not_allowed", "Table functions are not allowed: read the published marts.",
                           {"table": table.sql("duckdb")[:200]})
        name = table.name.lower()
        schema = table.db.lower() if table.db else None
        if table.catalog and not allow_catalog_prefix:
            raise ApiError(400, "sql_not_allowed", "Name tables as marts.<table> (no database prefix).",
                           {"table": table.sql("duckdb")[:200]})
        extra = {k for k, v in table.args.items() if v and k not in _TABLE_ARGS}
        if extra:
            raise ApiError(400, "sql_not_allowed", "Unsupported table clause.", {"clauses": sorted(extra)})
        if schema is None and name in ctes:
            continue
        if schema in (None, "marts") and catalog.has(name):
            schema = "marts"
        elif allow_meta and schema in (None, "main") and name in META_TABLES:
            schema = "main"
        else:
            raise ApiError(400, "table_not_allowed",
                           "Only the published marts (marts.<table>) can be queried.",
                           {"table": table.sql("duckdb")[:200], "marts": sorted(catalog.columns)})
        alias = table.args.get("alias")
        if schema == "marts":
            catalog.require(name, principal)
        column = catalog.account_column(name) if schema == "marts" and principal.scoped else None
        if column is None:
            replacement: exp.Expression = exp.Table(
                this=exp.to_identifier(name), db=exp.to_identifier(schema), alias=alias.copy() if alias else None
            )
        else:
            accounts = sorted(principal.accounts or ())
            condition = (
                exp.column(column).isin(*[exp.Literal.string(a) for a in accounts]) if accounts else exp.false()
            )
            inner = exp.select("*").from_(exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema)))
            replacement = exp.Subquery(
                this=inner.where(condition),
                alias=alias.copy() if alias else exp.TableAlias(this=exp.to_identifier(name)),
            )
        for key in ("pivots", "sample"):
            if table.args.get(key):
                replacement.set(key, table.args[key])
        if table is tree:
            raise ApiError(400, "sql_not_allowed", "Not a query.")
        table.replace(replacement)
    return tree
