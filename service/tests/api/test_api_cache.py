"""The API's caches: a repeat is answered from memory, with the same bytes, only for the same
caller scope, never across snapshots, and never for a request that fails authentication."""

from __future__ import annotations

import asyncio
import time

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.auth import KeyStore
from infralyzer.api.caching.lru import LruCache
from infralyzer.api.caching.responses import ResponseCache
from infralyzer.api.caching.results import ResultCache, cache_key
from infralyzer.settings import Settings

from api_support import API, headers, key_of, make_settings, write_snapshot

pytestmark = pytest.mark.e2e

TRENDS = f"{API}/spend/trends?limit=50&sort=-amortized_cost"


@pytest.fixture(scope="module")
def client(publish_dir):
    """The API with keys (see api_support.KEYS), its caches empty."""
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
    assert client.get(path, headers=headers("viewer-2")).headers["X-Infralyzer-Cache"] == "hit"

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
    cache: LruCache[str, bytes] = LruCache(800, lambda _, value: len(value))
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


# --- the middleware alone, in front of a stand-in app -----------------------------------------

def _asgi_app(served: str):
    """Answers 200 with the request body echoed, stamped with the snapshot `served`."""
    async def app(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"x-infralyzer-snapshot", served.encode())]})
        await send({"type": "http.response.body", "body": b"echo:" + body + b"|" + scope["query_string"]})
    return app


def _middleware(served: str, version: str, max_bytes: int = 1 << 20) -> ResponseCache:
    async def current() -> str:
        return version
    return ResponseCache(_asgi_app(served), prefix="/api", keys=lambda: KeyStore([]), version=current,
                         max_bytes=max_bytes)


def _call(cache: ResponseCache, method: str = "GET", query: bytes = b"", chunks: tuple[bytes, ...] = (b"",)):
    sent: list[dict] = []
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive():
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/api/x", "query_string": query, "headers": []}
    asyncio.run(cache(scope, receive, send))
    headers = dict(sent[0]["headers"])
    return headers.get(b"x-infralyzer-cache"), b"".join(m.get("body", b"") for m in sent[1:])


def test_an_answer_from_another_snapshot_than_the_served_one_is_not_kept():
    cache = _middleware(served="snapshot-a", version="snapshot-b")
    assert _call(cache)[0] is None and _call(cache)[0] is None and len(cache.entries) == 0
    kept = _middleware(served="snapshot-b", version="snapshot-b")
    assert _call(kept)[0] is None and _call(kept)[0] == b"hit"


def test_a_post_body_in_chunks_reaches_the_app_whole_and_keys_the_answer():
    cache = _middleware(served="s", version="s")
    assert _call(cache, "POST", chunks=(b'{"a":', b' 1}')) == (None, b'echo:{"a": 1}|')
    assert _call(cache, "POST", chunks=(b'{"a": 1}',)) == (b"hit", b'echo:{"a": 1}|')
    assert _call(cache, "POST", chunks=(b'{"a": 2}',))[0] is None
    # a GET with a body is not cached, and a body too large for a key goes through untouched
    assert _call(cache, "GET", chunks=(b"x",))[0] is None and _call(cache, "GET", chunks=(b"x",))[0] is None
    big = (b"y" * 40_000, b"y" * 40_000)
    assert _call(cache, "POST", chunks=big) == (None, b"echo:" + b"y" * 80_000 + b"|")


def test_the_budget_counts_the_keys_too():
    cache = _middleware(served="s", version="s", max_bytes=64 * 1024)
    for n in range(200):  # small answers to long requests
        _call(cache, query=b"q=" + str(n).encode() + b"&pad=" + b"p" * 1500)
    assert cache.entries.size_bytes <= 64 * 1024
    assert 0 < len(cache.entries) < 200
