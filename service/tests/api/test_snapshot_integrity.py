"""A damaged snapshot is never served: each is checked against the manifest written when it was
sealed (size, SHA-256) before readers switch to it, and cheaply (size, inode) while it is served;
the newest good one is served instead, and /health says which and why. Failed publishes leave no
snapshot file; their temp files are cleaned up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from infralyzer import snapshot_files
from infralyzer.api.app import create_app
from infralyzer.publish import SnapshotReader, latest_snapshot, prune

from api_support import write_snapshot


def write_sealed(publish_dir, name: str, period: str, rows: int = 3):
    """A snapshot published as the dbt hook does: written under its temp name, then sealed."""
    written = write_snapshot(publish_dir, name, period, rows=rows)
    temp = snapshot_files.temp_path_of(written)
    os.replace(written, temp)
    snapshot_files.seal(temp, written)
    return written


def truncate(path, keep_fraction: float = 0.5) -> None:
    os.truncate(path, int(path.stat().st_size * keep_fraction))


def test_sealing_renames_the_temp_file_and_records_size_and_hash(tmp_path):
    path = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    manifest = json.loads(snapshot_files.manifest_path_of(path).read_text())
    assert manifest["size"] == path.stat().st_size
    assert manifest["sha256"] == snapshot_files.file_sha256(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".manifest.json"]
    assert snapshot_files.check(path) == snapshot_files.Verdict(True, True, None, path.stat().st_size, path.stat().st_ino)


def test_a_truncated_newer_snapshot_is_rejected_and_health_says_why(tmp_path):
    good = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    bad = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09")
    truncate(bad)

    assert latest_snapshot(tmp_path).path == good
    health = TestClient(create_app(tmp_path)).get("/health").json()
    assert health["freshness"]["snapshot"] == good.name
    check = health["snapshot_check"]
    assert check["served"] == good.name and check["verified"] is True
    (rejected,) = check["rejected"]
    assert rejected["snapshot"] == bad.name and "truncated" in rejected["reason"]


def test_a_damaged_byte_of_the_same_size_is_caught_by_the_hash(tmp_path):
    good = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    bad = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09")
    with open(bad, "r+b") as f:
        f.seek(bad.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    info = latest_snapshot(tmp_path)
    assert info.path == good
    assert "SHA-256" in snapshot_files.check(bad).reason


def test_a_snapshot_truncated_while_served_is_dropped_without_a_restart(tmp_path):
    older = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08", rows=3)
    served = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09", rows=5)
    app = create_app(tmp_path)
    app.state.reader.check_interval = 0
    client = TestClient(app)
    assert client.get("/health").json()["freshness"]["snapshot"] == served.name
    assert client.get("/api/v1/finops/tables").json()["data"][0]["row_count"] == 5

    truncate(served)

    health = client.get("/health").json()
    assert health["freshness"]["snapshot"] == older.name
    assert [r["snapshot"] for r in health["snapshot_check"]["rejected"]] == [served.name]
    assert "truncated" in health["snapshot_check"]["rejected"][0]["reason"]
    assert client.get("/api/v1/finops/tables").json()["data"][0]["row_count"] == 3


def test_with_no_good_snapshot_left_nothing_is_served(tmp_path):
    served = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09")
    reader = SnapshotReader(tmp_path, check_interval=0)
    assert reader.handle().path == served
    truncate(served)
    assert reader.handle() is None
    assert reader.rejected[0].snapshot == served.name
    assert TestClient(create_app(tmp_path)).get("/health").status_code == 503


def test_the_periodic_check_costs_one_stat(tmp_path):
    """While serving, each look for a newer snapshot re-checks the served file with a stat, not a hash."""
    write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    reader = SnapshotReader(tmp_path, check_interval=0)
    handle = reader.handle()
    calls = []
    original = snapshot_files.file_sha256
    snapshot_files.file_sha256 = lambda path: calls.append(path) or original(path)
    try:
        started = time.perf_counter()
        for _ in range(200):
            assert reader.handle() is handle
        per_check = (time.perf_counter() - started) / 200
    finally:
        snapshot_files.file_sha256 = original
    assert calls == []
    assert per_check < 0.05


def test_a_snapshot_published_before_manifests_is_served_unverified(tmp_path):
    legacy = write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    health = TestClient(create_app(tmp_path)).get("/health").json()
    assert health["snapshot_check"] == {"served": legacy.name, "verified": False, "rejected": []}


def test_prune_removes_temp_files_damaged_snapshots_and_orphan_manifests(tmp_path):
    kept = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    damaged = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09")
    truncate(damaged)
    failed = tmp_path / ".snapshot-20261003T000000-cccc.duckdb.tmp"  # a publish that hit a full disk
    failed.write_bytes(b"\0" * 4096)
    (tmp_path / ".snapshot-20261003T000000-cccc.duckdb.tmp.wal").write_bytes(b"\0" * 10)
    orphan = tmp_path / "snapshot-20261000T000000-gone.duckdb.manifest.json"
    orphan.write_text("{}")

    removed = {p.name for p in prune(tmp_path, keep=3)}

    assert removed == {failed.name, failed.name + ".wal", damaged.name, orphan.name}
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.name, kept.name + ".manifest.json"]


def test_prune_keeps_the_temp_file_of_a_publish_still_writing(tmp_path):
    write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    writing = tmp_path / ".snapshot-20261002T000000-bbbb.duckdb.tmp"
    # another process writing the snapshot (DuckDB holds a lock on the file while it is open)
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "con.execute('create table t as select 1'); print('open', flush=True); sys.stdin.read()", str(writing)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        assert prune(tmp_path, keep=3) == []
        assert writing.exists()
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    assert writing in prune(tmp_path, keep=3)


def test_a_failed_seal_leaves_no_file_behind(tmp_path):
    written = write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    temp = snapshot_files.temp_path_of(written)
    os.replace(written, temp)
    final_in_missing_folder = tmp_path / "gone" / written.name
    with pytest.raises(snapshot_files.PublishError, match="partial files were removed"):
        snapshot_files.seal(temp, final_in_missing_folder)
    assert list(tmp_path.iterdir()) == []


def test_an_incremental_publish_starts_only_from_a_copy_that_matches_its_manifest(tmp_path):
    """copy_verified: the copy a publish after a re-delivery starts from (macros/publish/)."""
    source = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    temp = tmp_path / ".copy.tmp"
    assert snapshot_files.copy_verified(source, temp, chunk=4096) is None
    assert temp.read_bytes() == source.read_bytes()

    with open(source, "r+b") as f:  # one byte changed, same size: only the hash sees it
        f.seek(source.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert "differs from its manifest" in snapshot_files.copy_verified(source, temp)
    assert not temp.exists()

    snapshot_files.manifest_path_of(source).unlink()
    assert "no manifest" in snapshot_files.copy_verified(source, temp)
    assert not temp.exists()


def test_the_copy_started_at_on_run_start_is_taken_by_the_publish_only_for_the_same_snapshot(tmp_path):
    """dbt_plugin: the served snapshot is copied on a thread while the models build; the publish
    renames that copy to its temp path when it starts from the same snapshot, and copies anew
    otherwise; a copy the publish does not take is removed."""
    from infralyzer import dbt_plugin

    served = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08")
    staging, temp = tmp_path / ".snapshot-copy-aaaa.duckdb.tmp", tmp_path / ".snapshot-x.duckdb.tmp"
    dbt_plugin.start_snapshot_copy(str(served), str(staging))
    assert dbt_plugin.copy_snapshot(str(served), str(temp)) == ""
    assert temp.read_bytes() == served.read_bytes() and not staging.exists()

    # a newer snapshot was published meanwhile: the started copy goes, the newer one is copied
    newer = write_sealed(tmp_path, "20261002T000000-bbbb", "2026-09")
    temp.unlink()
    dbt_plugin.start_snapshot_copy(str(served), str(staging))
    assert dbt_plugin.copy_snapshot(str(newer), str(temp)) == ""
    assert temp.read_bytes() == newer.read_bytes() and not staging.exists()

    # a damaged served snapshot: the copy's check says so, and nothing is left
    temp.unlink()
    with open(served, "r+b") as f:
        f.seek(served.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    dbt_plugin.start_snapshot_copy(str(served), str(staging))
    assert "differs from its manifest" in dbt_plugin.copy_snapshot(str(served), str(temp))
    assert not temp.exists() and not staging.exists()

    # not taken (a full refresh found late, nothing reused): discarded, and only once
    dbt_plugin.start_snapshot_copy(str(newer), str(staging))
    assert dbt_plugin.discard_snapshot_copy() == f"discarded the copy of {newer.name}"
    assert dbt_plugin.discard_snapshot_copy() == ""
    assert not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_started_copy_can_be_abandoned_midway(tmp_path):
    source = write_sealed(tmp_path, "20261001T000000-aaaa", "2026-08", rows=2000)
    stop = threading.Event()
    stop.set()
    assert "stopped" in snapshot_files.copy_verified(source, tmp_path / ".copy.tmp", chunk=4096, stop=stop)
    assert not (tmp_path / ".copy.tmp").exists()
