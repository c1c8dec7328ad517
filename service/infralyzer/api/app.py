"""The FastAPI application: read-only, serving the newest published snapshot."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI

from infralyzer import __version__
from infralyzer.api import errors
from infralyzer.api.routers import health, tables
from infralyzer.publish import SnapshotReader
from infralyzer.settings import get_settings

API_PREFIX = "/api/v1/finops"

log = logging.getLogger(__name__)


def create_app(publish_dir: Path | None = None) -> FastAPI:
    publish_dir = Path(publish_dir or get_settings().publish_dir)
    app = FastAPI(
        title="Infralyzer",
        version=__version__,
        summary="Read-only FinOps marts built by dbt from AWS Data Exports.",
    )
    app.state.reader = SnapshotReader(publish_dir)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(tables.router, prefix=API_PREFIX)
    log.info("serving snapshots from %s", publish_dir)
    return app
