"""The dashboards in a real browser (headless Debian Chromium) on the session build's snapshot:
every page shows the API's numbers, within 3 s, filters change them, a scoped key sees only its
accounts, drill-down and downloads work, and a screenshot of each page lands in
artifacts/screenshots/ (with timings.json, the seconds each page took)."""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from api.api_support import SCOPED_ACCOUNTS, key_of
from dashboards_support import PAGES, by_id, open_page, same_value, use_key, wait_for_url, wait_loaded

RENDER_LIMIT_SECONDS = 3.0
NO_CHART = {"accounts", "accuracy", "compliance-accounts"}  # table-only panels
EMPTY_ON_SAMPLE = {("index.html", "budgets")}  # seeds/budgets.csv is empty in the repo


@pytest.fixture(scope="module")
def timings(screenshots: Path):
    seconds: dict[str, float] = {}
    yield seconds
    (screenshots / "timings.json").write_text(json.dumps(seconds, indent=2) + "\n")


def money(value: float) -> str:
    """How a page shows money: to the cent, halves away from zero, of the JSON's decimal text; the
    sign before the dollar (a cent rounded to zero has none)."""
    cents = Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{'-' if cents < 0 else ''}${abs(cents):,}"


def check_against_api(panel: dict, api_get, key: str) -> dict:
    """Every cell and card of a panel is a value of the API's answer to the panel's request."""
    answer = api_get(panel["endpoint"], key)
    rows = answer["data"]
    assert len(panel["rows"]) == len(rows), panel["id"]
    for shown, row in zip(panel["rows"], rows):
        for cell in shown:
            assert same_value(cell["value"], row[cell["column"]]), (panel["id"], cell, row)
            if cell["column"].endswith("_cost") and isinstance(row[cell["column"]], (int, float)):
                assert cell["text"] == money(row[cell["column"]]), (panel["id"], cell)
    for card in panel["cards"]:
        assert any(same_value(card["value"], row[card["column"]]) for row in rows), (panel["id"], card)
    return answer


@pytest.mark.parametrize("page", list(PAGES))
def test_page_shows_the_apis_numbers_in_time(page, browser, dash_api, api_get, screenshots, timings):
    use_key(browser, dash_api, "analyst")
    shown, seconds = open_page(browser, dash_api, page)
    timings[page] = round(seconds, 3)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(height + 140, 4000))  # the whole page in the picture
    browser.save_screenshot(str(screenshots / page.replace(".html", ".png")))
    browser.set_window_size(1400, 1000)
    freshness = browser.find_element(By.ID, "freshness")
    health = api_get("/health")["freshness"]
    assert freshness.get_attribute("data-snapshot") == health["snapshot"]
    assert freshness.get_attribute("data-newest-billing-period") == health["newest_billing_period"]
    assert health["newest_billing_period"] in freshness.text
    assert [p["id"] for p in shown] == PAGES[page]
    for panel in shown:
        assert panel["state"] == "ready", panel
        answer = check_against_api(panel, api_get, "analyst")
        if (page, panel["id"]) in EMPTY_ON_SAMPLE:  # the sample defines none: the panel says what to do
            assert not answer["data"] and "seeds/budgets.csv" in panel["status"]
            continue
        assert panel["rows"], f"{page} {panel['id']} shows no rows on the sample"
        assert panel["canvas"] or panel["id"] in NO_CHART, panel["id"]
    assert seconds < RENDER_LIMIT_SECONDS, f"{page} took {seconds:.2f} s"


def test_filters_change_the_numbers(browser, dash_api, api_get):
    use_key(browser, dash_api, "analyst")
    before = by_id(open_page(browser, dash_api, "index.html")[0])["summary"]
    accounts = Select(browser.find_element(By.NAME, "account"))
    account = accounts.options[1].get_attribute("value")
    accounts.select_by_value(account)
    periods = Select(browser.find_element(By.NAME, "from"))
    first_period = periods.options[1].get_attribute("value")
    periods.select_by_value(first_period)
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    wait_for_url(browser, f"from={first_period}")
    assert parse_qs(urlsplit(browser.current_url).query) == {"from": [first_period], "account": [account]}
    after = by_id(wait_loaded(browser, "index.html", time.monotonic())[0])["summary"]
    assert f"account%3Ain%3A{account}" in after["endpoint"] and f"from={first_period}" in after["endpoint"]
    answer = check_against_api(after, api_get, "analyst")
    assert answer["data"][0]["metric_time__month"].startswith(first_period)
    cost = lambda panel: next(c["value"] for c in panel["cards"] if c["column"] == "effective_cost")  # noqa: E731
    assert cost(after) != cost(before)
    assert Select(browser.find_element(By.NAME, "account")).first_selected_option.get_attribute("value") == account


