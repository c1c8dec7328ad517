"""Every benchmark script a person runs starts: its imports resolve and its arguments parse
(`--help`). A script moved or renamed beside it once broke one without any test noticing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"
SCRIPTS = ["anomaly_quality.py", "api_benchmark.py", "benchmark.py", "forecast_accuracy.py",
           "forecast_error_sources.py"]


def test_every_script_is_listed():
    runnable = {p.name for p in BENCH.glob("*.py") if 'if __name__ == "__main__"' in p.read_text()}
    assert runnable - {"exports_cache.py"} == set(SCRIPTS)  # exports_cache's main is the generator's child process


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_starts(script: str):
    started = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True,
                             timeout=120)
    assert started.returncode == 0, started.stderr
    assert "usage:" in started.stdout
