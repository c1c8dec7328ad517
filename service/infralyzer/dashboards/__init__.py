"""The dashboards: static pages (HTML + one JS module per page) that read only the API, served
beside it at /dashboards (/ redirects there). Charts use Apache ECharts, installed from npm into
this folder's node_modules (`make setup`); without it the pages still load and say so."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
CHARTS_LIBRARY = HERE / "node_modules" / "echarts" / "dist" / "echarts.min.js"
MOUNT = "/dashboards"


def mount(app: FastAPI, charts_library: Path = CHARTS_LIBRARY) -> None:
    """Serve the pages at /dashboards/, the chart library at /dashboards/vendor/echarts.min.js."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT}/")

    @app.get(f"{MOUNT}/vendor/echarts.min.js", include_in_schema=False)
    def echarts() -> Response:
        if not charts_library.is_file():  # npm ci has not run: the pages show tables and say why
            return JSONResponse(status_code=404, content={
                "error": "dashboard_assets_missing",
                "message": "The chart library is not installed: run `make setup` (npm ci in "
                           "service/infralyzer/dashboards).", "details": {}})
        return FileResponse(charts_library, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount(MOUNT, StaticFiles(directory=PAGES, html=True), name="dashboards")