def test_scoped_key_sees_only_its_accounts(browser, dash_api, api_get):
    use_key(browser, dash_api, "scoped-viewer")
    spend = by_id(open_page(browser, dash_api, "spend.html", "?by=account")[0])["spend"]
    shown = {cell["value"] for row in spend["rows"] for cell in row if cell["column"] == "account"}
    assert shown and shown <= set(SCOPED_ACCOUNTS)
    check_against_api(spend, api_get, "scoped-viewer")
    options = [o.get_attribute("value") for o in Select(browser.find_element(By.NAME, "account")).options]
    assert set(options) - {""} <= set(SCOPED_ACCOUNTS)

    executive = by_id(open_page(browser, dash_api, "index.html")[0])
    check_against_api(executive["summary"], api_get, "scoped-viewer")
    unscoped = api_get(executive["summary"]["endpoint"], "analyst")["data"][-1]["effective_cost"]
    scoped = next(c for c in executive["summary"]["cards"] if c["column"] == "effective_cost")
    assert float(scoped["value"]) < unscoped
    assert executive["movers"]["state"] == "forbidden"  # ranked over every account: organisation-wide
    assert by_id(open_page(browser, dash_api, "allocation.html")[0])["chargeback"]["state"] == "forbidden"


def test_drill_down_from_a_row(browser, dash_api, api_get):
    use_key(browser, dash_api, "analyst")
    spend = by_id(open_page(browser, dash_api, "spend.html", "?by=service")[0])["spend"]
    service = next(cell["value"] for cell in spend["rows"][0] if cell["column"] == "service")
    browser.find_element(By.CSS_SELECTOR, "#spend [data-view=table]").click()
    browser.find_element(By.CSS_SELECTOR, "#spend tbody tr").click()
    wait_for_url(browser, "by=usage_type")
    assert parse_qs(urlsplit(browser.current_url).query) == {"by": ["usage_type"], "service": [service]}
    drilled = by_id(wait_loaded(browser, "spend.html", time.monotonic())[0])["spend"]
    request = urlsplit(drilled["endpoint"])
    assert request.path.endswith("/spend/by/usage_type") and parse_qs(request.query)["service"] == [service]
    check_against_api(drilled, api_get, "analyst")


def test_download_is_the_apis_export(browser, dash_api):
    use_key(browser, dash_api, "analyst")
    spend = by_id(open_page(browser, dash_api, "spend.html")[0])["spend"]
    for fmt in ("csv", "parquet"):
        browser.find_element(By.CSS_SELECTOR, f"#spend [data-download={fmt}]").click()
        target = browser.downloads / f"spend.{fmt}"
        deadline = time.monotonic() + 20
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        expected = httpx.get(f"{dash_api}{spend['endpoint']}&format={fmt}", headers={"X-API-Key": key_of("analyst")})
        assert target.read_bytes() == expected.content


def test_pages_work_without_the_chart_library(browser, dash_api, api_get):
    """npm ci has not run: the page says so and still shows every number in its tables."""
    use_key(browser, dash_api, "analyst")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*echarts.min.js"]})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        shown = by_id(open_page(browser, dash_api, "commitments.html")[0])
        assert "make setup" in browser.find_element(By.ID, "charts-missing").text
        assert browser.find_element(By.CSS_SELECTOR, "#rates .table-view").is_displayed()
        check_against_api(shown["rates"], api_get, "analyst")
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


def test_team_and_service_filters(browser, dash_api, api_get):
    use_key(browser, dash_api, "analyst")
    open_page(browser, dash_api, "optimisation.html")
    team = Select(browser.find_element(By.NAME, "team")).options[1].get_attribute("value")
    actions = by_id(open_page(browser, dash_api, "optimisation.html", f"?team={team}")[0])["actions"]
    teams = {cell["value"] for row in actions["rows"] for cell in row if cell["column"] == "team"}
    assert teams == {team}
    check_against_api(actions, api_get, "analyst")

    everything = by_id(open_page(browser, dash_api, "commitments.html")[0])["rates"]
    ec2 = by_id(open_page(browser, dash_api, "commitments.html", "?service=AmazonEC2")[0])["rates"]
    assert parse_qs(urlsplit(ec2["endpoint"]).query)["filter"] == ["service:in:AmazonEC2"]
    check_against_api(ec2, api_get, "analyst")
    assert [c["value"] for c in ec2["cards"]] != [c["value"] for c in everything["cards"]]
