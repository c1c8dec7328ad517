"""Denial of service against the real server (uvicorn on loopback, started here): every expensive
query answers within the time limit + 1 s and the API's memory stays under its configured cap;
/health and the mart endpoints answer fast while 50 slow queries run; per-key limits answer 429
with Retry-After; a body that trickles in is cut off at the body timeout."""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from api_support import API, KEYS, headers, key_of
from infralyzer.api.auth import hash_key

pytestmark = pytest.mark.e2e

TIMEOUT = 2.0
WORKERS = 2
MEMORY_LIMIT_MB = 256
MEMORY_CAP_MB = 512
PARENT_CAP_MB = 1024  # the API process itself: Python, FastAPI, MetricFlow, the snapshot's DuckDB
BODY_TIMEOUT = 2.0

# expensive shapes that pass the guard: cross joins of the marts, aggregates of huge strings, one
# function call over a huge value (DuckDB checks for interrupts between vectors only)
SLOW = ("select count(*) from marts.fct_spend_daily as a, marts.fct_spend_daily as b "
        "where a.amortized_cost * b.amortized_cost > 1e12")
HUGE_LIST = ("with s as (select string_agg(usage_type, '') as t from (select usage_type from marts.fct_spend_daily "
             "limit 2000)) select len(list_transform(string_split(t, ''), x -> t || x)) from s")  # ~1.6 GB
DOS_SHAPES = {
    "cross join": SLOW,
    "string_agg over a cross join": "select length(string_agg(a.service || b.service, ',')) "
                                    "from marts.fct_spend_daily as a, marts.fct_spend_daily as b",
    "list over a cross join": "select len(list(a.service || b.usage_type)) from marts.fct_spend_daily as a, "
                              "marts.fct_spend_daily as b",
    "one huge function call": "with s as (select string_agg(service || usage_type, '') as t from "
                              "marts.fct_spend_daily) select length(regexp_replace(t, '', t, 'g')) from s",
    "a huge list from one value": HUGE_LIST,
    "sort of a cross join": "select a.service, b.usage_type from marts.fct_spend_daily as a, "
                            "marts.fct_spend_daily as b order by a.service || b.usage_type desc limit 5",
    "distinct strings of a cross join": "select count(distinct a.usage_type || b.usage_type || a.usage_date) "
                                        "from marts.fct_spend_daily as a, marts.fct_spend_daily as b",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tree_rss(pid: int) -> dict[int, int]:
    """Resident bytes of a process and its children (the query workers)."""
    found = {}
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            found[p] = int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return found


@pytest.fixture(scope="module")
def server(publish_dir, tmp_path_factory):
    keys = [{"name": name, "key_sha256": hash_key(key_of(name)), **spec} for name, spec in KEYS.items()]
    keys += [{"name": "crowd", "key_sha256": hash_key("crowd-key"), "role": "analyst", "accounts": None},
             {"name": "limited", "key_sha256": hash_key("limited-key"), "role": "viewer", "accounts": None}]
    port = _free_port()
    env = {**os.environ, "INFRALYZER_PUBLISH_DIR": str(publish_dir), "INFRALYZER_API_KEYS": json.dumps(keys),
           "INFRALYZER_SQL_TIMEOUT_SECONDS": str(TIMEOUT), "INFRALYZER_SQL_WORKERS": str(WORKERS),
           "INFRALYZER_SQL_MEMORY_LIMIT_MB": str(MEMORY_LIMIT_MB), "INFRALYZER_SQL_MEMORY_CAP_MB": str(MEMORY_CAP_MB),
           "INFRALYZER_SQL_QUEUE_MAX": "64", "INFRALYZER_API_KEY_MAX_CONCURRENT_QUERIES": "64",
           "INFRALYZER_API_RATE_LIMIT_PER_MINUTE": "100000", "INFRALYZER_API_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
           "INFRALYZER_API_RESPONSE_CACHE_MB": "0", "INFRALYZER_API_RESULT_CACHE_MB": "0"}
    env.pop("INFRALYZER_API_KEYS_FILE", None)
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "infralyzer.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # ready: the query workers answer (they start in the background at start-up)
            if requests.post(f"{base}{API}/sql/query", json={"sql": "select 1 as ready"}, headers=headers("analyst"),
                             timeout=30).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"the API did not start: {log.read_text()[-2000:]}")
    yield base, process
    process.kill()
    process.wait(10)


