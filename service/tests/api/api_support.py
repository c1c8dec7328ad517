"""What the API tests import (fixtures are in conftest.py): the test keys and their headers, the
settings of an app serving a publish folder, reading tabular answers, comparing numbers, the
hostile SQL every backend must refuse, and small snapshots shaped like the published ones.

The API is served from the snapshot the session's `dbt build` published (root conftest `built`).
For quick iterations, INFRALYZER_TEST_PUBLISH_DIR points the tests at an existing publish folder.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq

from infralyzer.api.auth import hash_key
from infralyzer.settings import Settings

API = "/api/v1/finops"

# two member accounts of the sample organisation, and its payer (service/infralyzer/exports/generate)
SCOPED_ACCOUNTS = ["080184646050", "636167725090"]
KEYS = {
    "viewer": {"role": "viewer", "accounts": None},
    "viewer-2": {"role": "viewer", "accounts": None},  # another key of the same role and scope
    "analyst": {"role": "analyst", "accounts": None},
    "scoped-analyst": {"role": "analyst", "accounts": SCOPED_ACCOUNTS},
    "scoped-viewer": {"role": "viewer", "accounts": SCOPED_ACCOUNTS},
    "nobody": {"role": "analyst", "accounts": []},
}


def key_of(name: str) -> str:
    return f"test-key-{name}-0123456789"


def headers(name: str) -> dict[str, str]:
    return {"X-API-Key": key_of(name)}


def make_settings(publish_dir: Path, **overrides) -> Settings:
    keys = [{"name": name, "key_sha256": hash_key(key_of(name)), **spec} for name, spec in KEYS.items()]
    return Settings(publish_dir=publish_dir, api_keys=json.dumps(keys), api_keys_file=None, **overrides)


def read_table(response) -> pa.Table:
    """A CSV, Parquet or Arrow response as an Arrow table."""
    media = response.headers["content-type"].split(";")[0]
    body = io.BytesIO(response.content)
    if media == "text/csv":
        import pyarrow.csv as pa_csv

        return pa_csv.read_csv(body)
    if media == "application/vnd.apache.parquet":
        return pq.read_table(body)
    if media == "application/vnd.apache.arrow.stream":
        return pa.ipc.open_stream(body).read_all()
    raise AssertionError(media)


def close(a, b, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= rel * max(1.0, abs(float(b)))


def hostile_queries(canary: str, target: str, database: str) -> list[str]:
    return [
        f"select * from read_csv('{canary}')",
        f"select * from read_csv_auto('{canary}')",
        "select * from read_text('/etc/passwd')",
        f"select * from read_text('{canary}')",
        "select * from read_parquet('/etc/passwd')",
        "select * from read_json('/etc/passwd')",
        "select * from read_blob('/etc/passwd')",
        "select * from glob('/etc/*')",
        f"select * from '{canary}'",
        "select * from '/etc/passwd'",
        f"from '{canary}'",
        f"select read_text('{canary}')",
        f"select content from (select 1) as x, read_text('{canary}')",
        f"select * from marts.dim_regions where region in (select column0 from read_csv('{canary}'))",
        f"with x as (select * from read_csv('{canary}')) select * from x",
        f"select list_transform(['{canary}'], f -> read_text(f))",
        f"select * from sniff_csv('{canary}')",
        "select * from parquet_metadata('/etc/passwd')",
        "select * from query('select 42')",
        "select * from duckdb_settings()",
        "select current_setting('enable_external_access')",
        "select getenv('HOME')",
        f"copy (select 1) to '{target}'",
        f"copy marts.dim_regions to '{target}' (format csv)",
        f"attach '{database}' as other",
        "detach infralyzer",
        "install httpfs",
        "load httpfs",
        "pragma version",
        "pragma database_list",
        "set enable_external_access = true",
        "set threads = 64",
        "reset threads",
        "call pragma_version()",
        "use marts",
        "checkpoint",
        f"export database '{target}'",
        f"import database '{target}'",
        "select 1; select 2",
        "select 1; drop table marts.dim_regions",
        "select * from marts.dim_regions;;; select 1",
        "with x as (create table y as select 1) select * from x",
        "with x as (delete from marts.dim_regions returning *) select * from x",
        "with x as (insert into marts.dim_regions values ('x', false, false) returning *) select * from x",
        "select * into new_table from marts.dim_regions",
        "create table marts.x as select 1",
        "create macro m() as 1",
        "drop table marts.dim_regions",
        "update marts.dim_regions set region = 'x'",
        "delete from marts.dim_regions",
        "describe marts.dim_regions",
        "summarize marts.dim_regions",
        "show tables",
        "select * from information_schema.tables",
        "select * from pragma_database_list",
        "select * from duckdb_tables()",
        "select * from other.marts.dim_regions",
        "select * from system.main.duckdb_settings()",
        "select * from range(100000000000) as a, range(1000) as b",
        "with dim_regions as (select 1 as region) select * from dim_regions",
        "select " + "(" * 300 + "1" + ")" * 300,
        "select 1 " + "union all select 1 " * 5_000,
        "select '" + "x" * 30_000 + "'",
        "select 1 from marts.dim_regions where " + " or ".join(f"region = 'r{i}'" for i in range(3_000)),
        "",
        "   ",
        "not sql at all",
        "select * from marts.dim_regions\x00; copy (select 1) to '/tmp/x'",
    ]


def write_snapshot(publish_dir: Path, name: str, period: str, complete: bool = True, rows: int = 3,
                   meta: dict | None = {"scope": "organisation"}) -> Path:  # noqa: B006  (never mutated)
    """A snapshot shaped like the one macros/publish/publish_snapshot.sql writes; `meta` None: one
    published before the marts declared their account scope (no main.table_meta)."""
    path = publish_dir / f"snapshot-{name}.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_example as select range as n, '{period}' as billing_period from range({rows})")
    con.execute("create table main.table_docs (table_name varchar, column_name varchar, description varchar)")
    con.execute("insert into main.table_docs values ('fct_example', null, 'An example mart.'), "
                "('fct_example', 'n', 'A number.')")
    if meta is not None:
        con.execute("create table main.table_meta (table_name varchar, meta_json varchar)")
        con.execute("insert into main.table_meta values ('fct_example', ?)", [json.dumps(meta)])
    if complete:
        con.execute(
            f"create table main.snapshot_info as select timestamp '2026-10-01 00:00:00' as built_at, "
            f"'{name}' as invocation_id, '{period}' as newest_billing_period, 1 as table_count"
        )
    con.close()
    return path
