"""API benchmark: concurrent clients on loopback while `dbt build` runs and republishes.

    .venv/bin/python bench/api_benchmark.py --exports-dir /tmp/api/exports \
        --build-db /tmp/api/build/infralyzer.duckdb --publish-dir /tmp/api/publish \
        --clients 16 --duration 60 --rebuilds 2

Starts the API (`infralyzer serve`, uvicorn, in a subprocess) on the newest snapshot of
--publish-dir (running one `dbt build` first when there is none), then runs --clients client
threads for --duration seconds, each cycling through a request mix covering every endpoint group
(spend, discounts, kpi, allocation, tables, metrics, sql), while --rebuilds `dbt build`s run one
after the other and publish new snapshots the API switches to. Prints, per endpoint group, the
request count, errors (any non-2xx or connection failure) and p50/p95/p99 latency, plus how many
snapshots were published and served during the run. Exit status 1 when there were errors.

Keep-alive HTTP/1.1 connections from the standard library: the numbers are the service's, not a
client library's. On a 2-core machine the build competes with the API for the CPU: that is the
point of the exercise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
API = "/api/v1/finops"

# (group, method, path, body): the request mix every client cycles through
MIX: list[tuple[str, str, str, dict | None]] = [
    ("spend", "GET", f"{API}/spend/by/service?cost_basis=amortized&limit=100", None),
    ("spend", "GET", f"{API}/spend/by/account?cost_basis=unblended&limit=100", None),
    ("spend", "GET", f"{API}/spend/by/region?cost_basis=net_amortized&limit=100", None),
    ("spend", "GET", f"{API}/spend/by/usage_type?cost_basis=amortized&limit=100", None),
    ("spend", "GET", f"{API}/spend/invoice-summary", None),
    ("spend", "GET", f"{API}/spend/trends?limit=100&sort=-amortized_cost", None),
    ("spend", "GET", f"{API}/spend/top-movers?limit=25", None),
    ("discounts", "GET", f"{API}/discounts/utilization?limit=100", None),
    ("discounts", "GET", f"{API}/discounts/coverage?limit=100", None),
    ("discounts", "GET", f"{API}/discounts/savings?limit=100", None),
    ("discounts", "GET", f"{API}/discounts/savings-plan-sizing", None),
    ("discounts", "GET", f"{API}/discounts/expiring-commitments?days=365", None),
    ("kpi", "GET", f"{API}/kpi/summary?limit=100", None),
    ("allocation", "GET", f"{API}/allocation/showback?limit=100&dimension=team", None),
    ("tables", "GET", f"{API}/tables", None),
    ("tables", "GET", f"{API}/tables/dim_accounts", None),
    ("metrics", "GET", f"{API}/metrics/query?metrics=effective_cost,billed_cost&group_by=metric_time__month", None),
    ("metrics", "POST", f"{API}/metrics/query", {"metrics": ["commitment_coverage", "effective_savings_rate"],
                                                 "group_by": ["metric_time__month"]}),
    ("metrics", "POST", f"{API}/metrics/query", {"metrics": ["effective_cost"],
                                                 "group_by": ["metric_time__month", "service__service_category"]}),
    ("sql", "POST", f"{API}/sql/query", {"sql": "select billing_period, service, sum(amortized_cost) as cost "
                                                "from marts.fct_spend_monthly group by all order by cost desc limit 20"}),
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def dbt_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "INFRALYZER_EXPORTS_DIR": str(args.exports_dir),
        "INFRALYZER_BUILD_DB": str(args.build_db),
        "INFRALYZER_PUBLISH_DIR": str(args.publish_dir),
        "DBT_TARGET_PATH": str(args.target_path),
        "DBT_LOG_PATH": str(args.target_path.parent / "bench_logs"),
    }


def run_build(args: argparse.Namespace) -> tuple[int, float]:
    started = time.perf_counter()
    cmd = [str(BIN / "dbt"), "build", "--project-dir", str(REPO), "--profiles-dir", str(REPO),
           *shlex.split(args.dbt_args)]
    result = subprocess.run(cmd, cwd=REPO, env=dbt_env(args), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-2000:], file=sys.stderr)
    return result.returncode, time.perf_counter() - started


def snapshots(publish_dir: Path) -> set[str]:
    return {p.name for p in publish_dir.glob("snapshot-*.duckdb")}


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            con.request("GET", "/health")
            if con.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not come up")


def client_loop(port: int, stop: threading.Event, results: dict, served: set, lock: threading.Lock,
                seed: int, headers: dict[str, str]) -> None:
    rng = random.Random(seed)
    mix = MIX[:]
    rng.shuffle(mix)
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    local: dict[str, list] = defaultdict(list)
    local_errors: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    while not stop.is_set():
        group, method, path, body = mix[i % len(mix)]
        i += 1
        payload = json.dumps(body).encode() if body is not None else None
        hdrs = {**headers, **({"Content-Type": "application/json"} if payload else {})}
        started = time.perf_counter()
        try:
            con.request(method, path, body=payload, headers=hdrs)
            response = con.getresponse()
            data = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if 200 <= response.status < 300:
                local[group].append(elapsed)
                snapshot = response.getheader("X-Infralyzer-Snapshot")
                if snapshot:
                    seen.add(snapshot)
            else:
                local_errors[group].append(f"{response.status} {path} {data[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            local_errors[group].append(f"{type(exc).__name__} {path}: {exc}")
            con.close()
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    con.close()
    with lock:
        for group, values in local.items():
            results["latency"][group] += values
        for group, values in local_errors.items():
            results["errors"][group] += values
        served |= seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exports-dir", type=Path, default=Path("/tmp/api/exports"))
    parser.add_argument("--build-db", type=Path, default=Path("/tmp/api/build/infralyzer.duckdb"))
    parser.add_argument("--publish-dir", type=Path, default=Path("/tmp/api/publish"))
    parser.add_argument("--target-path", type=Path, default=Path("/tmp/api/bench_target"),
                        help="dbt target path of the builds (not the project's target/).")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load.")
    parser.add_argument("--rebuilds", type=int, default=2, help="dbt builds (each publishes) during the load.")
    parser.add_argument("--dbt-args", default="", help="Extra `dbt build` arguments, e.g. '--exclude test_type:unit'.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1, help="API worker processes (`infralyzer serve --workers`).")
    parser.add_argument("--api-key", default=None, help="Key to send, when the API has keys configured.")
    args = parser.parse_args()
    for folder in (args.build_db.parent, args.publish_dir, args.target_path):
        folder.mkdir(parents=True, exist_ok=True)

    if not snapshots(args.publish_dir):
        print("no snapshot yet: running dbt build once", flush=True)
        code, seconds = run_build(args)
        if code != 0 or not snapshots(args.publish_dir):
            raise SystemExit("the first dbt build published nothing")

    env = {**dbt_env(args), "INFRALYZER_API_HOST": "127.0.0.1", "INFRALYZER_API_PORT": str(args.port)}
    server_log = (args.target_path / "api_benchmark_server.log").open("w")
    server = subprocess.Popen([str(BIN / "infralyzer"), "serve", "--workers", str(args.workers)], cwd=REPO, env=env,
                              stdout=server_log, stderr=subprocess.STDOUT)
    try:
        wait_ready(args.port)
        headers = {"X-API-Key": args.api_key} if args.api_key else {}
        # warm-up: the first metric query loads MetricFlow for the snapshot's manifest
        warm = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        warm.request("GET", f"{API}/metrics", headers=headers)
        warm.getresponse().read()
        warm.close()

        before = snapshots(args.publish_dir)
        results: dict = {"latency": defaultdict(list), "errors": defaultdict(list)}
        served: set[str] = set()
        lock = threading.Lock()
        stop = threading.Event()
        builds: list[tuple[int, float]] = []

        def rebuild() -> None:
            for _ in range(args.rebuilds):
                if stop.is_set():
                    return
                builds.append(run_build(args))

        clients = [threading.Thread(target=client_loop, args=(args.port, stop, results, served, lock, n, headers))
                   for n in range(args.clients)]
        builder = threading.Thread(target=rebuild)
        started = time.perf_counter()
        for thread in clients:
            thread.start()
        builder.start()
        time.sleep(args.duration)
        if builder.is_alive():
            print("load finished before the rebuilds: waiting for them (still under load)", flush=True)
            builder.join()
        stop.set()
        for thread in clients:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()

    published = snapshots(args.publish_dir) - before
    total = sum(len(v) for v in results["latency"].values())
    errors = sum(len(v) for v in results["errors"].values())
    print(f"\n{args.clients} clients, {wall:.0f} s, {total + errors} requests ({(total + errors) / wall:.0f}/s), "
          f"{errors} errors")
    print(f"dbt builds during the load: {[(code, round(seconds, 1)) for code, seconds in builds]} "
          f"(exit code, seconds); snapshots published: {len(published)}; distinct snapshots served: {len(served)}")
    print(f"\n{'group':<12}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for group in sorted(set(results["latency"]) | set(results["errors"])):
        values = results["latency"][group]
        print(f"{group:<12}{len(values):>10}{len(results['errors'][group]):>8}{percentile(values, .5):>10.1f}"
              f"{percentile(values, .95):>10.1f}{percentile(values, .99):>10.1f}"
              f"{(statistics.fmean(values) if values else float('nan')):>10.1f}")
    for group, messages in results["errors"].items():
        for message in messages[:3]:
            print(f"  error [{group}] {message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