def _wait_for_every_worker(base: str) -> None:
    """Until WORKERS trivial queries at once all answer: every worker is up."""
    deadline = time.monotonic() + 60
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        while time.monotonic() < deadline:
            answers = list(pool.map(lambda i: requests.post(
                f"{base}{API}/sql/query", json={"sql": f"select {i} as ready"}, headers=headers("analyst"), timeout=30),
                range(WORKERS)))
            if all(a.status_code == 200 and a.elapsed.total_seconds() < 0.5 for a in answers):
                return
            time.sleep(0.2)
    pytest.fail("the query workers did not come back")


def test_each_dos_shape_stops_in_time_and_within_the_memory_cap(server):
    base, process = server
    peaks: dict[int, int] = {}
    if True:
        for name, sql in DOS_SHAPES.items():
            _wait_for_every_worker(base)  # the previous shape's worker was killed: its successor is starting
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                future = pool.submit(requests.post, f"{base}{API}/sql/query", json={"sql": sql},
                                     headers=headers("analyst"), timeout=30)
                while not future.done():
                    for pid, rss in _tree_rss(process.pid).items():
                        peaks[pid] = max(peaks.get(pid, 0), rss)
                    time.sleep(0.01)
                response = future.result()
            elapsed = time.monotonic() - started
            assert response.status_code in (400, 408), (name, response.status_code, response.text[:300])
            assert response.json()["error"] in ("query_timeout", "query_too_large", "result_too_large"), name
            assert elapsed < TIMEOUT + 1, (name, elapsed)
            print(f"{name}: {response.json()['error']} after {elapsed:.2f} s")
    parent = peaks.pop(process.pid)
    print(f"peak resident memory: API {parent / 2**20:.0f} MB, workers "
          f"{sorted(round(rss / 2**20) for rss in peaks.values())} MB")
    assert parent < PARENT_CAP_MB * 1024 * 1024, parent
    # the parent kills a worker past the cap within one poll: allow what one poll interval can add
    assert all(rss < MEMORY_CAP_MB * 1.25 * 1024 * 1024 for rss in peaks.values()), peaks
    assert requests.get(f"{base}{API}/tables", headers=headers("viewer"), timeout=10).status_code == 200


def test_a_query_past_the_memory_cap_is_killed_and_a_large_result_refused(snapshot_path):
    """The worker pool itself, with a time limit no memory-hungry query reaches first (on a busy
    machine the time limit may stop a query before its memory grows: the test above allows both)."""
    from infralyzer.api.errors import ApiError
    from infralyzer.api.isolation import Limits, pool_for

    pool = pool_for(Limits(workers=1, memory_limit_mb=128, memory_cap_mb=384, result_max_mb=1))
    # eight million bytes of integers streamed in small batches: a large result from little memory
    # (a wide mart scanned by several threads can reach the 128 MB memory limit first on a bigger machine)
    large_result = "select i from range(1000000) t(i)"
    for sql, code in ((HUGE_LIST, "query_too_large"), (large_result, "result_too_large")):
        with pytest.raises(ApiError) as refused:
            pool.run(str(snapshot_path), sql, {}, 60)
        assert refused.value.status_code == 400 and refused.value.error == code, refused.value.error
    assert pool.run(str(snapshot_path), "select count(*) as n from marts.dim_regions", {}, 60).num_rows == 1


def test_health_and_marts_stay_fast_while_fifty_slow_queries_run(server):
    base, _ = server
    many = {"X-API-Key": "crowd-key"}
    http = requests.Session()
    with concurrent.futures.ThreadPoolExecutor(60) as pool:
        slow = [pool.submit(requests.post, f"{base}{API}/sql/query", json={"sql": SLOW + f" and {i} = {i}"},
                            headers=many, timeout=60) for i in range(50)]
        time.sleep(1.0)  # the queries are running or queued
        health, marts = [], []
        for _ in range(20):
            started = time.monotonic()
            assert http.get(f"{base}/health", timeout=10).status_code == 200
            health.append(time.monotonic() - started)
            started = time.monotonic()
            assert http.get(f"{base}{API}/tables/dim_regions", headers=headers("viewer"), timeout=10).status_code == 200
            marts.append(time.monotonic() - started)
            time.sleep(0.05)
        answers = [future.result() for future in slow]
    print(f"/health median {statistics.median(health) * 1000:.1f} ms, max {max(health) * 1000:.1f} ms; "
          f"a mart endpoint median {statistics.median(marts) * 1000:.1f} ms, max {max(marts) * 1000:.1f} ms")
    # < 100 ms is the bound; a machine busy with other work adds its scheduling delays to single samples
    assert statistics.median(health) < 0.1 and max(health) < 0.5, health
    assert statistics.median(marts) < 0.25 and max(marts) < 1.0, marts
    # two run until the time limit; the others waited for a worker as long as that, then were told to retry
    assert sorted(r.status_code for r in answers).count(408) >= WORKERS, [r.status_code for r in answers]
    assert {r.status_code for r in answers} <= {408, 503}
    busy = [r for r in answers if r.status_code == 503]
    assert busy and all(r.json()["error"] == "busy" and int(r.headers["retry-after"]) >= 1 for r in busy)


