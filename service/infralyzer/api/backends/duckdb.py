"""The DuckDB backend: each request reads the newest published snapshot (infralyzer.publish)."""

from __future__ import annotations

import duckdb

from infralyzer.api.backends.contract import TableListing
from infralyzer.api.errors import no_snapshot
from infralyzer.api.scope import MartCatalog
from infralyzer.publish import SnapshotHandle, SnapshotReader


def catalog_of(handle: SnapshotHandle, cursor: duckdb.DuckDBPyConnection) -> MartCatalog:
    catalog = handle.cache.get("catalog")
    if catalog is None:
        catalog = MartCatalog.load(cursor)
        handle.cache["catalog"] = catalog
    return catalog  # type: ignore[return-value]


class DuckDBSession:
    """A cursor on one snapshot; the queries run on it (`engine` None), in process."""

    engine = None

    def __init__(self, cursor: duckdb.DuckDBPyConnection, handle: SnapshotHandle) -> None:
        self.cursor, self.handle = cursor, handle
        self.catalog = catalog_of(handle, cursor)

    def semantic_manifest(self) -> str | None:
        try:
            row = self.cursor.execute("select manifest_json from main.semantic_manifest").fetchone()
        except duckdb.CatalogException:
            return None
        return row[0] if row else None

    def table_listing(self) -> TableListing:
        con = self.cursor
        columns = con.execute(
            """
            select c.table_name, c.column_name, c.data_type, d.description
            from information_schema.columns as c
            left join main.table_docs as d
                on d.table_name = c.table_name and d.column_name = c.column_name
            where c.table_schema = 'marts'
            order by c.table_name, c.ordinal_position
            """
        ).fetchall()
        table_docs = dict(
            con.execute("select table_name, description from main.table_docs where column_name is null").fetchall()
        )
        counts = dict(
            con.execute("select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'").fetchall()
        )
        return TableListing(columns, table_docs, counts)

    def close(self) -> None:
        self.handle.release(self.cursor)


class DuckDBBackend:
    name = "duckdb"

    def __init__(self, reader: SnapshotReader) -> None:
        self.reader = reader

    def open_blocks(self) -> bool:
        if self.reader.check_due():
            return True
        handle = self.reader.handle()  # not due: no file system look-up
        return handle is None or "catalog" not in handle.cache

    def open(self) -> DuckDBSession:
        acquired = self.reader.acquire()
        if acquired is None:
            raise no_snapshot()
        cursor, handle = acquired
        try:
            return DuckDBSession(cursor, handle)
        except BaseException:
            handle.release(cursor)
            raise

    def describe(self) -> str:
        return f"duckdb (snapshots published in {self.reader.publish_dir})"
