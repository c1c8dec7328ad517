"""The cross-engine tests: the models built on a Trino server and compared with the DuckDB build.

They need a JDK that Trino supports and Maven (`make test-trino` installs and fetches what is
missing), so `make test` leaves them out: they are collected only with INFRALYZER_TRINO_TESTS=1.

One server and one Trino build of the session's sample serve every test here (`trino_built`).
Both builds read a project copy whose budgets seed holds budgets of every scope and time unit over
the sample (the shipped seed is empty: fct_budget_status would compare nothing), and the DuckDB
build publishes the SQL forecast method (var spend_forecast_method), the one Trino runs
(docs/forecasting.md, 'Method on Athena and Trino').
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if os.environ.get("INFRALYZER_TRINO_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

from dbt_project_copy import project_copy  # noqa: E402
from trino_exports import register_exports  # noqa: E402
from trino_server import TrinoServer  # noqa: E402

from infralyzer.dbt_runner import run_dbt  # noqa: E402
from infralyzer.settings import Settings  # noqa: E402
from sample_build import make_settings  # noqa: E402

TRINO_DBT_THREADS = os.environ.get("INFRALYZER_TRINO_DBT_THREADS", "4")
# the forecast method Trino runs, selected on DuckDB too: the forecasts compare like for like
SQL_FORECASTS = ("--vars", "{spend_forecast_method: seasonal_naive_sql}")


@pytest.fixture(scope="session", autouse=True)
def trino_launched(tmp_path_factory: pytest.TempPathFactory):
    """The server's JVM, launched before any other fixture so that its start-up overlaps the
    sample's generation and DuckDB build."""
    # a terminated test run still tears down (and so stops Trino) as after Ctrl-C
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = TrinoServer(tmp_path_factory.mktemp("trino")).launch()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def trino_server(trino_launched: TrinoServer) -> TrinoServer:
    server = trino_launched.wait_until_ready()
    print(f"Trino started in {server.started_in_seconds:.0f} s on port {server.port}")
    return server


def write_budgets(seed: Path, answer_key: dict) -> None:
    """Budgets of every scope, time unit and cost basis over the sample's accounts and teams (as
    service/tests/e2e/test_e2e_forecasts_budgets.py), their amounts from the answer key."""
    september, august = answer_key["periods"]["2026-09"], answer_key["periods"]["2026-08"]
    account, spend = max(((a, v["amortized_cost"]) for a, v in september["cur2"]["by_account"].items()),
                         key=lambda item: item[1])
    by_team = september["allocation"]["tagged"]["by_team"]
    team = max(by_team, key=by_team.get)
    seed.write_text(
        "budget_id,budget_name,budget_scope,scope_key,time_unit,start_period,end_period,amount,cost_basis\n"
        f"org,Organisation,total,,monthly,2026-07,,{august['cur2']['amortized_cost']:.2f},amortized\n"
        f"acct,Largest account,account,{account},monthly,2026-08,2026-11,{spend * 0.5:.2f},amortized\n"
        "ec2,EC2 per year,service,AmazonEC2,annual,2026-01,,1000000.00,amortized\n"
        f"team,Largest team,team,{team},monthly,2026-09,,1000.00,net_unblended\n"
        "billed,Organisation billed,total,,monthly,2026-09,2026-09,1.00,unblended\n")


@pytest.fixture(scope="session")
def built(sample_exports: Path, answer_key: dict, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The DuckDB build the Trino build is compared with: the root conftest's `built` without its
    data and unit tests, which `make test` runs on this same sample (seed + run, then published),
    on a project copy with budgets and with the SQL forecast method."""
    root = tmp_path_factory.mktemp("build")
    project = project_copy(root)
    write_budgets(project / "seeds" / "budgets.csv", answer_key)
    settings = make_settings(root, sample_exports).model_copy(update={"project_dir": project})
    run_dbt(settings, "seed", *SQL_FORECASTS)
    run_dbt(settings, "run", *SQL_FORECASTS)
    return settings


@dataclass(frozen=True)
class TrinoBuild:
    server: TrinoServer
    target_path: Path  # dbt's artefacts of the Trino build (manifest.json: the marts' declared scopes)
    dbt_env: dict[str, str]  # what the `trino` target of profiles.yml needs


@pytest.fixture(scope="session")
def trino_built(trino_server, sample_exports, built, tmp_path_factory) -> TrinoBuild:
    """dbt seed + run of every model on Trino over the session's sample exports (the same sample
    the DuckDB session build, `built`, read)."""
    register_exports(trino_server.connect().cursor(), sample_exports, trino_server.work_dir / "deliveries")
    # more dbt threads than cores: each query waits on Trino's planning and scheduling
    env = {"INFRALYZER_TRINO_PORT": str(trino_server.port), "INFRALYZER_TRINO_SCHEMA": "infralyzer",
           "INFRALYZER_THREADS": TRINO_DBT_THREADS}
    target_path = tmp_path_factory.mktemp("target_trino")
    common = ("--target-path", str(target_path))  # a fresh folder: parsed once, by the seed
    run_dbt(built, "seed", *common, target="trino", extra_env=env)
    run_dbt(built, "run", *common, target="trino", extra_env=env)
    return TrinoBuild(trino_server, target_path, env)


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared sample without the other clouds' FOCUS exports: Athena and Trino have no table for
    them yet (docs/multicloud.md, 'On Athena and Trino'), so both engines read the same, AWS's."""
    from infralyzer.exports.generate import generate
    from sample_build import SAMPLE_ANOMALIES, SAMPLE_LINE_ITEMS, SAMPLE_PERIODS, SAMPLE_SEED

    exports = tmp_path_factory.mktemp("sample") / "exports"
    generate(exports, periods=SAMPLE_PERIODS, line_items_per_month=SAMPLE_LINE_ITEMS, seed=SAMPLE_SEED,
             anomalies=SAMPLE_ANOMALIES, exports=("cur2", "focus", "coh", "carbon"))
    return exports
