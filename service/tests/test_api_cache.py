"""The API's caches: a repeat is answered from memory, with the same bytes, only for the same
caller scope, never across snapshots, and never for a request that fails authentication."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.lru import LruCache
from infralyzer.api.result_cache import ResultCache, cache_key
from infralyzer.dbt_runner import _lower_priority
from infralyzer.settings import Settings
from test_api_common import (  # noqa: F401  (fixtures)
    API, headers, key_of, make_settings, mart, publish_dir, snapshot_path,
)
from test_publish import write_snapshot

pytestmark = pytest.mark.e2e

TRENDS = f"{API}/spend/trends?limit=50&sort=-amortized_cost"


@pytest.fixture(scope="module")
def client(publish_dir):
    """The API with keys (see test_api_common.KEYS), its caches empty."""
    with TestClient(create_app(settings=make_settings(publish_dir))) as api:
        yield api


def test_a_repeat_is_answered_from_memory_with_the_same_bytes(client):
    first = client.get(TRENDS + "&from=2026-08", headers=headers("viewer"))
    time.sleep(1.1)  # a repeat after the next look for a newer snapshot is due is still answered from memory
    second = client.get(TRENDS + "&from=2026-08", headers=headers("viewer"))
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Infralyzer-Cache"] == "miss" and second.headers["X-Infralyzer-Cache"] == "hit"
    assert first.content == second.content
    assert second.headers["X-Infralyzer-Snapshot"] == first.headers["X-Infralyzer-Snapshot"]
    # another format of the same query is another answer, but the same rows come from the query cache
    csv = client.get(TRENDS + "&from=2026-08&format=csv", headers=headers("viewer"))
    assert csv.headers["X-Infralyzer-Cache"] == "result-hit" and csv.headers["content-type"].startswith("text/csv")


def test_the_cache_never_crosses_caller_scopes_or_roles(client):
    path = f"{API}/tables/fct_spend_monthly?limit=10000&from=2026-09"
    everyone = client.get(path, headers=headers("viewer"))
    scoped = client.get(path, headers=headers("scoped-viewer"))
    assert scoped.headers["X-Infralyzer-Cache"] == "miss"
    assert {r["usage_account_id"] for r in scoped.json()["data"]} < {r["usage_account_id"] for r in everyone.json()["data"]}
    # two keys with the same role and scope may share an answer: it is the same answer
    assert client.get(path, headers=headers("viewer")).headers["X-Infralyzer-Cache"] == "hit"

    sql = {"sql": "select count(*) as n from marts.fct_spend_monthly"}
    assert client.post(f"{API}/sql/query", json=sql, headers=headers("analyst")).status_code == 200
    assert client.post(f"{API}/sql/query", json=sql, headers=headers("analyst")).headers["X-Infralyzer-Cache"] == "hit"
    denied = client.post(f"{API}/sql/query", json=sql, headers=headers("viewer"))
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"


def test_an_unauthenticated_repeat_is_refused_even_when_the_answer_is_cached(client):
    assert client.get(TRENDS, headers=headers("viewer")).status_code == 200
    assert client.get(TRENDS, headers=headers("viewer")).headers["X-Infralyzer-Cache"] == "hit"
    for bad in ({}, {"X-API-Key": "nope"}, {"Authorization": f"Basic {key_of('viewer')}"}):
        response = client.get(TRENDS, headers=bad)
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    # a second key header does not change who asks: the first one counts, for the cache as for the endpoints
    twice = client.get(TRENDS, headers=[("X-API-Key", "nope"), ("X-API-Key", key_of("viewer"))])
    assert twice.status_code == 401


def test_errors_are_not_kept(client):
    bad = f"{API}/spend/trends?sort=-nonexistent"
    for _ in range(2):
        response = client.get(bad, headers=headers("viewer"))
        assert response.status_code == 422 and response.headers.get("X-Infralyzer-Cache") != "hit"


def test_a_newer_snapshot_is_never_answered_from_an_older_one(tmp_path):
    write_snapshot(tmp_path, "20261001T000000-aaaa", "2026-08", rows=3)
    app = create_app(settings=Settings(publish_dir=tmp_path, api_keys=None, api_keys_file=None))
    app.state.reader.check_interval = 0.0  # look for a newer snapshot on every request
    with TestClient(app) as api:
        path = f"{API}/tables/fct_example?limit=100"
        assert len(api.get(path).json()["data"]) == 3
        repeat = api.get(path)
        assert repeat.headers["X-Infralyzer-Cache"] == "hit" and len(repeat.json()["data"]) == 3
        write_snapshot(tmp_path, "20261002T000000-bbbb", "2026-09", rows=5)
        response = api.get(path)
        assert response.headers["X-Infralyzer-Cache"] == "miss"
        assert len(response.json()["data"]) == 5 and response.headers["X-Infralyzer-Snapshot"].endswith("bbbb.duckdb")
        assert api.get(path).headers["X-Infralyzer-Cache"] == "hit"


def test_the_caches_can_be_switched_off(publish_dir):
    settings = make_settings(publish_dir, api_response_cache_mb=0, api_result_cache_mb=0)
    with TestClient(create_app(settings=settings)) as api:
        for _ in range(2):
            assert api.get(TRENDS, headers=headers("viewer")).headers["X-Infralyzer-Cache"] == "miss"
            assert api.get(TRENDS + "&format=csv", headers=headers("viewer")).headers["X-Infralyzer-Cache"] == "miss"


def test_the_lru_keeps_the_recent_within_its_budget_and_skips_the_oversized():
    cache: LruCache[str, bytes] = LruCache(800, len)
    for name in "abcdefgh":
        cache.put(name, b"x" * 100)
    assert len(cache) == 8 and cache.size_bytes == 800
    assert cache.get("a") is not None  # now the most recent
    cache.put("i", b"x" * 100)
    assert cache.get("b") is None and cache.get("a") is not None and cache.size_bytes == 800
    cache.put("huge", b"x" * 101)  # more than 1/8 of the budget
    assert cache.get("huge") is None
    results = ResultCache(1 << 20)
    key = cache_key("select $a", {"a": [1, 2]})
    results.put(key, (pa.table({"a": [1, 2]}), 1.5))
    assert results.get(cache_key("select $a", {"a": [1, 2]}))[1] == 1.5
    assert results.get(cache_key("select $a", {"a": [2, 1]})) is None


def test_builds_started_by_infralyzer_run_at_a_lower_cpu_priority():
    assert _lower_priority(["dbt", "build"], 10)[-3:] == ["10", "dbt", "build"]
    assert _lower_priority(["dbt", "build"], 0) == ["dbt", "build"]
