"""`infralyzer budgets import` against AWS Budgets answers (botocore's Stubber: the responses are
validated against the service model, as AWS would shape them)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import boto3
import pytest
from botocore.stub import Stubber

from infralyzer.budgets_import import import_budgets
from infralyzer.settings import Settings

ACCOUNT = "111122223333"
SERVICE_CATEGORIES = Settings().project_dir / "seeds" / "aws_service_categories.csv"
NO_END = dt.datetime(2087, 6, 15, tzinfo=dt.timezone.utc)
COST_TYPES = {"IncludeTax": True, "IncludeSubscription": True, "UseBlended": False, "IncludeRefund": False,
              "IncludeCredit": False, "IncludeUpfront": True, "IncludeRecurring": True, "IncludeOtherSubscription": True,
              "IncludeSupport": True, "IncludeDiscount": True, "UseAmortized": False}


def budget(name: str, amount: str, *, filters: dict | None = None, time_unit: str = "MONTHLY",
           budget_type: str = "COST", amortized: bool = False, blended: bool = False,
           start: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), end: dt.datetime = NO_END) -> dict:
    """A budget as DescribeBudgets returns it."""
    return {
        "BudgetName": name,
        "BudgetLimit": {"Amount": amount, "Unit": "USD"},
        "CostFilters": filters or {},
        "CostTypes": {**COST_TYPES, "UseAmortized": amortized, "UseBlended": blended},
        "TimeUnit": time_unit,
        "TimePeriod": {"Start": start, "End": end},
        "CalculatedSpend": {"ActualSpend": {"Amount": "812.4", "Unit": "USD"},
                            "ForecastedSpend": {"Amount": "1190.0", "Unit": "USD"}},
        "BudgetType": budget_type,
        "LastUpdatedTime": dt.datetime(2026, 11, 3, 8, 15, tzinfo=dt.timezone.utc),
    }


FIRST_PAGE = [
    budget("Monthly org budget", "25000.0", amortized=True),
    budget("payments-prod", "4200.5", filters={"LinkedAccount": ["080184646050"]},
           start=dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc), end=dt.datetime(2026, 12, 31, tzinfo=dt.timezone.utc)),
    budget("EC2 annual", "120000.0", filters={"Service": ["Amazon Elastic Compute Cloud - Compute"]},
           time_unit="ANNUALLY", amortized=True),
]
SECOND_PAGE = [
    budget("Team payments", "3000.0", filters={"TagKeyValue": ["user:team$payments"]}),
    budget("Daily guard", "100.0", time_unit="DAILY"),
    budget("RI utilisation", "80.0", budget_type="RI_UTILIZATION"),
    budget("Two accounts", "900.0", filters={"LinkedAccount": ["080184646050", "636167725090"]}),
    budget("Blended", "900.0", blended=True),
]


@pytest.fixture
def stubbed_budgets():
    client = boto3.client("budgets", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        stubber.add_response("describe_budgets", {"Budgets": FIRST_PAGE, "NextToken": "page-2"},
                             {"AccountId": ACCOUNT})
        stubber.add_response("describe_budgets", {"Budgets": SECOND_PAGE}, {"AccountId": ACCOUNT, "NextToken": "page-2"})
        yield client
        stubber.assert_no_pending_responses()


def test_import_writes_the_budgets_that_map_and_names_the_others(stubbed_budgets, tmp_path):
    seed = tmp_path / "budgets.csv"
    rows, skipped = import_budgets(stubbed_budgets, ACCOUNT, seed, SERVICE_CATEGORIES)
    written = list(csv.DictReader(io.StringIO(seed.read_text())))
    assert written == [{key: str(value) for key, value in row.items()} for row in rows]
    assert [(r["budget_id"], r["budget_scope"], r["scope_key"], r["time_unit"], r["start_period"], r["end_period"],
             r["amount"], r["cost_basis"]) for r in written] == [
        ("EC2 annual", "service", "AmazonEC2", "annual", "2026-01", "", "120000.00", "amortized"),
        ("Monthly org budget", "total", "", "monthly", "2026-01", "", "25000.00", "amortized"),
        ("Team payments", "team", "payments", "monthly", "2026-01", "", "3000.00", "unblended"),
        ("payments-prod", "account", "080184646050", "monthly", "2026-03", "2026-12", "4200.50", "unblended"),
    ]
    assert {s.budget_name: s.reason for s in skipped} == {
        "Daily guard": "time unit DAILY (monthly and annual only)",
        "RI utilisation": "a RI_UTILIZATION budget, not a cost budget",
        "Two accounts": "several cost filters or values (LinkedAccount)",
        "Blended": "blended cost (no mart carries it)",
    }
    assert seed.read_text().splitlines()[0] == (
        "budget_id,budget_name,budget_scope,scope_key,time_unit,start_period,end_period,amount,cost_basis")


def test_a_dry_run_writes_nothing(stubbed_budgets, tmp_path):
    seed = tmp_path / "budgets.csv"
    rows, _ = import_budgets(stubbed_budgets, ACCOUNT, seed, SERVICE_CATEGORIES, dry_run=True)
    assert len(rows) == 4 and not seed.exists()
