"""Which tables a request may read, and account scoping of every table reference.

Every SQL the service runs — the mart endpoints' queries, MetricFlow's SQL for metrics, analysts'
`/sql/query` — is a sqlglot AST that goes through `resolve_tables` before it is rendered. It:

* resolves each table reference to `marts.<table>` (or `main.table_docs` / `main.snapshot_info`),
  refusing any other table; a catalog prefix is only accepted for MetricFlow's own SQL, and is
  dropped (the snapshot file is the only database);
* for a key scoped to accounts, replaces each mart by a subquery that keeps only the key's rows:
  `(select * from marts.t where <account column> in (...)) as t`.

What each mart holds is declared in its YAML (`config.meta`, macros/publish/mart_scopes.sql) and
read from the dbt manifest the marts were built with (`main.table_meta` of the snapshot, or dbt's
`manifest.json` on Athena): `scope: accounts` with its `account_column` (filtered as above),
`scope: reference` (services, regions, calendars: no spend, readable as they are) or
`scope: organisation` (e.g. fct_chargeback by team, fct_export_deliveries, a payer's invoice: a
scoped key cannot read it, 403; an optional `account_column` is only what the `account` filter of
unscoped keys filters on). A mart that declares nothing valid is treated as organisation-wide:
never served unscoped.

Because the filter is applied where the table is read, no query shape (joins, CTEs, subqueries,
set operations, window functions) can see another account's rows. A scoped key sees no figure
beyond its accounts: marts summing or ranking other accounts too (a payer's invoice, commitments
and sizing, the mover ranking) are organisation marts (docs/decisions.md, "What an account-scoped
key sees").
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

import duckdb
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import traverse_scope

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError

log = logging.getLogger(__name__)

META_TABLES = frozenset({"table_docs", "snapshot_info"})
_TABLE_ARGS = {"this", "db", "catalog", "alias", "pivots", "sample"}


class Scope(str, Enum):
    """What a mart's rows belong to (`config.meta.scope`), so what an account-scoped key may read."""

    accounts = "accounts"
    reference = "reference"
    organisation = "organisation"


@dataclass(frozen=True)
class MartScope:
    """How an account-scoped key reads a mart, as its YAML declares it (macros/publish/mart_scopes.sql)."""

    scope: Scope
    account_column: str | None = None  # required with Scope.accounts, optional (filtering only) with organisation

    @classmethod
    def from_meta(cls, table: str, meta: Mapping[str, Any] | None, columns: tuple[str, ...]) -> MartScope | None:
        """The declaration in a mart's `config.meta`; None when it is missing or invalid (the
        build's data test refuses those: here they only fail closed)."""
        meta = meta or {}
        try:
            scope = Scope(meta.get("scope"))
        except ValueError:
            log.warning("mart %s declares no valid scope (config.meta %s): account-scoped keys cannot read it",
                        table, dict(meta))
            return None
        column = meta.get("account_column")  # organisation: optional, only what the `account` filter filters on
        if ((scope is Scope.accounts and column is None) or (scope is Scope.reference and column is not None)
                or (column is not None and column not in columns)):
            log.warning("mart %s: config.meta account_column %r does not fit scope %s and its columns: "
                        "account-scoped keys cannot read it", table, column, scope.value)
            return None
        return cls(scope, column)


def declared_scopes(metas: Mapping[str, Mapping[str, Any] | None],
                    columns: Mapping[str, tuple[str, ...]]) -> dict[str, MartScope]:
    """The valid declarations of the catalogued marts, from their `config.meta` by table name."""
    scopes = {t: MartScope.from_meta(t, metas.get(t), c) for t, c in columns.items()}
    return {t: s for t, s in scopes.items() if s is not None}


# DuckDB's MAP(...), STRUCT(...) and VARCHAR[]; Athena's map<...>, array<...> and row(...)
_NOT_ORDERABLE = re.compile(r"^(map|struct|row|array|list)\b|\[\d*\]$", re.IGNORECASE)


