"""Fixtures of the dashboard tests: the API (uvicorn on loopback, the client tests' server, on the
session build's snapshot) and one headless Debian Chromium for the whole session, driven by
Debian's chromedriver through Selenium (`make test` installs both with apt-get when missing)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from api.api_support import key_of
from client.client_support import serving
from infralyzer.dashboards import CHARTS_LIBRARY

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def dash_api(publish_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert CHARTS_LIBRARY.is_file(), "the chart library is missing: run `make setup` (npm ci for the dashboards)"
    with serving(publish_dir, tmp_path_factory.mktemp("dash-api")) as url:
        # as after `make run`'s start-up: the query workers and the semantic layer are up (the API
        # warms them in the background; one metric query waits for that), no page's answer is cached
        warm = httpx.get(f"{url}/api/v1/finops/metrics/query", params={"metrics": "billed_cost"},
                         headers={"X-API-Key": key_of("analyst")}, timeout=120)
        assert warm.status_code == 200, warm.text
        yield url


@pytest.fixture(scope="session")
def api_get(dash_api: str):
    """The API's JSON answer to a dashboard's request URL (path and query), with a test key."""
    with httpx.Client(base_url=dash_api, timeout=120) as http:
        def get(url: str, key: str = "analyst") -> dict:
            response = http.get(url, headers={"X-API-Key": key_of(key)})
            assert response.status_code == 200, (url, response.status_code, response.text[:500])
            return response.json()

        yield get


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    assert not missing, f"{missing} missing: `make test` installs Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # the flags keep Chromium off the network (this machine's is closed) and off the GPU
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    downloads = tmp_path_factory.mktemp("downloads")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

