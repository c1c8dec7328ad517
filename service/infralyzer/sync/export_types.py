"""What kind of export a delivery is, decided by its columns as the dbt sources declare them.

Every source table of an AWS export carries `meta.export_type` and `meta.identifying_columns` in
models/staging/*/_*__sources.yml: a delivery whose columns include all identifying columns of a
type is of that type, whatever its folder is named. This module only reads that rule; it never
restates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class SourceTable:
    """One source table of the dbt project, as its YAML declares it."""

    source: str
    name: str
    identifier: str
    export_type: str | None
    identifying_columns: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (name, data_type) in declared order
    optional_columns: tuple[str, ...] = ()  # columns with `meta: {optional: true}`: an export may leave them out


@lru_cache(maxsize=8)
def source_tables(project_dir: Path) -> tuple[SourceTable, ...]:
    """Every source table declared under models/staging (pyyaml; the Jinja strings are not needed)."""
    tables = []
    for path in sorted(Path(project_dir).glob("models/staging/*/_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            for table in source.get("tables", []):
                meta = table.get("meta") or {}
                tables.append(SourceTable(
                    source=source["name"],
                    name=table["name"],
                    identifier=table.get("identifier") or table["name"],
                    export_type=meta.get("export_type"),
                    identifying_columns=tuple(meta.get("identifying_columns") or ()),
                    columns=tuple((c["name"], c.get("data_type") or "varchar") for c in table.get("columns") or ()),
                    optional_columns=tuple(c["name"] for c in table.get("columns") or ()
                                           if (c.get("meta") or {}).get("optional")),
                ))
    return tuple(tables)


def export_types(project_dir: Path) -> tuple[SourceTable, ...]:
    """The source tables that are AWS export types (those with identifying columns)."""
    return tuple(t for t in source_tables(project_dir) if t.export_type and t.identifying_columns)


def source_table(project_dir: Path, source: str, name: str) -> SourceTable:
    for table in source_tables(project_dir):
        if (table.source, table.name) == (source, name):
            return table
    raise LookupError(f"no source table {source}.{name} under {project_dir}/models/staging")


def recognise(project_dir: Path, columns: list[str]) -> SourceTable | None:
    """The export type whose identifying columns the delivery's `columns` all include (case-insensitive).

    When several types match, the one with the most identifying columns is the most specific;
    a tie is ambiguous and raises.
    """
    present = {c.lower() for c in columns}
    matches = [t for t in export_types(project_dir) if all(c.lower() in present for c in t.identifying_columns)]
    if not matches:
        return None
    matches.sort(key=lambda t: len(t.identifying_columns), reverse=True)
    if len(matches) > 1 and len(matches[0].identifying_columns) == len(matches[1].identifying_columns):
        raise ValueError(
            "columns match several export types: " + ", ".join(t.export_type for t in matches)
        )
    return matches[0]
