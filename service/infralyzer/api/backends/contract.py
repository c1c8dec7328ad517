"""What every backend provides (see the package docstring): a `Backend` opens a `Session` per
request on one `Version` of the marts; an `Engine` runs the queries outside the process (Athena)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from infralyzer.api.scope import MartCatalog
from infralyzer.publish import SnapshotInfo


@dataclass(frozen=True)
class TableListing:
    """What `GET /tables` shows: every mart column in order, with docs and row counts where known."""

    columns: list[tuple[str, str, str, str | None]]  # table, column, data type, description
    table_docs: dict[str, str | None] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)


class Engine(Protocol):
    """A query engine outside the process. It receives what DuckDB would run — scoped DuckDB SQL
    (tables `marts.<t>`, user values `$name` placeholders) and the values — and owns the rest:
    dialect, table names, binding, time limit. Errors are ApiErrors of the same shape."""

    def run_sql(self, sql: str, params: dict[str, Any], timeout: float) -> pa.Table: ...


class Version(Protocol):
    """One version of the marts: a `SnapshotHandle`, or the Athena marts as last catalogued."""

    info: SnapshotInfo
    cache: dict[str, object]  # data derived from this version (catalog, semantic layer, results)


class Session(Protocol):
    cursor: duckdb.DuckDBPyConnection
    handle: Version
    catalog: MartCatalog
    engine: Engine | None  # None: queries run on `cursor`

    def semantic_manifest(self) -> str | None: ...

    def table_listing(self) -> TableListing: ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    def open_blocks(self) -> bool:
        """True when `open()` may do I/O (look for a snapshot, read a catalog): run it in a thread."""
        ...

    def open(self) -> Session:
        """The current version of the marts for one request; ApiError 503 when there is none."""
        ...

    def describe(self) -> str: ...
