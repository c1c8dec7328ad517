"""End to end: the realised-savings ledger (fct_realised_savings) on the shared sample, against the
answer key of the recommendations the generator carried out (generate/implemented_recommendations.py),
to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@pytest.fixture(scope="module")
def ledger(build_db) -> dict[tuple[str, str], dict]:
    cursor = build_db.execute("select * from marts.fct_realised_savings where resource_id is not null")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(r["account_id"], r["action_id"]): r for r in rows}


def test_the_ledger_equals_the_answer_key_for_the_implemented_recommendations(ledger, answer_key):
    entries = answer_key["implemented_recommendations"]
    assert {e["expected_status"] for e in entries} == {"implemented", "too_recent", "disappeared_without_cost_change"}
    for e in entries:
        row = ledger[(e["account_id"], e["recommendation_id"])]
        assert row["resource_id"] == e["resource_id"]
        assert row["last_seen_period"] == e["last_seen_period"]
        assert row["realisation_status"] == e["expected_status"], e
        assert cents(row["estimated_monthly_savings"]) == cents(e["estimated_monthly_savings"])
        if e["expected_status"] == "disappeared_without_cost_change":
            assert row["verified_monthly_savings"] == 0
            assert cents(row["savings_gap"]) == -cents(e["estimated_monthly_savings"])
            continue
        # the change day the ledger reads from the CUR is the day the generator stopped the instance
        assert row["change_date"] == date.fromisoformat(e["change_date"])
        assert cents(row["cost_before_window"]) == cents(e["cost_before"])
        assert cents(row["cost_after_window"]) == cents(e["cost_after"])
        if e["expected_status"] == "implemented":
            assert cents(row["verified_monthly_savings"]) == cents(e["verified_monthly_savings"]) > 0
            assert cents(row["savings_gap"]) == cents(e["savings_gap"])
        else:
            assert row["verified_monthly_savings"] is None


def test_commitment_purchases_are_left_to_the_commitment_savings(build_db):
    statuses = dict(build_db.execute(
        "select saving_type, list(distinct realisation_status) from marts.fct_realised_savings group by saving_type"
    ).fetchall())
    assert statuses["Rate Optimization"] == ["commitment_purchase"]
    assert "commitment_purchase" not in statuses["Usage Optimization"]
    verified = build_db.execute(
        "select count(*) from marts.fct_realised_savings where saving_type = 'Rate Optimization' "
        "and verified_monthly_savings is not null").fetchone()[0]
    assert verified == 0
