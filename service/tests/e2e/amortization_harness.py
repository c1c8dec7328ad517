"""Run the compiled SQL of `int_line_items_amortized` on hand-made CUR line items, in DuckDB.

The model's compiled SQL is the real rule (macros/cost/*.sql rendered by dbt); only its input, the
staging view, is swapped for a table holding the given rows, typed like the staging view. The
golden FOCUS cases and the mutation check of the rule both evaluate through here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from infralyzer.dbt_runner import run_dbt
from infralyzer.settings import Settings

MODEL = "int_line_items_amortized"
STAGING = "stg_aws_cur__line_items"
GIVEN_TABLE = "given_line_items"


def compile_model_sql(settings: Settings, target_path: Path) -> str:
    """The model's SQL as dbt compiles it for DuckDB (no database objects needed)."""
    run_dbt(settings, "compile", "--select", MODEL, "--target-path", str(target_path), "--quiet", capture=True)
    [compiled] = target_path.glob(f"compiled/**/{MODEL}.sql")
    return compiled.read_text()


def parse_with_given_input(sql: str) -> exp.Expression:
    """The model's AST, reading the given rows instead of the staging view."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    replaced = 0
    for table in tree.find_all(exp.Table):
        if table.name == STAGING:
            table.replace(exp.to_table(GIVEN_TABLE))
            replaced += 1
    assert replaced == 1, f"expected one reference to {STAGING}, found {replaced}"
    return tree


class LineItemEvaluator:
    """An in-memory DuckDB holding a table typed like the staging view."""

    def __init__(self, build_db: Path):
        self.con = duckdb.connect()
        catalog = build_db.stem
        self.con.execute(f"attach '{build_db}' as \"{catalog}\" (read_only)")
        self.columns = dict(self.con.execute(
            f'select column_name, column_type from (describe "{catalog}".staging.{STAGING})'
        ).fetchall())
        self.con.execute(f"detach \"{catalog}\"")
        definition = ", ".join(f'"{name}" {kind}' for name, kind in self.columns.items())
        self.con.execute(f"create table {GIVEN_TABLE} ({definition})")

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.con.execute(f"delete from {GIVEN_TABLE}")
        for row in rows:
            unknown = set(row) - set(self.columns)
            assert not unknown, f"not columns of {STAGING}: {sorted(unknown)}"
            names = ", ".join(f'"{name}"' for name in row)
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"insert into {GIVEN_TABLE} ({names}) values ({marks})", list(row.values()))

    def run(self, tree: exp.Expression) -> dict[str, dict[str, Any]]:
        """Output rows of the model keyed by line_item_id."""
        cursor = self.con.execute(tree.sql(dialect="duckdb"))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values)) for values in cursor.fetchall()]
        return {row["line_item_id"]: row for row in rows}


def same(expected: Any, actual: Any) -> bool:
    if isinstance(actual, Decimal) or isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return actual is not None and Decimal(str(expected)) == Decimal(actual)
    return expected == actual


def differences(expected_rows: list[dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """What differs between the expected rows (only their listed columns) and the model's output."""
    found = []
    expected_ids = {row["line_item_id"] for row in expected_rows}
    for extra in sorted(set(actual) - expected_ids):
        found.append(f"unexpected row {extra}")
    for row in expected_rows:
        got = actual.get(row["line_item_id"])
        if got is None:
            found.append(f"missing row {row['line_item_id']}")
            continue
        for column, value in row.items():
            if not same(value, got[column]):
                found.append(f"{row['line_item_id']}.{column}: expected {value}, got {got[column]}")
    return found
