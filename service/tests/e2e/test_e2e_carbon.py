"""The carbon marts on the shared sample equal the generator's answer key: the latest model version
per month, account, region and service; the restatement (v2.0.0 -> v3.0.0 in the first month) with
its changes; the month the lagging carbon export has not delivered marked, not zero; and carbon per
dollar joined to the spend of the same month."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

MEASURES = ("total_mbm_emissions", "total_lbm_emissions", "scope_1_emissions", "scope_2_mbm_emissions",
            "scope_2_lbm_emissions", "scope_3_mbm_emissions", "scope_3_lbm_emissions")
KEY = ("payer_account_id", "usage_account_id", "region_code", "product_code")


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _delivered_periods(answer_key) -> dict[str, dict]:
    return {p: e["carbon"] for p, e in answer_key["periods"].items() if "carbon" in e}


def test_the_sample_has_a_restatement_and_a_lag(answer_key):
    periods = sorted(answer_key["periods"])
    delivered = _delivered_periods(answer_key)
    assert answer_key["carbon_not_yet_delivered"] == periods[-1:] and periods[-1] not in delivered
    assert delivered[periods[0]]["model_versions"] == ["v2.0.0", "v3.0.0"] and delivered[periods[0]]["restatements"]


def test_emissions_equal_the_answer_key(build_db, answer_key):
    mart = _rows(build_db, "select * from marts.fct_carbon_emissions where carbon_status = 'delivered'")
    expected = {(period, *(row[k] for k in KEY)): row
                for period, entry in _delivered_periods(answer_key).items() for row in entry["rows"]}
    with_emissions = {(r["billing_period"], r["payer_account_id"], r["usage_account_id"], r["region"],
                       r["product_code"]): r for r in mart}
    for key, row in expected.items():
        got = with_emissions.pop(key)
        assert got["model_version"] == "v3.0.0", key
        for measure in MEASURES:
            assert got[f"{measure}_mtco2e"] == pytest.approx(row[measure], abs=1e-9), (key, measure)
    # what is left is spend the export reports no footprint for: 0, not a second version's value
    assert with_emissions and all(r["total_mbm_emissions_mtco2e"] == 0 and r["model_version"] is None
                                  for r in with_emissions.values())
    restated = {p for p, e in _delivered_periods(answer_key).items() if e["restatements"]}
    assert {r["billing_period"] for r in mart if r["is_restated"]} == restated


def test_restatement_changes_equal_the_answer_key(build_db, answer_key):
    mart = {(r["billing_period"], r["payer_account_id"], r["usage_account_id"], r["region"], r["product_code"]): r
            for r in _rows(build_db, "select * from marts.fct_carbon_restatements")}
    expected = {(period, *(row[k] for k in KEY)): row
                for period, entry in _delivered_periods(answer_key).items() for row in entry["restatements"]}
    assert set(mart) == set(expected) and expected
    for key, row in expected.items():
        got = mart[key]
        assert (got["previous_model_version"], got["model_version"]) == (row["previous_model_version"],
                                                                        row["model_version"])
        for measure in MEASURES:
            assert got[f"previous_{measure}_mtco2e"] == pytest.approx(row[f"previous_{measure}"], abs=1e-9)
            assert got[f"{measure}_mtco2e"] == pytest.approx(row[measure], abs=1e-9)
            assert got[f"{measure}_change_mtco2e"] == pytest.approx(row[f"{measure}_change"], abs=1e-6), key
    # v2.0.0 had no scope 3 and a higher energy estimate: the restatement adds scope 3, lowers scope 1
    # (rows of a few grams round to 0 in both)
    assert all(r["scope_3_lbm_emissions_change_mtco2e"] >= 0 >= r["scope_1_emissions_change_mtco2e"]
               for r in mart.values())
    assert sum(r["scope_3_lbm_emissions_change_mtco2e"] for r in mart.values()) > 0


def test_a_month_not_yet_delivered_is_marked_not_zero(build_db, answer_key):
    (lagging,) = answer_key["carbon_not_yet_delivered"]
    statuses = dict(build_db.execute("select carbon_status, count(*) from marts.fct_carbon_emissions "
                                     "where billing_period = ? group by 1", [lagging]).fetchall())
    assert set(statuses) == {"not_yet_delivered"} and statuses["not_yet_delivered"] > 0
    emissions, cost = build_db.execute(
        "select count(total_mbm_emissions_mtco2e) + count(scope_1_emissions_mtco2e), sum(effective_cost) "
        "from marts.fct_carbon_emissions where billing_period = ?", [lagging]).fetchone()
    assert emissions == 0 and cost > 0  # its spend is there, its footprint unknown


def test_carbon_per_dollar_joins_the_spend_of_the_same_month(build_db):
    rows = build_db.execute(
        """
        with carbon as (
            select billing_period, sum(total_mbm_emissions_mtco2e) as mbm, sum(effective_cost) as cost
            from marts.fct_carbon_emissions where carbon_status = 'delivered' group by 1
        ),
        spend as (
            select billing_period, sum(amortized_cost) as cost from marts.fct_spend_monthly group by 1
        )
        select carbon.billing_period, carbon.mbm, carbon.cost, spend.cost
        from carbon join spend using (billing_period)
        """
    ).fetchall()
    assert rows
    for _period, mbm, cost, spend in rows:
        assert round(cost, 2) == round(spend, 2)
        assert 0 < mbm / float(cost) < 0.001  # MTCO2e per dollar: tens of grams
    ec2 = build_db.execute(
        "select sum(total_mbm_emissions_mtco2e), sum(vcpu_hours), sum(storage_gb_month) "
        "from marts.fct_carbon_emissions where product_code = 'AmazonEC2' and carbon_status = 'delivered'"
    ).fetchone()
    assert ec2[1] > 0 and ec2[2] > 0
