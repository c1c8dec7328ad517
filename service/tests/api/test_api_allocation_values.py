"""GET /allocation/values: the values of each allocation dimension (what the dashboards' team
filter lists), distinct and scoped like the showback rows they come from."""

from __future__ import annotations

from api_support import API, SCOPED_ACCOUNTS, headers


def values(client, key: str, **params) -> list[tuple[str, str]]:
    response = client.get(f"{API}/allocation/values", params=params, headers=headers(key))
    assert response.status_code == 200, response.text
    return [(row["dimension"], row["dimension_value"]) for row in response.json()["data"]]


def test_values_are_the_distinct_showback_values(client, mart):
    expected = mart("select distinct dimension, dimension_value from marts.fct_showback "
                    "where dimension = 'team' order by 1, 2")
    got = values(client, "viewer", dimension="team")
    assert got == [tuple(row) for row in expected] and len(got) > 1
    every = values(client, "viewer", limit=1000)
    assert {d for d, _ in every} == {row[0] for row in mart("select distinct dimension from marts.fct_showback")}


def test_a_scoped_key_lists_the_values_of_its_accounts_only(client, mart):
    placeholders = ", ".join("?" for _ in SCOPED_ACCOUNTS)
    expected = mart("select distinct dimension, dimension_value from marts.fct_showback where dimension = 'team' "
                    f"and usage_account_id in ({placeholders}) order by 1, 2", SCOPED_ACCOUNTS)
    assert values(client, "scoped-viewer", dimension="team") == [tuple(row) for row in expected]
