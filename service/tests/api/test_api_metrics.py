"""Metrics by name: the list, and for every metric by month the API's number equals a direct query
of its mart (and `mf query`); group-bys, time grains, filters, formats, scoping and errors."""

from __future__ import annotations

import csv
import os

import pytest

from api_support import API, SCOPED_ACCOUNTS, close, headers, read_table
from metric_mart_queries import ALL_METRICS, MART_QUERIES, OFFSET_QUERIES
from sample_build import run_mf

pytestmark = pytest.mark.e2e

V = headers("viewer")


def query(client, key=V, **body):
    response = client.post(f"{API}/metrics/query", json=body, headers=key)
    assert response.status_code == 200, response.text
    return response.json()


def test_lists_every_metric_with_descriptions_and_dimensions(client):
    body = client.get(f"{API}/metrics", headers=V).json()
    metrics = {m["name"]: m for m in body["data"]}
    assert set(metrics) == set(ALL_METRICS)
    for metric in metrics.values():
        assert len(metric["description"]) > 30
        names = {d["name"] for d in metric["dimensions"]}
        assert "metric_time" in names
    spend_dims = {d["name"] for d in metrics["effective_cost"]["dimensions"]}
    assert {"account__account_name", "service__service_category", "region__is_global"} <= spend_dims
    time = next(d for d in metrics["effective_cost"]["dimensions"] if d["name"] == "metric_time")
    assert "metric_time__quarter" in time["grains"]


def test_every_metric_by_month_equals_its_mart(client, mart):
    body = query(client, metrics=sorted(MART_QUERIES), group_by=["metric_time__month"])
    by_month = {row["metric_time__month"][:10]: row for row in body["data"]}
    assert len(by_month) == 3
    for metric, sql in MART_QUERIES.items():
        for month, value in mart(sql):
            got = by_month[str(month)[:10]][metric]
            assert got is not None and close(got, value, 1e-9), (metric, month, got, value)


def test_every_metric_equals_mf_query(client, tmp_path, request):
    """The third answer: MetricFlow's own CLI on the build (skipped when the build is not this session's)."""
    if os.environ.get("INFRALYZER_TEST_PUBLISH_DIR"):
        pytest.skip("mf reads the session build's target; not available with INFRALYZER_TEST_PUBLISH_DIR")
    out = tmp_path / "mf.csv"
    result = run_mf(request.getfixturevalue("built"), "query", "--metrics", ",".join(MART_QUERIES),
                    "--group-by", "metric_time__month", "--csv", str(out))
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    with out.open() as handle:
        from_mf = {row["metric_time__month"][:10]: row for row in csv.DictReader(handle)}
    body = query(client, metrics=sorted(MART_QUERIES), group_by=["metric_time__month"])
    for row in body["data"]:
        month = row["metric_time__month"][:10]
        assert month in from_mf, f"mf and the API answered from different builds ({month})"
        for metric in MART_QUERIES:
            assert close(row[metric], from_mf[month][metric] or None, 1e-6), (metric, month)  # mf writes a null as ""


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_time_grains_add_up_to_the_total(client, mart, grain):
    rows = query(client, metrics=["billed_cost"], group_by=[f"metric_time__{grain}"])["data"]
    total = mart("select sum(unblended_cost) from marts.fct_spend_daily")[0][0]
    assert close(sum(r["billed_cost"] for r in rows), total, 1e-9)
    times = [r[f"metric_time__{grain}"] for r in rows]
    assert times == sorted(times)  # ordered by the group-bys unless asked otherwise
    if grain == "day":
        assert len(rows) == mart("select count(distinct usage_date) from marts.fct_spend_daily")[0][0]


def test_group_by_dimensions_and_filters(client, mart):
    rows = query(client, metrics=["effective_cost"], group_by=["metric_time__month", "account__account_name"],
                 filters=[{"dimension": "account__account_name", "op": "in", "value": ["prod-payments", "staging"]}],
                 **{"from": "2026-08", "to": "2026-09"})["data"]
    expected = {(str(m)[:10], n): c for m, n, c in mart("""
        select date_trunc('month', s.usage_date), a.account_name, sum(s.amortized_cost)
        from marts.fct_spend_daily as s join marts.dim_accounts as a on s.usage_account_id = a.account_id
        where a.account_name in ('prod-payments', 'staging') and s.billing_period >= '2026-08'
        group by all""")}
    assert len(rows) == len(expected) == 4
    for row in rows:
        assert close(row["effective_cost"], expected[row["metric_time__month"][:10], row["account__account_name"]])


