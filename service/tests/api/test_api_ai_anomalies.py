"""GET /ai/anomaly-detection (and /root-causes): the anomaly marts, filtered, paged and account-scoped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api_support import API, SCOPED_ACCOUNTS, headers

pytestmark = pytest.mark.e2e


def get(client, path: str, key: str = "viewer", **params) -> list[dict]:
    response = client.get(f"{API}/ai{path}", params={"limit": 10_000, **params}, headers=headers(key))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_anomalies_equal_the_mart(client, mart):
    rows = get(client, "/anomaly-detection")
    expected = mart("select anomaly_id, impact_cost, severity from marts.fct_cost_anomalies")
    assert len(rows) == len(expected) > 0
    assert {(r["anomaly_id"], Decimal(str(r["impact_cost"])), r["severity"]) for r in rows} == set(expected)
    assert [r["usage_date"] for r in rows] == sorted((r["usage_date"] for r in rows), reverse=True)


def test_filters(client, mart):
    rows = get(client, "/anomaly-detection", monitor="account", severity="medium,high", min_impact=20,
               **{"from": "2026-09", "to": "2026-09"})
    expected = mart("select anomaly_id from marts.fct_cost_anomalies where monitor_dimension = 'account' and "
                    "severity in ('medium', 'high') and impact_cost >= 20 and billing_period = '2026-09'")
    assert sorted(r["anomaly_id"] for r in rows) == sorted(e[0] for e in expected)
    assert rows
    service = rows[0]["top_root_cause_service"]
    by_cause = get(client, "/anomaly-detection", service=service)
    assert by_cause and {r["top_root_cause_service"] for r in by_cause} == {service}


def test_root_causes_add_up_to_the_impact(client):
    anomaly = get(client, "/anomaly-detection", sort="-impact_cost", limit=1)[0]
    causes = get(client, "/anomaly-detection/root-causes", anomaly_id=anomaly["anomaly_id"])
    assert [c["root_cause_rank"] for c in causes] == list(range(1, len(causes) + 1))
    assert sum(Decimal(str(c["contribution_cost"])) for c in causes) == Decimal(str(anomaly["impact_cost"]))
    assert causes[0]["service"] == anomaly["top_root_cause_service"]


def test_a_scoped_key_sees_its_accounts_monitors_only(client, mart):
    rows = get(client, "/anomaly-detection", key="scoped-viewer")
    expected = mart("select anomaly_id from marts.fct_cost_anomalies where monitor_account_id in (?, ?)",
                    SCOPED_ACCOUNTS)
    assert sorted(r["anomaly_id"] for r in rows) == sorted(e[0] for e in expected)
    assert all(r["monitor_dimension"] == "account" and r["monitor_account_id"] in SCOPED_ACCOUNTS for r in rows)
    causes = get(client, "/anomaly-detection/root-causes", key="scoped-viewer")
    assert all(c["usage_account_id"] in SCOPED_ACCOUNTS for c in causes)
    everything = mart("select count(*) from marts.fct_cost_anomalies")[0][0]
    assert len(rows) < everything  # organisation-wide monitors are not the scoped key's data


def test_bad_parameters(client):
    response = client.get(f"{API}/ai/anomaly-detection", params={"monitor": "team"}, headers=headers("viewer"))
    assert response.status_code == 422
    response = client.get(f"{API}/ai/anomaly-detection", params={"sort": "nope"}, headers=headers("viewer"))
    assert response.status_code == 422
