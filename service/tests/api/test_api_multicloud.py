"""Every cloud's spend in the API (/spend/clouds/by/{dimension}, the cloud_* metrics): the provider
dimension and filter, and account scoping across providers — a scoped key sees the sub-accounts it
lists, of any provider, and never another provider's accounts (docs/multicloud.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infralyzer.api.app import create_app
from infralyzer.api.auth import ApiKey, hash_key
from infralyzer.settings import Settings

from api_support import API, SCOPED_ACCOUNTS, close

pytestmark = pytest.mark.e2e

AZURE_SUBSCRIPTION = "/subscriptions/3f6c1a2e-8d4b-4c7a-9e1f-2b3c4d5e6f70"  # generate/writers/other_clouds.py
GCP_PROJECT = "analytics-lake-1107"
CLOUD_KEYS = {
    "everyone": None,
    "aws-only": SCOPED_ACCOUNTS,
    "azure-only": [AZURE_SUBSCRIPTION],
    "aws-and-gcp": [SCOPED_ACCOUNTS[0], GCP_PROJECT],
}


def _key(name: str) -> dict[str, str]:
    return {"X-API-Key": f"cloud-key-{name}-0123456789"}


@pytest.fixture(scope="module")
def cloud_client(publish_dir: Path) -> TestClient:
    keys = [{"name": n, "key_sha256": hash_key(_key(n)["X-API-Key"]), "role": "analyst", "accounts": a}
            for n, a in CLOUD_KEYS.items()]
    return TestClient(create_app(settings=Settings(publish_dir=publish_dir, api_keys=json.dumps(keys),
                                                   api_keys_file=None)))


def _rows(client: TestClient, key: str, dimension: str, **params) -> list[dict]:
    response = client.get(f"{API}/spend/clouds/by/{dimension}", headers=_key(key), params={"limit": 10_000, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_spend_by_provider_equals_the_mart(cloud_client, mart):
    rows = _rows(cloud_client, "everyone", "provider", cost="billed")
    got = {(r["billing_period"], r["provider"]): r["cost"] for r in rows}
    expected = {(p, v): c for p, v, c in mart(
        "select billing_period, provider, sum(billed_cost) from marts.fct_cloud_spend_daily group by all")}
    assert set(got) == set(expected) and {p for _, p in got} == {"aws", "azure", "gcp"}
    assert all(close(got[k], expected[k]) for k in expected)
    assert all(r["billing_currency"] == "USD" for r in rows)


def test_provider_filter_and_grouping_by_account(cloud_client):
    rows = _rows(cloud_client, "everyone", "account", provider="gcp,azure", grain="day")
    assert {r["provider"] for r in rows} == {"azure", "gcp"}
    assert AZURE_SUBSCRIPTION in {r["account"] for r in rows} and "usage_date" in rows[0]


@pytest.mark.parametrize("key", ["aws-only", "azure-only", "aws-and-gcp"])
def test_a_scoped_key_sees_only_its_listed_accounts_whatever_the_provider(cloud_client, mart, key):
    listed = set(CLOUD_KEYS[key])
    rows = _rows(cloud_client, key, "account")
    assert {r["account"] for r in rows} == listed  # every listed account has spend in the sample
    providers = {a: p for a, p in mart("select sub_account_id, any_value(provider) from marts.fct_cloud_spend_daily "
                                       "group by all")}
    assert {r["provider"] for r in rows} == {providers[a] for a in listed}
    # the generic table endpoint and the metrics are scoped the same way
    table = cloud_client.get(f"{API}/tables/fct_cloud_spend_daily", headers=_key(key), params={"limit": 10_000})
    assert table.status_code == 200 and {r["sub_account_id"] for r in table.json()["data"]} <= listed
    metric = cloud_client.post(f"{API}/metrics/query", headers=_key(key), json={
        "metrics": ["cloud_effective_cost"], "group_by": ["cloud_spend_line__provider"]})
    assert metric.status_code == 200, metric.text
    assert {r["cloud_spend_line__provider"] for r in metric.json()["data"]} == {providers[a] for a in listed}


def test_an_account_filter_outside_the_keys_scope_returns_nothing(cloud_client):
    assert _rows(cloud_client, "aws-only", "provider", account=AZURE_SUBSCRIPTION) == []


def test_keys_and_filters_take_account_ids_of_every_cloud_and_nothing_else():
    for account in ("123456789012", AZURE_SUBSCRIPTION, GCP_PROJECT):
        ApiKey(name="k", key_sha256="0" * 64, accounts=[account])
    for bad in ("1234", "/subscriptions/not-a-guid", "x' or 1=1", "Upper-Case-Project"):
        with pytest.raises(ValueError):
            ApiKey(name="k", key_sha256="0" * 64, accounts=[bad])
