"""The optimization endpoints answer from fct_savings_actions / fct_optimization_recommendations:
rows and totals equal the marts under every filter, and account-scoped keys see their accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api_support import API, SCOPED_ACCOUNTS, headers

pytestmark = pytest.mark.e2e

V = headers("viewer")
CURRENT = "is_latest_snapshot and is_top_action"


def get(client, path: str, key=V, **params) -> list[dict]:
    response = client.get(f"{API}/optimization{path}", params={"limit": 10_000, **params}, headers=key)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def total(rows: list[dict]) -> Decimal:
    return sum((Decimal(str(r["counted_monthly_savings"])) for r in rows), Decimal(0))


@pytest.mark.parametrize(("path", "category"), [
    ("/cost-savings", None),
    ("/idle-resources", "idle"),
    ("/rightsizing", "rightsizing"),
])
def test_each_list_is_the_current_top_actions_of_its_category(client, mart, path, category):
    where = CURRENT + (f" and action_category = '{category}'" if category else "")
    count, counted = mart(f"select count(*), sum(counted_monthly_savings) from marts.fct_savings_actions where {where}")[0]
    rows = get(client, path)
    assert len(rows) == count > 0
    assert total(rows) == counted
    assert all(r["is_top_action"] and r["is_latest_snapshot"] for r in rows)
    assert category is None or {r["action_category"] for r in rows} == {category}
    # ranked: what counts most first
    savings = [Decimal(str(r["counted_monthly_savings"])) for r in rows]
    assert savings == sorted(savings, reverse=True)


def test_idle_resources_hold_the_cur_waste_and_coh_deletions(client):
    rows = get(client, "/idle-resources")
    sources = {(r["action_source"], r["action_type"]) for r in rows}
    assert ("cur_waste_rule", "Delete") in sources and ("cost_optimization_hub", "Delete") in sources
    rules = {r["recommended_resource_summary"] for r in rows if r["action_source"] == "cur_waste_rule"}
    assert {"idle_public_ipv4", "idle_nat_gateway", "idle_load_balancer"} <= rules


def test_filters_by_team_action_type_effort_and_minimum_savings(client, mart):
    team = mart(f"select team from marts.fct_savings_actions where {CURRENT} and team is not null "
                "group by team order by sum(counted_monthly_savings) desc limit 1")[0][0]
    rows = get(client, "/cost-savings", team=team, action_type="Rightsize,MigrateToGraviton",
               effort="Medium,High,VeryHigh", min_savings="5")
    expected = mart(
        f"select count(*), sum(counted_monthly_savings) from marts.fct_savings_actions where {CURRENT} "
        "and team = ? and action_type in ('Rightsize', 'MigrateToGraviton') "
        "and implementation_effort in ('Medium', 'High', 'VeryHigh') and counted_monthly_savings >= 5", [team])[0]
    assert len(rows) == expected[0] > 0
    assert total(rows) == expected[1]
    assert all(Decimal(str(r["counted_monthly_savings"])) >= 5 for r in rows)


def test_alternatives_and_history_on_request(client, mart):
    rows = get(client, "/cost-savings", include_alternatives="true", latest_only="false")
    assert len(rows) == mart("select count(*) from marts.fct_savings_actions")[0][0]
    assert any(not r["is_top_action"] for r in rows)


def test_a_scoped_key_sees_only_its_accounts(client, mart):
    rows = get(client, "/cost-savings", key=headers("scoped-viewer"))
    assert rows and {r["account_id"] for r in rows} <= set(SCOPED_ACCOUNTS)
    placeholders = ", ".join("?" for _ in SCOPED_ACCOUNTS)
    expected = mart(f"select count(*) from marts.fct_savings_actions where {CURRENT} "
                    f"and account_id in ({placeholders})", SCOPED_ACCOUNTS)[0][0]
    assert len(rows) == expected
    recommendations = get(client, "/recommendations", key=headers("scoped-viewer"))
    assert recommendations and {r["account_id"] for r in recommendations} <= set(SCOPED_ACCOUNTS)


def test_recommendations_are_the_latest_snapshot_with_their_age(client, mart):
    rows = get(client, "/recommendations", sort="-age_days")
    assert len(rows) == mart("select count(*) from marts.fct_optimization_recommendations")[0][0] > 0
    assert rows[0]["age_days"] == max(r["age_days"] for r in rows) > 0
    assert {"first_seen_period", "last_seen_period", "is_top_action", "team"} <= set(rows[0])


def test_savings_metrics_by_action_type_equal_the_mart(client, mart):
    latest = mart("select max(billing_period_start_date) from marts.fct_savings_actions")[0][0]
    response = client.post(f"{API}/metrics/query", headers=V, json={
        "metrics": ["potential_savings", "savings_by_action_type"],
        "group_by": ["metric_time__month", "savings_action__action_type"]})
    assert response.status_code == 200, response.text
    rows = [r for r in response.json()["data"] if r["metric_time__month"][:10] == str(latest)]
    expected = dict(mart("select action_type, sum(counted_monthly_savings) from marts.fct_savings_actions "
                         "where billing_period_start_date = ? group by 1", [latest]))
    assert {r["savings_action__action_type"] for r in rows} == set(expected)
    for row in rows:
        assert abs(Decimal(str(row["potential_savings"])) - expected[row["savings_action__action_type"]]) < Decimal("1e-6")
        assert row["savings_by_action_type"] == row["potential_savings"]
