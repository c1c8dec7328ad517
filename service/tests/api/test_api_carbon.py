"""GET /carbon/emissions and /carbon/restatements, and the carbon metrics: the API's numbers equal the
marts; a month the carbon export has not delivered is null in the metrics, never 0."""

from __future__ import annotations

import pytest

from api_support import API, SCOPED_ACCOUNTS, close, headers
from metric_mart_queries import CARBON_QUERIES

pytestmark = pytest.mark.e2e

V = headers("viewer")


def get(client, path: str, key=V, **params):
    response = client.get(f"{API}{path}", params=params, headers=key)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_status_and_product_filters(client, mart):
    rows = get(client, "/carbon/emissions", status="not_yet_delivered", limit=10_000)
    (lagging,) = mart("select distinct billing_period from marts.fct_carbon_emissions "
                      "where carbon_status = 'not_yet_delivered'")[0]
    assert rows and {r["billing_period"] for r in rows} == {lagging}
    assert all(r["total_mbm_emissions_mtco2e"] is None and r["mbm_mtco2e_per_effective_cost"] is None for r in rows)
    ec2 = get(client, "/carbon/emissions", product_code="AmazonEC2", status="delivered", limit=10_000)
    expected = mart("select sum(total_mbm_emissions_mtco2e) from marts.fct_carbon_emissions "
                    "where product_code = 'AmazonEC2' and carbon_status = 'delivered'")[0][0]
    assert {r["product_code"] for r in ec2} == {"AmazonEC2"}
    assert close(sum(r["total_mbm_emissions_mtco2e"] for r in ec2), expected, 1e-9)
    response = client.get(f"{API}/carbon/emissions", params={"status": "late"}, headers=V)
    assert response.status_code == 422


def test_restatements_are_scoped_and_sorted(client, mart):
    rows = get(client, "/carbon/restatements", key=headers("scoped-viewer"), limit=10_000)
    assert rows and {r["usage_account_id"] for r in rows} <= set(SCOPED_ACCOUNTS)
    changes = [r["total_mbm_emissions_change_mtco2e"] for r in get(
        client, "/carbon/restatements", sort="-total_mbm_emissions_change_mtco2e", limit=20)]
    assert changes == sorted(changes, reverse=True)


def test_carbon_metrics_equal_the_mart_and_are_null_while_not_delivered(client, mart):
    response = client.post(f"{API}/metrics/query", headers=V,
                           json={"metrics": sorted(CARBON_QUERIES), "group_by": ["metric_time__month"]})
    assert response.status_code == 200, response.text
    by_month = {row["metric_time__month"][:10]: row for row in response.json()["data"]}
    (lagging,) = mart("select distinct billing_period_start_date from marts.fct_carbon_emissions "
                      "where carbon_status = 'not_yet_delivered'")[0]
    for metric, sql in CARBON_QUERIES.items():
        for month, value in mart(sql):
            got = by_month[str(month)[:10]][metric]
            if month == lagging and "reported" not in metric:  # the denominators are 0 then
                assert got is None and value is None, (metric, month, got)  # unknown, not 0
            else:
                assert got is not None and close(got, value, 1e-9), (metric, month, got, value)
