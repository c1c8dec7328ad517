"""Snapshots: readers take the newest complete one, skip incomplete or locked ones, switch atomically."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.publish import SnapshotReader, latest_snapshot, prune

from api_support import write_snapshot


def test_latest_complete_snapshot_wins(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    write_snapshot(tmp_path, "20261002T000000-bbbb", "2026-09")
    write_snapshot(tmp_path, "20261003T000000-cccc", "2026-10", complete=False)  # crashed build
    info = latest_snapshot(tmp_path)
    assert info is not None and info.newest_billing_period == "2026-09"


def test_snapshot_being_written_is_skipped(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    writer = duckdb.connect(str(tmp_path / "snapshot-20261002T000000-bbbb.duckdb"))  # holds the lock
    try:
        assert latest_snapshot(tmp_path).newest_billing_period == "2026-08"
    finally:
        writer.close()


def test_prune_keeps_newest_complete_and_in_progress(tmp_path):
    for day in range(1, 6):
        write_snapshot(tmp_path, f"2026100{day}T000000-x", f"2026-0{day}")
    write_snapshot(tmp_path, "20261009T000000-new", "2026-09", complete=False)  # maybe still writing
    removed = prune(tmp_path, keep=2)
    left = sorted(p.name for p in tmp_path.glob("snapshot-*.duckdb"))
    assert [p.name for p in removed] == [
        "snapshot-20261003T000000-x.duckdb", "snapshot-20261002T000000-x.duckdb", "snapshot-20261001T000000-x.duckdb"
    ]
    assert left == [
        "snapshot-20261004T000000-x.duckdb", "snapshot-20261005T000000-x.duckdb", "snapshot-20261009T000000-new.duckdb"
    ]


def test_reader_switches_to_a_newer_snapshot(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08", rows=3)
    reader = SnapshotReader(tmp_path, check_interval=0)
    con, info = reader.connection()
    assert con.execute("select count(*) from marts.fct_example").fetchone()[0] == 3
    write_snapshot(tmp_path, "20261002T000000-bbbb", "2026-09", rows=5)
    con2, info2 = reader.connection()
    assert info2.newest_billing_period == "2026-09"
    assert con2.execute("select count(*) from marts.fct_example").fetchone()[0] == 5
    # a cursor handed out before the switch keeps working on its snapshot
    assert con.execute("select count(*) from marts.fct_example").fetchone()[0] == 3


def test_snapshot_connection_cannot_touch_files(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    (tmp_path / "secret.csv").write_text("a\n1\n")
    con, _ = SnapshotReader(tmp_path).connection()
    for sql in (
        f"select * from read_csv('{tmp_path / 'secret.csv'}')",
        f"copy (select 1) to '{tmp_path / 'out.csv'}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        "set enable_external_access = true",
        "create table marts.x as select 1",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_api_health_and_tables(tmp_path):
    write_snapshot(tmp_path, "20261002T000000-bbbb", "2026-09")
    client = TestClient(create_app(tmp_path))
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["freshness"]["newest_billing_period"] == "2026-09"
    assert health["freshness"]["snapshot"] == "snapshot-20261002T000000-bbbb.duckdb"
    tables = client.get("/api/v1/finops/tables").json()
    assert tables["row_count"] == 1
    (table,) = tables["data"]
    assert table["name"] == "fct_example" and table["description"] == "An example mart." and table["row_count"] == 3
    assert [c["name"] for c in table["columns"]] == ["n", "billing_period"]
    assert table["columns"][0]["description"] == "A number."


def test_api_without_snapshot_says_so(tmp_path):
    response = TestClient(create_app(tmp_path)).get("/health")
    assert response.status_code == 503
    assert response.json()["error"] == "no_snapshot"


def test_api_keeps_serving_while_a_new_snapshot_is_published(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    app = create_app(tmp_path)
    app.state.reader.check_interval = 0
    client = TestClient(app)
    errors: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            response = client.get("/api/v1/finops/tables")
            if response.status_code != 200:
                errors.append(response.status_code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(2, 6):
        write_snapshot(tmp_path, f"2026100{i}T000000-x", f"2026-0{i + 4}")
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert client.get("/health").json()["freshness"]["newest_billing_period"] == "2026-09"
