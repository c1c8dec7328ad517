"""Snapshot switching under the API: requests finish on the snapshot they started on, new requests
use the newest one, an old snapshot is closed once no request uses it; the snapshot carries the
semantic manifest its metrics are answered with."""

from __future__ import annotations

import json
import threading
import time

import pytest
import yaml
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.publish import SnapshotReader
from infralyzer.settings import Settings

from api_support import write_snapshot


def test_old_snapshot_is_closed_when_its_last_request_ends(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08", rows=3)
    reader = SnapshotReader(tmp_path, check_interval=0)
    cursor, old = reader.acquire()
    write_snapshot(tmp_path, "20261002T000000-bbbb", "2026-09", rows=5)
    cursor2, new = reader.acquire()
    assert new is not old and not old.closed
    # the request that started on the old snapshot still reads it
    assert cursor.execute("select count(*) from marts.fct_example").fetchone()[0] == 3
    assert cursor2.execute("select count(*) from marts.fct_example").fetchone()[0] == 5
    old.release(cursor)
    assert old.closed and not new.closed
    new.release(cursor2)
    assert not new.closed  # the served snapshot stays open


def test_requests_never_fail_while_snapshots_switch(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08")
    app = create_app(settings=Settings(publish_dir=tmp_path, api_keys=None, api_keys_file=None))
    app.state.reader.check_interval = 0
    client = TestClient(app)
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            for path in ("/api/v1/finops/tables/fct_example", "/api/v1/finops/tables", "/health"):
                response = client.get(path)
                if response.status_code != 200:
                    failures.append(f"{path} {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for i in range(2, 8):
        write_snapshot(tmp_path, f"2026100{i}T000000-x", f"2026-0{i + 2}", rows=i)
        time.sleep(0.05)
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    body = client.get("/api/v1/finops/tables/fct_example").json()
    assert body["freshness"]["newest_billing_period"] == "2026-09" and body["row_count"] == 7


@pytest.mark.e2e
def test_the_snapshot_carries_the_semantic_manifest(mart):
    manifest = json.loads(mart("select manifest_json from main.semantic_manifest")[0][0])
    from pathlib import Path

    repo = Path(__file__).resolve().parents[3]
    defined = {m["name"] for m in yaml.safe_load((repo / "models/semantic/_metrics.yml").read_text())["metrics"]}
    assert {m["name"] for m in manifest["metrics"]} == defined
    assert {m["name"] for m in manifest["semantic_models"]} >= {"spend", "commitment_coverage"}
