"""The account scope each mart declares in its YAML (`config.meta`) reaches the API through the
snapshot (`main.table_meta`): every published mart declares one, and a mart whose declaration is
missing or invalid is never served to an account-scoped key (it fails closed, 403)."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.api.scope import MartCatalog, MartScope, Scope, resolve_tables
from infralyzer.publish import connect

from api_support import API, SCOPED_ACCOUNTS, headers, make_settings, write_snapshot

SCOPED = Principal(name="scoped", role="analyst", accounts=frozenset(SCOPED_ACCOUNTS))
EVERYONE = Principal(name="everyone", role="analyst", accounts=None)


def parse(sql: str) -> sqlglot.exp.Expression:
    return sqlglot.parse_one(sql, read="duckdb")


def test_every_published_mart_declares_its_scope(snapshot_path):
    con = connect(snapshot_path)
    try:
        catalog = MartCatalog.load(con)
    finally:
        con.close()
    assert set(catalog.scopes) == set(catalog.columns)  # none left to fail closed
    assert catalog.scopes["fct_spend_daily"] == MartScope(Scope.accounts, "usage_account_id")
    assert catalog.scopes["fct_invoice_summary"] == MartScope(Scope.organisation, "payer_account_id")  # beyond a key
    assert catalog.scopes["fct_top_movers"] == MartScope(Scope.organisation, "usage_account_id")  # ranks all
    assert catalog.scopes["dim_services"] == MartScope(Scope.reference)
    assert catalog.scopes["fct_chargeback"] == MartScope(Scope.organisation)


@pytest.fixture
def declared(tmp_path) -> MartCatalog:
    """A snapshot's catalog with one mart per kind of declaration, valid or not."""
    con = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    con.execute("create schema marts")
    for table in ("by_account", "wrong_column", "not_accounts", "undeclared", "unknown"):
        con.execute(f"create table marts.{table} as select '080184646050' as usage_account_id, 1 as cost")
    con.execute("create table marts.regions as select 'us-east-1' as region")
    con.execute("create table marts.by_team as select 'platform' as team, 1 as cost")
    con.execute("create table main.table_meta (table_name varchar, meta_json varchar)")
    con.execute("""insert into main.table_meta values
        ('by_account', '{"scope": "accounts", "account_column": "usage_account_id"}'),
        ('wrong_column', '{"scope": "accounts", "account_column": "account_id"}'),
        ('not_accounts', '{"scope": "reference", "account_column": "usage_account_id"}'),
        ('unknown', '{"scope": "everyone"}'),
        ('regions', '{"scope": "reference"}'),
        ('by_team', '{"scope": "organisation"}')""")
    try:
        return MartCatalog.load(con)
    finally:
        con.close()


def test_declarations_decide_what_a_scoped_key_reads(declared):
    assert declared.account_column("by_account") == "usage_account_id"
    visible = {t for t in declared.columns if declared.visible_to(t, SCOPED)}
    assert visible == {"by_account", "regions"}
    assert all(declared.visible_to(t, EVERYONE) for t in declared.columns)


def test_a_scoped_key_reads_a_mart_through_its_declared_account_column(declared):
    tree = resolve_tables(parse("select cost from by_account join regions on true"), declared, SCOPED)
    sql = tree.sql("duckdb")
    assert "WHERE usage_account_id IN ('080184646050', '636167725090')) AS by_account" in sql
    assert "JOIN marts.regions" in sql  # reference: read as it is


@pytest.mark.parametrize("table", ["wrong_column", "not_accounts", "undeclared", "unknown", "by_team"])
def test_an_undeclared_or_organisation_wide_mart_is_refused_to_a_scoped_key(declared, table):
    with pytest.raises(ApiError) as refused:
        resolve_tables(parse(f"select * from {table}"), declared, SCOPED)
    assert (refused.value.status_code, refused.value.error) == (403, "table_not_in_scope")
    assert resolve_tables(parse(f"select * from {table}"), declared, EVERYONE).sql("duckdb") == \
        f"SELECT * FROM marts.{table}"


def test_a_snapshot_without_declarations_is_closed_to_scoped_keys(tmp_path):
    """A snapshot published before the marts declared their scope (no main.table_meta)."""
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08", meta=None)
    api = TestClient(create_app(settings=make_settings(tmp_path)))
    assert api.get(f"{API}/tables/fct_example", headers=headers("viewer")).status_code == 200
    refused = api.get(f"{API}/tables/fct_example", headers=headers("scoped-viewer"))
    assert (refused.status_code, refused.json()["error"]) == (403, "table_not_in_scope")
    assert api.get(f"{API}/tables", headers=headers("scoped-viewer")).json()["data"] == []
