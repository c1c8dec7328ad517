"""bench/measure.py: the benchmark's wall time and peak memory count the whole process tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from measure import run_measured  # noqa: E402

# a parent that holds ~60 MB and starts a child that holds ~200 MB while the parent waits
_CHILD = "import time; b = bytearray(200_000_000); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
_PARENT = (f"import subprocess, sys; a = bytearray(60_000_000); a[::4096] = b'y' * len(a[::4096]); "
           f"subprocess.run([sys.executable, '-c', {_CHILD!r}], check=True)")


def test_peak_is_the_sum_over_the_process_tree():
    measured = run_measured([sys.executable, "-c", _PARENT], interval=0.05)
    # both processes' memory at once: more than the child alone
    assert measured.peak_bytes > 250_000_000
    assert measured.peak_bytes < 1_000_000_000
    assert measured.seconds >= 1.5


def test_a_failing_command_raises_with_its_log(tmp_path: Path):
    log = tmp_path / "log.txt"
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_measured([sys.executable, "-c", "print('the reason'); raise SystemExit(3)"], log=log)
    assert failure.value.returncode == 3
    assert "the reason" in failure.value.output
