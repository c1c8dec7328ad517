"""The sample every test area shares: generated exports of three closed billing periods, and the
settings of a build on them. Fixtures are in conftest.py; this module holds what tests import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infralyzer.settings import Settings

REPO = Path(__file__).resolve().parents[2]

# Three closed billing periods; small enough for CI, large enough to hold every kind of charge.
SAMPLE_PERIODS = ["2026-07", "2026-08", "2026-09"]
SAMPLE_LINE_ITEMS = 20_000
SAMPLE_SEED = 7
# labelled spend anomalies (generate/injected_anomalies.py) in the last weeks, for the anomaly marts
SAMPLE_ANOMALIES = True
# the carbon export lags the CUR: the last period has no carbon delivery yet (docs/carbon.md)
SAMPLE_CARBON_LAG_MONTHS = 1
# a few Cost Optimization Hub recommendations carried out (generate/implemented_recommendations.py),
# for the realised-savings ledger
SAMPLE_IMPLEMENTATIONS = True


def make_settings(root: Path, exports_dir: Path | None = None) -> Settings:
    """A build whose database and published snapshots live under `root`."""
    return Settings(
        exports_dir=exports_dir or root / "exports",
        build_db=root / "build" / "infralyzer.duckdb",
        publish_dir=root / "publish",
        dbt_target_dir=root / "target",  # its own: builds of tests may run at once (pytest-xdist)
    )


def run_mf(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    """MetricFlow's own CLI on the build of `settings`. `mf` reads `<project>/target/semantic_manifest.json`
    whatever DBT_TARGET_PATH says, so it runs in a mirror of the project (links to its files) whose
    `target` is this build's: builds of tests running at once each keep their own target. It queries
    a copy of the build database: dbt-duckdb opens it for writing, which would lock out the tests
    reading the build at the same time (pytest-xdist)."""
    with tempfile.TemporaryDirectory(prefix="infralyzer-mf-") as mirror:
        for entry in REPO.iterdir():
            if entry.name not in ("target", "logs"):
                Path(mirror, entry.name).symlink_to(entry)
        Path(mirror, "target").symlink_to(settings.dbt_target_dir)
        build_db = Path(mirror, "build", settings.build_db.name)  # the file's name is the catalog's
        build_db.parent.mkdir()
        shutil.copyfile(settings.build_db, build_db)
        env = {**os.environ, **settings.dbt_env(), "INFRALYZER_BUILD_DB": str(build_db)}
        return subprocess.run([str(Path(sys.executable).with_name("mf")), *args], cwd=mirror, env=env,
                              capture_output=True, text=True, check=False)
