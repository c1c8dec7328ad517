"""A private copy of the dbt project, for tests that break a model or its YAML on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

from infralyzer.settings import Settings

REPO = Settings().project_dir


def project_copy(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(
        REPO, target,
        ignore=shutil.ignore_patterns(".venv", ".git", "data", "target*", "logs", "__pycache__", "*.egg-info"),
    )
    for sub in ("data/exports", "data/build", "data/publish"):
        (target / sub).mkdir(parents=True, exist_ok=True)
    return target