@dataclass(frozen=True)
class MartCatalog:
    """The marts of one version (snapshot or Athena catalog): their columns, and the account scope
    each declares (read once per version)."""

    columns: dict[str, tuple[str, ...]]
    types: dict[str, dict[str, str]] = field(default_factory=dict)
    scopes: dict[str, MartScope] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> MartCatalog:
        """The catalog of a published snapshot: its `marts` tables, and `main.table_meta`."""
        columns: dict[str, list[str]] = {}
        types: dict[str, dict[str, str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
            types.setdefault(table, {})[column] = data_type
        try:
            metas = {t: json.loads(m) for t, m in con.execute("select table_name, meta_json from main.table_meta")
                     .fetchall()}
        except duckdb.CatalogException:  # published before marts declared their scope
            metas = {}
        names = {t: tuple(c) for t, c in columns.items()}
        return cls(names, types, declared_scopes(metas, names))

    @cached_property
    def fingerprint(self) -> str:
        """Identifies the tables, columns and scopes (cache keys of SQL rewritten for this catalog)."""
        scopes = sorted((t, s.scope.value, s.account_column) for t, s in self.scopes.items())
        return hashlib.sha256(repr((sorted(self.columns.items()), scopes)).encode()).hexdigest()

    def has(self, table: str) -> bool:
        return table in self.columns

    def sortable(self, table: str) -> list[str]:
        """The columns a page may be sorted by: not maps, lists or structs, which Trino and Athena
        cannot order (DuckDB can; a mart endpoint must answer alike on every engine)."""
        types = self.types.get(table, {})
        return [c for c in self.columns[table] if not _NOT_ORDERABLE.search(types.get(c, ""))]

    def account_column(self, table: str) -> str | None:
        """The column the `account` filter (and, for scope accounts, a key's scope) filters on."""
        scope = self.scopes.get(table)
        return scope.account_column if scope is not None else None

    def visible_to(self, table: str, principal: Principal) -> bool:
        if not principal.scoped:
            return True
        scope = self.scopes.get(table)
        return scope is not None and scope.scope in (Scope.accounts, Scope.reference)

    def require(self, table: str, principal: Principal) -> None:
        if not self.has(table):
            raise ApiError(404, "mart_not_published",
                           f"The mart {table} is not in the served snapshot (not built yet, or not enabled).",
                           {"table": table})
        if not self.visible_to(table, principal):
            raise ApiError(403, "table_not_in_scope",
                           f"{table} is not scoped by account: an account-scoped key cannot read it.",
                           {"table": table})


def cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def cte_references(tree: exp.Expression) -> set[int]:
    """The ids of the table references of `tree` that name a CTE visible where they stand.

    SQL scoping, as sqlglot's scope module builds it: a CTE is visible in its own query (its later
    siblings, the main query) and in that query's subqueries, nowhere else. A name that matches a
    CTE declared elsewhere is a table reference, and is checked as one. Every table node must be
    placed in a scope, or the query is refused: what cannot be analysed is not run."""
    if not any(isinstance(node, exp.With) for node in tree.walk()):
        return set()
    try:
        scopes = traverse_scope(tree)
    except (OptimizeError, ValueError, KeyError) as exc:
        raise ApiError(400, "sql_not_allowed", "The query's table references cannot be analysed.") from exc
    references: set[int] = set()
    placed: set[int] = set()
    for scope in scopes:
        visible = {name.lower() for name in scope.cte_sources}
        for table in scope.tables:
            placed.add(id(table))
            if not table.db and not table.catalog and table.name.lower() in visible:
                references.add(id(table))
    if any(id(table) not in placed for table in tree.find_all(exp.Table)):
        raise ApiError(400, "sql_not_allowed", "The query's table references cannot be analysed.")
    return references


def resolve_tables(tree: exp.Expression, catalog: MartCatalog, principal: Principal, *,
                   allow_catalog_prefix: bool = False, allow_meta: bool = True,
                   reserved_names: frozenset[str] = frozenset()) -> exp.Expression:
    """Qualify, check and (for scoped keys) filter every table reference of `tree`, in place.

    A CTE may not be named like a published table or like any of `reserved_names` (the names the
    engine would resolve an unqualified table to: its system views), so a reference the engine
    binds differently from this analysis can only fail, never read something else."""
    ctes = cte_names(tree)
    shadowing = ctes & (set(catalog.columns) | META_TABLES | reserved_names)
    if shadowing:
        raise ApiError(400, "sql_not_allowed", "A CTE may not be named like a published or system table.",
                       {"names": sorted(shadowing)[:20]})
    references = cte_references(tree)
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
        if id(table) in references:
            continue
        if schema in (None, "marts") and catalog.has(name):
            schema = "marts"
        elif allow_meta and schema in (None, "main") and name in META_TABLES:
            schema = "main"
        else:
            raise ApiError(400, "table_not_allowed",
                           "Only the published marts (marts.<table>) can be queried.",
                           {"table": table.sql("duckdb")[:200],
                            "marts": sorted(t for t in catalog.columns if catalog.visible_to(t, principal))})
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