def test_get_variant_and_formats(client, mart):
    response = client.get(f"{API}/metrics/query", headers=V, params={
        "metrics": "commitment_coverage", "group_by": "metric_time__month", "filter": "coverage_line__coverage_service_group:eq:Compute",
        "format": "arrow"})
    assert response.status_code == 200, response.text
    table = read_table(response)
    expected = dict(mart("select billing_period_start_date, sum(reserved_cost + savings_plan_cost) / sum(eligible_cost) "
                         "from marts.fct_commitment_coverage where commit_service_group = 'Compute' group by 1"))
    assert table.num_rows == len(expected)
    for row in table.to_pylist():
        assert close(row["commitment_coverage"], expected[row["metric_time__month"].date()])


def test_scoped_metrics_are_over_the_keys_accounts(client, mart):
    body = query(client, headers("scoped-viewer"), metrics=["effective_cost", "commitment_coverage"],
                 group_by=["metric_time__month"])
    cost = dict(mart("select date_trunc('month', usage_date), sum(amortized_cost) from marts.fct_spend_daily "
                     "where usage_account_id in (?, ?) group by 1", SCOPED_ACCOUNTS))
    coverage = dict(mart("select billing_period_start_date, sum(reserved_cost + savings_plan_cost) / sum(eligible_cost) "
                         "from marts.fct_commitment_coverage where usage_account_id in (?, ?) group by 1",
                         SCOPED_ACCOUNTS))
    for row in body["data"]:
        month = row["metric_time__month"][:10]
        assert close(row["effective_cost"], next(v for k, v in cost.items() if str(k)[:10] == month))
        assert close(row["commitment_coverage"], next(v for k, v in coverage.items() if str(k)[:10] == month))
    names = {r["account__account_name"] for r in query(client, headers("scoped-viewer"), metrics=["billed_cost"],
                                                       group_by=["account__account_name"])["data"]}
    assert names == {n for (n,) in mart("select account_name from marts.dim_accounts where account_id in (?, ?)",
                                        SCOPED_ACCOUNTS)}
    # a payer-level metric sums accounts beyond the key's: refused
    response = client.post(f"{API}/metrics/query", json={"metrics": ["unused_commitment"]},
                           headers=headers("scoped-viewer"))
    assert response.status_code == 403 and response.json()["error"] == "table_not_in_scope"


@pytest.mark.parametrize("body,status,code", [
    ({"metrics": ["no_such_metric"]}, 404, "unknown_metric"),
    ({"metrics": ["billed_cost"], "group_by": ["no_such__dimension"]}, 400, "invalid_metric_query"),
    ({"metrics": ["billed_cost"], "group_by": ["metric_time__fortnight"]}, 400, "invalid_metric_query"),
    ({"metrics": ["billed_cost"], "filters": [{"dimension": "account__account_name", "value": "{{ x }}"}]}, 422,
     "invalid_parameter"),
    ({"metrics": ["billed_cost"], "group_by": ["x; drop table y"]}, 422, "invalid_parameter"),
    ({"metrics": []}, 422, "invalid_parameter"),
    ({"metrics": ["billed_cost"], "from": "2026-9"}, 422, "invalid_parameter"),
])
def test_metric_errors(client, body, status, code):
    response = client.post(f"{API}/metrics/query", json=body, headers=V)
    assert response.status_code == status, response.text
    assert response.json()["error"] == code


def test_filter_values_are_literals(client):
    body = query(client, metrics=["billed_cost"], group_by=["account__account_name"],
                 filters=[{"dimension": "account__account_name", "value": "x' or '1'='1"}])
    assert body["row_count"] == 0


def test_month_over_month_metrics_equal_their_mart(client, mart):
    """The previous month's effective cost and the change on it (offset-window metrics of the
    executive dashboard) against the spend mart, month by month."""
    body = query(client, metrics=sorted(OFFSET_QUERIES), group_by=["metric_time__month"])
    by_month = {row["metric_time__month"][:10]: row for row in body["data"]}
    for metric, sql in OFFSET_QUERIES.items():
        expected = mart(sql)
        assert expected
        for month, value in expected:
            got = by_month[str(month)[:10]][metric]
            assert got is not None and close(got, value, 1e-9), (metric, month, got, value)
