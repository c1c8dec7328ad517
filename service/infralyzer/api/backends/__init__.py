"""Where the API reads the marts: a published DuckDB snapshot (default) or Athena, behind the same endpoints.

A backend opens a `Session` per request: one version of the marts (a snapshot file, or the Athena
marts as last catalogued), its `MartCatalog`, its freshness (`SnapshotInfo`) and a per-version
`cache`. Queries are the same sqlglot ASTs and the same scoping (`infralyzer.api.scope`) on every
backend, rendered as DuckDB SQL; only the last step differs:

* DuckDB: `QueryContext` runs the SQL on the session's snapshot cursor (in process);
* Athena: the session's `engine` re-renders it in the Athena dialect and runs it remotely.

`Session.cursor` is a DuckDB cursor on both: the snapshot itself, or (Athena) a parse-only
in-memory database for the analyst SQL guard, whose last layer is DuckDB's own parser.
"""

from __future__ import annotations

from infralyzer.api.backends.contract import Backend, Engine, Session, TableListing, Version
from infralyzer.settings import Settings

__all__ = ["Backend", "Engine", "Session", "TableListing", "Version", "make_backend"]


def make_backend(settings: Settings) -> Backend:
    if settings.backend == "athena":
        from infralyzer.api.backends.athena import AthenaBackend

        return AthenaBackend(settings)
    from infralyzer.api.backends.duckdb import DuckDBBackend
    from infralyzer.publish import SnapshotReader

    assert settings.publish_dir is not None
    return DuckDBBackend(SnapshotReader(settings.publish_dir))
