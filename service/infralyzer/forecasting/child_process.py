"""Run a forecasting function in a child Python process; what the dbt Python models of forecasts
call (docs/forecasting.md, 'Where the statistics run').

Why not in dbt's process: dbt runs a Python model on one of its own threads, and the statistics
(statsforecast's fits, scipy's optimisers) are CPU-bound Python holding the interpreter lock for
seconds at a time. While a forecast ran there, dbt's other thread ran its tests and SQL models at a
tenth of their speed (a 0.03 s test took 0.3 s), and the two forecast models slowed each other
the same way. A child process has its own interpreter; dbt waits for it without holding the lock.

The arguments and the result cross as pickles in files of a private temporary folder, between
two processes of the same installation (nothing else writes there). The child runs only the
functions named in TASKS.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

TASKS = {
    "forecast_months": "infralyzer.forecasting.engine:forecast_months",
    "backtest": "infralyzer.forecasting.backtest:backtest",
}


class ChildProcessError(RuntimeError):
    """The child process failed; the message ends with what it wrote to stderr."""


def run(task: str, *args, **kwargs):
    """`TASKS[task](*args, **kwargs)`, computed by a new Python process of this interpreter."""
    if task not in TASKS:
        raise ValueError(f"unknown forecasting task {task!r}; one of {sorted(TASKS)}")
    with tempfile.TemporaryDirectory(prefix="infralyzer-forecast-") as folder:
        request, response = Path(folder) / "request.pickle", Path(folder) / "response.pickle"
        request.write_bytes(pickle.dumps((task, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
        done = subprocess.run([sys.executable, "-m", __name__, str(request), str(response)],
                              stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode != 0 or not response.exists():
            stderr = done.stderr.decode(errors="replace").strip()
            raise ChildProcessError(f"the forecasting child process ({task}) exited with {done.returncode}:\n"
                                    f"{stderr[-4000:]}")
        return pickle.loads(response.read_bytes())


def _main(request: Path, response: Path) -> None:
    from infralyzer.forecasting import engine

    # this process holds no dbt or DuckDB threads, so statsforecast may fork its workers
    engine.FIT_JOBS = os.cpu_count() or 1
    task, args, kwargs = pickle.loads(request.read_bytes())
    module, name = TASKS[task].split(":")
    result = getattr(importlib.import_module(module), name)(*args, **kwargs)
    response.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]))
