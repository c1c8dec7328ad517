"""The forecasts, their accuracy and the budgets under /ai: the marts' rows, filtered and scoped."""

from __future__ import annotations

from api_support import API, SCOPED_ACCOUNTS, headers


def get(client, path, key="viewer", **params):
    response = client.get(f"{API}{path}", params={"limit": 10_000, **params}, headers=headers(key))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_forecasting_returns_the_mart(client, mart):
    rows = get(client, "/ai/forecasting")
    assert len(rows) == mart("select count(*) from marts.fct_spend_forecasts")[0][0] > 0
    total = get(client, "/ai/forecasting", scope="total")
    expected = mart("select billing_period, forecast_cost, lower_80, upper_95 from marts.fct_spend_forecasts "
                    "where forecast_scope = 'total' order by billing_period")
    assert [(r["billing_period"], r["forecast_cost"], r["lower_80"], r["upper_95"]) for r in total] == \
        [(p, float(c), float(lo), float(hi)) for p, c, lo, hi in expected]


def test_forecasting_filters_by_service_and_period(client, mart):
    service, period = mart("select service, billing_period from marts.fct_spend_forecasts "
                           "where forecast_scope = 'service' order by forecast_cost desc limit 1")[0]
    rows = get(client, "/ai/forecasting", service=service, **{"from": period, "to": period})
    assert [(r["forecast_scope"], r["service"], r["billing_period"]) for r in rows] == [("service", service, period)]


def test_a_scoped_key_sees_its_accounts_forecasts_only(client):
    rows = get(client, "/ai/forecasting", key="scoped-viewer")
    assert rows and {r["forecast_scope"] for r in rows} == {"account"}
    assert {r["usage_account_id"] for r in rows} == set(SCOPED_ACCOUNTS)


def test_an_unknown_scope_is_refused(client):
    response = client.get(f"{API}/ai/forecasting", params={"scope": "region"}, headers=headers("viewer"))
    assert (response.status_code, response.json()["error"]) == (422, "invalid_parameter")


def test_accuracy_is_organisation_wide(client, mart):
    rows = get(client, "/ai/forecasting/accuracy")
    assert len(rows) == mart("select count(*) from marts.fct_forecast_accuracy")[0][0] > 0
    refused = client.get(f"{API}/ai/forecasting/accuracy", headers=headers("scoped-viewer"))
    assert (refused.status_code, refused.json()["error"]) == (403, "table_not_in_scope")


def test_budgets_returns_the_mart(client, mart):
    """The shipped seed holds no budget: the mart and the answer are empty (budgets with rows:
    service/tests/e2e/test_e2e_forecasts_budgets.py)."""
    assert len(get(client, "/ai/budgets")) == mart("select count(*) from marts.fct_budget_status")[0][0]
    bad = client.get(f"{API}/ai/budgets", params={"status": "late"}, headers=headers("viewer"))
    assert bad.status_code == 422


def test_forecast_and_budget_metrics_by_month_equal_their_marts(client, mart):
    from metric_mart_queries import INSIGHT_QUERIES

    response = client.get(f"{API}/metrics/query", headers=headers("viewer"),
                          params={"metrics": ",".join(sorted(INSIGHT_QUERIES)), "group_by": "metric_time__month"})
    assert response.status_code == 200, response.text
    by_month = {row["metric_time__month"][:10]: row for row in response.json()["data"]}
    checked = 0
    for metric, sql in INSIGHT_QUERIES.items():
        for month, value in mart(sql):
            got = by_month[str(month)[:10]][metric]
            assert (got is None and value is None) or abs(got - float(value)) <= 1e-6 * max(1.0, abs(float(value)))
            checked += value is not None
    assert checked >= 3 * 4  # forecast_cost and its bounds for the four forecast months
