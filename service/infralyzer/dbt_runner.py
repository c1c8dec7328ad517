"""Running dbt as a subprocess with the project's settings (paths made absolute)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from infralyzer.settings import Settings


def dbt_executable() -> str:
    """The dbt next to this interpreter (the project's virtualenv), else the one on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(settings: Settings, *args: str, target: str | None = None, extra_env: dict[str, str] | None = None,
            check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.dbt_env(), **(extra_env or {})}
    if target:
        env["DBT_TARGET"] = target
    for folder in (settings.exports_dir, settings.build_db.parent, settings.publish_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    cmd = [dbt_executable(), *args, "--project-dir", str(settings.project_dir), "--profiles-dir", str(settings.project_dir)]
    return subprocess.run(_lower_priority(cmd, settings.build_niceness), cwd=settings.project_dir, env=env,
                          check=check, capture_output=capture, text=capture)


def _lower_priority(cmd: list[str], niceness: int) -> list[str]:
    """Builds are batch work: on a machine that also serves the API they yield the CPU to it.
    (`nice` rather than a preexec_fn, which is unsafe in a process that runs threads.)"""
    nice = shutil.which("nice")
    return [nice, "-n", str(niceness), *cmd] if niceness > 0 and nice else cmd
