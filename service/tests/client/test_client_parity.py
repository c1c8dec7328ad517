"""The local client (the snapshot, in process) and the remote client (a real API server over Arrow
IPC) return identical frames for every method, equal to the API's JSON answers; a scoped key stays
scoped through the remote client."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx2 as httpx
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from api.api_support import SCOPED_ACCOUNTS, key_of
from infralyzer.api.errors import ApiError
from infralyzer.api.formats import _jsonable
from infralyzer.client import Freshness
from infralyzer.client.remote import RemoteClient
from infralyzer.publish import latest_snapshot

from client_support import serving

SQL_FILE = """
-- spend of some accounts in one billing period, by service
select service, sum(amortized_cost) as cost, count(*) as row_count
from marts.fct_spend_monthly
where billing_period = $period and usage_account_id in $accounts
group by service
order by cost desc, service
"""

CALLS = {
    "marts": lambda c, _: c.marts(),
    "metrics": lambda c, _: c.metrics(),
    "mart, whole": lambda c, _: c.mart("fct_spend_monthly"),
    "mart, filtered and paged": lambda c, _: c.mart("fct_spend_daily", from_="2026-08", to="2026-09",
                                                    account=SCOPED_ACCOUNTS, service=["AmazonEC2", "AmazonS3"],
                                                    sort=["-amortized_cost"], limit=900, offset=10),
    "metric": lambda c, _: c.metric(["effective_cost", "commitment_coverage"], ["metric_time__month", "service"],
                                    where=[("service__service_category", "in", ["Compute", "Storage"])],
                                    from_="2026-08"),
    "sql": lambda c, _: c.sql("select billing_period, usage_account_id, service, amortized_cost "
                              "from marts.fct_spend_monthly order by all", limit=1500),
    "sql_file": lambda c, path: c.sql_file(path, {"period": "2026-09", "accounts": SCOPED_ACCOUNTS}),
}


@pytest.fixture(scope="module")
def sql_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sql") / "spend_by_service.sql"
    path.write_text(SQL_FILE)
    return path


@pytest.mark.parametrize("method", list(CALLS))
def test_local_and_remote_frames_are_identical(method, local, remote_as, sql_file):
    ours, theirs = CALLS[method](local, sql_file), CALLS[method](remote_as("analyst"), sql_file)
    assert ours.height > 0
    assert_frame_equal(ours, theirs)  # values, order, column names and dtypes
    assert ours.infralyzer.answer == theirs.infralyzer.answer
    assert isinstance(ours.infralyzer.freshness, Freshness)


def _rows(df: pl.DataFrame) -> list[dict]:
    """The frame's rows as the API writes them in JSON (its own conversion of decimals and dates)."""
    return [_jsonable(row) for row in df.to_dicts()]


def _json_freshness(body: dict) -> Freshness:
    return Freshness.from_api(**body["freshness"])


def test_frames_equal_the_api_json(local, api_json, sql_file):
    mart = local.mart("fct_spend_monthly")
    assert mart.schema["amortized_cost"] == pl.Decimal(38, 8)  # money stays decimal
    body = api_json("GET", "/tables/fct_spend_monthly", params={"limit": 10_000}).json()
    assert _rows(mart) == body["data"] and not body["has_more"]
    assert mart.infralyzer.freshness == _json_freshness(body)

    paged = local.mart("fct_spend_daily", from_="2026-08", sort="-amortized_cost", limit=50, offset=5)
    body = api_json("GET", "/tables/fct_spend_daily",
                    params={"from": "2026-08", "sort": "-amortized_cost", "limit": 50, "offset": 5}).json()
    assert _rows(paged) == body["data"]
    assert paged.infralyzer.truncated is body["has_more"] is True

    metric = local.metric(["effective_cost", "commitment_coverage"], ["metric_time__month", "service"],
                          where={"service__service_category": ["Compute", "Storage"]}, from_="2026-08")
    body = api_json("POST", "/metrics/query", json={
        "metrics": ["effective_cost", "commitment_coverage"], "group_by": ["metric_time__month", "service"],
        "filters": [{"dimension": "service__service_category", "op": "in", "value": ["Compute", "Storage"]}],
        "from": "2026-08"}).json()
    assert _rows(metric) == body["data"]
    assert metric.schema["effective_cost"] == pl.Decimal(38, 8)

    sql = "select billing_period, service, sum(amortized_cost) as cost from marts.fct_spend_monthly group by all " \
          "order by all"
    answer = local.sql(sql, limit=20)
    body = api_json("POST", "/sql/query", json={"sql": sql, "limit": 20}).json()
    assert _rows(answer) == body["data"] and answer.infralyzer.truncated is body["truncated"]

    from_file = local.sql_file(sql_file, {"period": "2026-09", "accounts": SCOPED_ACCOUNTS})
    inlined = SQL_FILE.replace("$period", "'2026-09'").replace("$accounts", "('" + "', '".join(SCOPED_ACCOUNTS) + "')")
    assert _rows(from_file) == api_json("POST", "/sql/query", json={"sql": inlined}).json()["data"]

    marts = api_json("GET", "/tables").json()
    assert local.marts().to_dicts() == marts["data"]
    metrics = api_json("GET", "/metrics").json()
    for metric_row in metrics["data"]:  # the frame has one shape: `grains` null where a dimension has none
        for dimension in metric_row["dimensions"]:
            dimension.setdefault("grains", None)
    assert local.metrics().to_dicts() == metrics["data"]


