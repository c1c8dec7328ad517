"""What the dashboard tests import: opening a page with a key, waiting for its panels, and reading
what a panel shows (its request, its table cells, its cards) off the DOM."""

from __future__ import annotations

import time

from api.api_support import key_of

# page -> the panels it shows (ids), in order
PAGES = {
    "index.html": ["summary", "budgets", "forecast", "movers"],
    "spend.html": ["spend"],
    "commitments.html": ["rates", "savings", "utilization", "expiries", "sizing"],
    "kpi.html": ["kpis", "savings", "accounts"],
    "allocation.html": ["chargeback", "showback", "compliance", "compliance-accounts", "untagged"],
    "optimisation.html": ["by-type", "actions"],
    "anomalies.html": ["anomalies", "forecasts", "accuracy"],
    "carbon.html": ["carbon"],
}

_PANELS_JS = """
return [...document.querySelectorAll('section.panel')].map((s) => ({
  id: s.id, state: s.dataset.state, endpoint: s.dataset.endpoint || null,
  status: s.querySelector('.status').textContent,
  canvas: !!s.querySelector('.chart canvas'),
  columns: [...s.querySelectorAll('thead th')].map((th) => th.textContent),
  rows: [...s.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) =>
    ({column: td.dataset.column, value: td.dataset.value, text: td.textContent}))),
  cards: [...s.querySelectorAll('.card')].map((c) => ({column: c.dataset.column, value: c.dataset.value,
    text: c.querySelector('strong').textContent})),
}));
"""


def use_key(driver, base: str, key: str | None) -> None:
    """Put a test key in the tab's sessionStorage, as the key box does."""
    driver.get(f"{base}/dashboards/style.css")  # any page of the origin: sessionStorage is per origin
    if key is None:
        driver.execute_script("sessionStorage.removeItem('infralyzer.apiKey')")
    else:
        driver.execute_script("sessionStorage.setItem('infralyzer.apiKey', arguments[0])", key_of(key))


def panels(driver) -> list[dict]:
    return driver.execute_script(_PANELS_JS)


def open_page(driver, base: str, page: str, query: str = "", timeout: float = 60) -> tuple[list[dict], float]:
    """Load a page and wait until every panel has its answer: (the panels, seconds it took)."""
    started = time.monotonic()
    driver.get(f"{base}/dashboards/{page}{query}")
    return wait_loaded(driver, page, started, timeout)


def wait_loaded(driver, page: str, started: float, timeout: float = 60) -> tuple[list[dict], float]:
    """Wait until the page in the browser (loaded, or navigated to by a click) has every panel's answer."""
    expected = len(PAGES[page])
    while True:
        shown = panels(driver)
        if len(shown) == expected and all(p["state"] != "loading" for p in shown) \
                and driver.execute_script("return document.getElementById('filters').dataset.loaded === 'true'"):
            return shown, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{page} did not finish loading: {shown}")
        time.sleep(0.02)


def by_id(shown: list[dict]) -> dict[str, dict]:
    return {p["id"]: p for p in shown}


def same_value(shown: str, value) -> bool:
    """A table cell's raw value (its data-value) against the API's JSON value."""
    if value is None:
        return shown == ""
    if isinstance(value, bool):
        return shown == str(value).lower()
    if isinstance(value, (int, float)):
        return float(shown) == float(value)
    return shown == str(value)


def wait_for_url(driver, part: str, timeout: float = 30) -> None:
    """Wait for a navigation (a filter applied, a drill-down) to reach a URL containing `part`."""
    deadline = time.monotonic() + timeout
    while part not in driver.current_url:
        if time.monotonic() > deadline:
            raise AssertionError(f"no navigation to {part!r}: {driver.current_url}")
        time.sleep(0.02)
