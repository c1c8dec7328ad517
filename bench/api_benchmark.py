"""API benchmark: concurrent clients on loopback while `dbt build` runs and republishes.

    .venv/bin/python bench/api_benchmark.py --exports-dir /tmp/api/exports \
        --build-db /tmp/api/build/infralyzer.duckdb --publish-dir /tmp/api/publish \
        --clients 16 --duration 60 --rebuilds 2

Starts the API (`infralyzer serve`, uvicorn, in a subprocess) on the newest snapshot of
--publish-dir (running one build first when there is none), then runs --clients client threads
for --duration seconds with no think time, while --rebuilds builds run one after the other and
publish new snapshots the API switches to. The builds run as a scheduled job runs them beside the
API: `infralyzer build` (dbt build at a lower CPU priority).

Each request is drawn at random from every endpoint group (spend, discounts, kpi, allocation,
tables, metrics, sql) crossed with the filters a dashboard sends: a billing-period range (one
month, the last 3 or 6, everything) and optionally one account. That is a few thousand distinct
requests: repeats are answered from the API's result cache (per snapshot, so each republish
starts cold), the rest run on DuckDB. `--repeat-mix` replays the old fixed mix of 20 requests
instead; `--no-cache` can be had with INFRALYZER_API_RESULT_CACHE_MB=0.

Prints, per endpoint group, the request count, errors (any non-2xx or connection failure), the
cache hit share and p50/p95/p99 latency; then the same for all mart endpoints together and for
the cache misses alone; plus how many snapshots were published and served. Exit status 1 when
there were errors.

Keep-alive HTTP/1.1 connections from the standard library: the numbers are the service's, not a
client library's. On a 2-core machine the build and the 16 client threads compete with the API
for the CPU: that is the point of the exercise.
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


MART_GROUPS = ("spend", "discounts", "kpi", "allocation", "tables")

# (group, method, path template, body template): {range} is replaced by a billing-period filter
# and {account} by an account filter (both possibly empty)
TEMPLATES: list[tuple[str, str, str, dict | None]] = [
    ("spend", "GET", f"{API}/spend/by/{dim}?cost_basis={basis}&limit=100{{range}}{{account}}", None)
    for dim in ("service", "account", "region", "usage_type", "charge_class", "purchase_option")
    for basis in ("unblended", "amortized", "net_amortized")
] + [
    ("spend", "GET", f"{API}/spend/invoice-summary?limit=100{{range}}{{account}}", None),
    ("spend", "GET", f"{API}/spend/trends?limit=100&sort=-amortized_cost{{range}}{{account}}", None),
    ("spend", "GET", f"{API}/spend/top-movers?limit=25{{range}}{{account}}", None),
    ("spend", "GET", f"{API}/spend/by/service?cost_basis=amortized&grain=day&limit=100{{range}}{{account}}", None),
    ("discounts", "GET", f"{API}/discounts/utilization?limit=100{{range}}{{account}}", None),
    ("discounts", "GET", f"{API}/discounts/coverage?limit=100{{range}}{{account}}", None),
    ("discounts", "GET", f"{API}/discounts/savings?limit=100{{range}}{{account}}", None),
    ("discounts", "GET", f"{API}/discounts/savings-plan-sizing", None),
    ("discounts", "GET", f"{API}/discounts/expiring-commitments?days=365{{account}}", None),
    ("kpi", "GET", f"{API}/kpi/summary?limit=100{{range}}{{account}}", None),
    ("kpi", "GET", f"{API}/kpi/unit-costs?limit=100{{range}}{{account}}", None),
    ("allocation", "GET", f"{API}/allocation/showback?limit=100&dimension=team{{range}}{{account}}", None),
    ("allocation", "GET", f"{API}/allocation/chargeback?limit=100&dimension=business_unit{{range}}", None),
    ("allocation", "GET", f"{API}/allocation/tag-compliance?limit=100{{range}}{{account}}", None),
    ("tables", "GET", f"{API}/tables", None),
    ("tables", "GET", f"{API}/tables/fct_spend_monthly?limit=100{{range}}{{account}}", None),
    ("metrics", "GET", f"{API}/metrics/query?metrics=effective_cost,billed_cost&group_by=metric_time__month"
                       "{range}", None),
    ("metrics", "POST", f"{API}/metrics/query", {"metrics": ["commitment_coverage", "effective_savings_rate"],
                                                 "group_by": ["metric_time__month"]}),
    ("metrics", "POST", f"{API}/metrics/query", {"metrics": ["effective_cost"],
                                                 "group_by": ["metric_time__month", "service__service_category"]}),
    ("sql", "POST", f"{API}/sql/query", {"sql": "select billing_period, service, sum(amortized_cost) as cost "
                                                "from marts.fct_spend_monthly {where} group by all "
                                                "order by cost desc limit 20"}),
]


def request_pool(port: int, headers: dict[str, str]) -> list[tuple[str, str, str, dict | None]]:
    """Every template crossed with the period ranges and accounts of the served snapshot."""
    def rows(path: str) -> list[dict]:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        con.request("GET", f"{API}{path}", headers=headers)
        body = json.loads(con.getresponse().read())
        con.close()
        return body["data"]

    periods = sorted(r["billing_period"] for r in rows("/tables/dim_billing_periods?limit=1000"))
    accounts = sorted(r["account_id"] for r in rows("/tables/dim_accounts?limit=1000"))
    ranges = [("", "")] + [(p, p) for p in periods[-6:]] + [(periods[-n], periods[-1]) for n in (3, 6) if n <= len(periods)]
    pool = []
    for group, method, path, body in TEMPLATES:
        for start, end in ranges:
            for account in [""] + accounts:
                query_range = f"&from={start}&to={end}" if start else ""
                query_account = f"&account={account}" if account else ""
                if body is None:
                    pool.append((group, method, path.format(range=query_range, account=query_account), None))
                elif "sql" in body:
                    conditions = ([f"billing_period between '{start}' and '{end}'"] if start else []) + (
                        [f"usage_account_id = '{account}'"] if account else [])
                    where = ("where " + " and ".join(conditions)) if conditions else ""
                    pool.append((group, method, path, {"sql": body["sql"].format(where=where)}))
                else:
                    pool.append((group, method, path, {**body, **({"from": start, "to": end} if start else {})}))
    return list(dict.fromkeys((g, m, p, json.dumps(b) if b else None) for g, m, p, b in pool).keys())


def popularity(n: int, exponent: float, seed: int) -> list[float]:
    """Cumulative Zipf weights over the pool in a random (seeded) order: which requests are the
    popular ones is the same for every client, as for users of the same dashboards."""
    ranks = list(range(1, n + 1))
    random.Random(seed).shuffle(ranks)
    cumulative, total = [], 0.0
    for rank in ranks:
        total += 1 / rank ** exponent
        cumulative.append(total)
    return cumulative


def top_share(cumulative: list[float], fraction: float) -> float:
    weights = sorted((b - a for a, b in zip([0.0, *cumulative], cumulative)), reverse=True)
    return sum(weights[:max(1, int(len(weights) * fraction))]) / cumulative[-1]


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
    cmd = [str(BIN / "infralyzer"), "build", *shlex.split(args.dbt_args)]
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


def client_loop(port: int, stop: threading.Event, pool: list, weights: list[float], results: dict, served: set,
                lock: threading.Lock, seed: int, headers: dict[str, str], repeat: bool) -> None:
    rng = random.Random(seed)
    order = pool[:]
    rng.shuffle(order)
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    local: dict[str, list] = defaultdict(list)  # group -> [(ms, cache hit)]
    local_errors: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    while not stop.is_set():
        group, method, path, body = order[i % len(order)] if repeat else rng.choices(pool, cum_weights=weights)[0]
        i += 1
        payload = body.encode() if body is not None else None
        hdrs = {**headers, **({"Content-Type": "application/json"} if payload else {})}
        started = time.perf_counter()
        try:
            con.request(method, path, body=payload, headers=hdrs)
            response = con.getresponse()
            data = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if 200 <= response.status < 300:
                local[group].append((elapsed, response.getheader("X-Infralyzer-Cache") == "hit"))
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


def report_line(name: str, values: list[tuple[float, bool]], errors: int) -> str:
    ms = [v for v, _ in values]
    hits = sum(1 for _, hit in values if hit)
    return (f"{name:<16}{len(values):>9}{errors:>8}{(100 * hits / len(values) if values else 0):>7.0f}%"
            f"{percentile(ms, .5):>9.1f}{percentile(ms, .95):>9.1f}{percentile(ms, .99):>9.1f}"
            f"{(statistics.fmean(ms) if ms else float('nan')):>9.1f}")


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
    parser.add_argument("--seed", type=int, default=42, help="Seed of the popularity order and the draws.")
    parser.add_argument("--zipf", type=float, default=1.0,
                        help="Popularity exponent of the requests (0 = uniform): users share a few dashboards' "
                             "default views and filter less often.")
    parser.add_argument("--repeat-mix", action="store_true",
                        help="Each client cycles through the 20-request mix of earlier versions instead of random draws.")
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

        pool = ([(g, m, p, json.dumps(b) if b else None) for g, m, p, b in MIX] if args.repeat_mix
                else request_pool(args.port, headers))
        weights = popularity(len(pool), args.zipf, args.seed)
        print(f"{len(pool)} distinct requests in the pool" + ("" if args.repeat_mix else
              f", drawn with Zipf popularity (exponent {args.zipf:g}): the top 1% of requests are "
              f"{100 * top_share(weights, 0.01):.0f}% of the draws"), flush=True)
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

        clients = [threading.Thread(target=client_loop, args=(args.port, stop, pool, weights, results, served, lock, args.seed + n, headers,
                                                              args.repeat_mix))
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
    print(f"\n{'group':<16}{'requests':>9}{'errors':>8}{'cached':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'mean ms':>9}")
    latency, failed = results["latency"], results["errors"]
    for group in sorted(set(latency) | set(failed)):
        print(report_line(group, latency[group], len(failed[group])))
    marts = [v for g in MART_GROUPS for v in latency[g]]
    print(report_line("mart endpoints", marts, sum(len(failed[g]) for g in MART_GROUPS)))
    print(report_line("  cache misses", [v for v in marts if not v[1]], 0))
    print(report_line("all", [v for g in latency for v in latency[g]], errors))
    for group, messages in results["errors"].items():
        for message in messages[:3]:
            print(f"  error [{group}] {message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