def test_one_key_may_run_only_so_many_queries_at_once():
    import asyncio

    from infralyzer.api.auth import Principal
    from infralyzer.api.errors import ApiError
    from infralyzer.api.limits import QueryGate

    gate = QueryGate(workers=2, per_key=2, queue_max=1, wait_seconds=1)
    one, other = Principal("one", "analyst", None), Principal("other", "analyst", None)

    async def scenario() -> list[int]:
        statuses = []
        async with gate.admit(one), gate.admit(one):
            for who in (one, other, other):
                try:
                    async with gate.admit(who):
                        statuses.append(200)
                except ApiError as error:
                    statuses.append(error.status_code)
                    assert int(error.headers["Retry-After"]) >= 1
            async with gate.admit(other):  # the queue is full now: a third one waits for nobody
                try:
                    async with gate.admit(Principal("third", "analyst", None)):
                        statuses.append(200)
                except ApiError as error:
                    statuses.append(error.status_code)
        async with gate.admit(one):  # released again
            statuses.append(200)
        return statuses

    assert asyncio.run(scenario()) == [429, 200, 200, 503, 200]


def test_rate_limit_answers_429_with_retry_after(publish_dir):
    from fastapi.testclient import TestClient

    from infralyzer.api.app import create_app
    from api_support import make_settings

    # (the response cache is off: a repeat answered from memory costs nothing and is not counted)
    client = TestClient(create_app(settings=make_settings(publish_dir, api_rate_limit_per_minute=5,
                                                          api_response_cache_mb=0)))
    statuses = [client.get(f"{API}/tables", headers=headers("viewer")).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    response = client.get(f"{API}/tables", headers=headers("viewer"))
    assert response.json()["error"] == "too_many_requests" and int(response.headers["retry-after"]) >= 1
    assert client.get(f"{API}/tables", headers=headers("viewer-2")).status_code == 200  # another key


def _trickle(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"POST /api/v1/finops/sql/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"X-API-Key: " + key_of("analyst").encode() + b"\r\nContent-Length: 1000\r\n\r\n{\"sql\": \"")
    return sock


def test_slow_bodies_are_cut_off_at_the_body_timeout(server):
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    sockets = [_trickle(port) for _ in range(100)]
    started = time.monotonic()
    answers = []
    for sock in sockets:
        sock.settimeout(BODY_TIMEOUT + 3)
        try:
            sock.sendall(b"s")
        except OSError:
            pass
    for sock in sockets:
        data = b""
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except OSError:
            pass
        answers.append(data)
        sock.close()
    elapsed = time.monotonic() - started
    assert elapsed < BODY_TIMEOUT + 2, elapsed
    assert all(a.startswith(b"HTTP/1.1 408") and b"body_timeout" in a for a in answers), answers[0][:200]
    assert requests.get(f"{base}/health", timeout=10).status_code == 200


def test_include_sql_in_a_header_keeps_the_connection(server):
    """MetricFlow's multi-line SQL used to be put raw in a header: uvicorn dropped the connection."""
    base, _ = server
    from urllib.parse import unquote

    for fmt in ("csv", "parquet", "arrow"):
        response = requests.get(f"{base}{API}/metrics/query", headers=headers("analyst"), timeout=30,
                                params={"metrics": "billed_cost", "group_by": "metric_time__month",
                                        "include_sql": "true", "format": fmt})
        assert response.status_code == 200, response.text[:300]
        assert "\nGROUP BY\n" in unquote(response.headers["x-infralyzer-sql"])  # the SQL, decoded whole