def test_a_scoped_key_stays_scoped(local, remote_as):
    scoped = remote_as("scoped-analyst")
    everything = local.mart("fct_spend_monthly")
    rows = scoped.mart("fct_spend_monthly")
    assert set(rows["usage_account_id"]) == set(SCOPED_ACCOUNTS)
    assert_frame_equal(rows, everything.filter(pl.col("usage_account_id").is_in(SCOPED_ACCOUNTS)))

    accounts = scoped.sql("select distinct usage_account_id from marts.fct_spend_daily order by 1")
    assert accounts["usage_account_id"].to_list() == sorted(SCOPED_ACCOUNTS)
    total = scoped.metric(["billed_cost"])["billed_cost"].item()
    assert total == everything.filter(pl.col("usage_account_id").is_in(SCOPED_ACCOUNTS))["unblended_cost"].sum()
    assert total < everything["unblended_cost"].sum()

    listed = set(scoped.marts()["name"])
    assert "fct_spend_monthly" in listed and "fct_chargeback" not in listed  # organisation-wide: not for this key
    with pytest.raises(ApiError) as refused:
        scoped.mart("fct_chargeback")
    assert (refused.value.status_code, refused.value.error) == (403, "table_not_in_scope")
    assert remote_as("nobody").sql("select count(*) as n from marts.fct_spend_monthly")["n"].item() == 0
    with pytest.raises(ApiError) as refused:
        remote_as("scoped-viewer").sql("select 1")
    assert (refused.value.status_code, refused.value.error) == (403, "forbidden")


def test_errors_are_the_apis(local, remote_as):
    for call in (lambda c: c.mart("fct_nothing"), lambda c: c.mart("fct_spend_monthly", from_="2026-9"),
                 lambda c: c.metric(["no_such_metric"]), lambda c: c.sql("select * from marts.fct_nothing")):
        with pytest.raises(ApiError) as ours:
            call(local)
        with pytest.raises(ApiError) as theirs:
            call(remote_as("analyst"))
        assert (ours.value.status_code, ours.value.error) == (theirs.value.status_code, theirs.value.error)


def test_a_whole_mart_is_read_from_one_snapshot(publish_dir, local, tmp_path):
    """The server switches to a newer snapshot between two pages: the read starts over on it."""
    served = tmp_path / "publish"
    served.mkdir()
    original = latest_snapshot(publish_dir).path
    shutil.copy(original, served / original.name)
    newer = served / "snapshot-99991231T000000-newer.duckdb"  # the same marts, published later

    def publish_after_the_first_page(response: httpx.Response) -> None:
        if "/tables/" in str(response.request.url) and not newer.exists():
            shutil.copy(original, newer)
            time.sleep(1.5)  # the server looks for a newer snapshot at most every second

    with serving(served, tmp_path) as url:
        pages = []
        http = httpx.Client(timeout=120, event_hooks={"response": [publish_after_the_first_page,
                                                                   lambda r: pages.append(r.headers.get(
                                                                       "X-Infralyzer-Snapshot"))]})
        with RemoteClient(url, key_of("analyst"), http=http, page_size=500) as remote:
            rows = remote.mart("fct_spend_monthly")
    assert pages[0] == original.name and pages[-1] == newer.name and len(pages) > 2
    assert rows.infralyzer.freshness.snapshot == newer.name
    assert_frame_equal(rows, local.mart("fct_spend_monthly"))
