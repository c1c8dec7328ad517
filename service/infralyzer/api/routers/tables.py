"""The published marts with their columns and descriptions (from dbt's docs, published with them)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from infralyzer.api.deps import Snapshot

router = APIRouter(tags=["tables"])


class Column(BaseModel):
    name: str
    data_type: str
    description: str | None


class Table(BaseModel):
    name: str
    description: str | None
    row_count: int
    columns: list[Column]


class Tables(BaseModel):
    data: list[Table]
    row_count: int


@router.get("/tables", response_model=Tables, summary="Published marts, their columns and docs")
def list_tables(snapshot: Snapshot) -> Tables:
    con, _ = snapshot
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
        con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    )
    tables: dict[str, Table] = {}
    for table_name, column_name, data_type, description in columns:
        table = tables.setdefault(
            table_name,
            Table(
                name=table_name,
                description=table_docs.get(table_name),
                row_count=counts.get(table_name, 0),
                columns=[],
            ),
        )
        table.columns.append(Column(name=column_name, data_type=data_type, description=description))
    return Tables(data=list(tables.values()), row_count=len(tables))
