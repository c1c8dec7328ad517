"""The sample every test area shares: generated exports of three closed billing periods, and the
settings of a build on them. Fixtures are in conftest.py; this module holds what tests import."""

from __future__ import annotations

from pathlib import Path

from infralyzer.settings import Settings

# Three closed billing periods; small enough for CI, large enough to hold every kind of charge.
SAMPLE_PERIODS = ["2026-07", "2026-08", "2026-09"]
SAMPLE_LINE_ITEMS = 20_000
SAMPLE_SEED = 7
# labelled spend anomalies (generate/injected_anomalies.py) in the last weeks, for the anomaly marts
SAMPLE_ANOMALIES = True


def make_settings(root: Path, exports_dir: Path | None = None) -> Settings:
    """A build whose database and published snapshots live under `root`."""
    return Settings(
        exports_dir=exports_dir or root / "exports",
        build_db=root / "build" / "infralyzer.duckdb",
        publish_dir=root / "publish",
    )
