"""How the API serves the dashboards (no browser, no build): / leads to them, the pages and their
modules are served, and a missing chart library is a clear JSON error the pages show."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from infralyzer import dashboards


def test_root_leads_to_the_pages_and_the_library_is_served() -> None:
    app = FastAPI()
    dashboards.mount(app)
    client = TestClient(app)
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/dashboards/"
    index = client.get("/dashboards/")
    assert index.status_code == 200 and 'src="js/executive.js"' in index.text
    assert client.get("/dashboards/js/common.js").headers["content-type"].startswith("text/javascript")
    if dashboards.CHARTS_LIBRARY.is_file():
        assert client.get("/dashboards/vendor/echarts.min.js").status_code == 200


def test_missing_chart_library_is_a_clear_error(tmp_path: Path) -> None:
    app = FastAPI()
    dashboards.mount(app, charts_library=tmp_path / "echarts.min.js")
    answer = TestClient(app).get("/dashboards/vendor/echarts.min.js")
    assert answer.status_code == 404
    assert answer.json()["error"] == "dashboard_assets_missing" and "make setup" in answer.json()["message"]


def test_every_page_loads_its_module_and_no_module_computes_figures() -> None:
    """The pages show API values only: no sums, reductions or maths on figures in the JS."""
    pages = sorted(dashboards.PAGES.glob("*.html"))
    assert len(pages) == 8
    for page in pages:
        module = re.search(r'src="js/(\w+)\.js"', page.read_text()).group(1)
        assert (dashboards.PAGES / "js" / f"{module}.js").is_file(), page.name
    for script in (dashboards.PAGES / "js").glob("*.js"):
        code = script.read_text()
        for forbidden in (".reduce(", "Math.", "+=", "-=", "*=", "/="):
            assert forbidden not in code, f"{script.name} has {forbidden!r}: a figure belongs in a mart or metric"
