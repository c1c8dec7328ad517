"""`infralyzer budgets import`: the budgets of AWS Budgets written as the dbt seed `seeds/budgets.csv`
(described in seeds/_budgets__seeds.yml), so fct_budget_status tracks the budgets the team already
keeps in AWS.

AWS Budgets' model is wider than the seed's. What maps, and what is left out with a warning:
* cost budgets (`BudgetType` COST) with a MONTHLY or ANNUALLY time unit; usage, RI and Savings Plan
  budgets and daily or quarterly ones are left out;
* the scope from `CostFilters`: none is the organisation; one `LinkedAccount` an account; one
  `Service` a service (AWS names it, e.g. "Amazon Elastic Compute Cloud - Compute": matched to
  the product code through the seed aws_service_categories); one `TagKeyValue` of a team tag key
  (`user:team$payments`) a team. Several filters or values cannot be one seed row;
* the cost basis from `CostTypes`: `UseAmortized` is 'amortized', otherwise 'unblended' (blended
  cost budgets are left out: no mart carries blended cost);
* the fixed `BudgetLimit` (auto-adjusting and planned limits: their current limit);
* the period from `TimePeriod` (AWS's "no end", 2087-06-15, becomes open-ended).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SEED_COLUMNS = ["budget_id", "budget_name", "budget_scope", "scope_key", "time_unit", "start_period",
                "end_period", "amount", "cost_basis"]
TIME_UNITS = {"MONTHLY": "monthly", "ANNUALLY": "annual"}
OPEN_ENDED_YEAR = 2087  # AWS Budgets' default end date (2087-06-15) means "no end"
TEAM_TAG_KEYS = ("user:team", "team")


@dataclass(frozen=True)
class Skipped:
    budget_name: str
    reason: str


def fetch_budgets(client: Any, account_id: str) -> list[dict]:
    """Every budget of the account (the payer, for the organisation's), through the paginator."""
    budgets: list[dict] = []
    for page in client.get_paginator("describe_budgets").paginate(AccountId=account_id):
        budgets += page.get("Budgets", [])
    return budgets


def service_codes(service_categories_csv: Path) -> dict[str, str]:
    """AWS service names -> product codes, from the seed aws_service_categories."""
    with open(service_categories_csv, newline="") as handle:
        return {row["service_name"]: row["product_code"] for row in csv.DictReader(handle) if row["service_name"]}


def _service_code(name: str, codes: dict[str, str]) -> str | None:
    if name in codes.values():
        return name
    if name in codes:
        return codes[name]
    # AWS Budgets adds a part to some names ("Amazon Elastic Compute Cloud - Compute")
    matches = [code for service, code in codes.items() if name.startswith(service + " - ")]
    return matches[0] if len(matches) == 1 else None


def _scope(filters: dict[str, list[str]], codes: dict[str, str]) -> tuple[str, str] | str:
    """(budget_scope, scope_key), or why the filters cannot be one seed row."""
    if not filters:
        return "total", ""
    if len(filters) > 1 or any(len(values) != 1 for values in filters.values()):
        return f"several cost filters or values ({', '.join(sorted(filters))})"
    (name, (value,)), = filters.items()
    if name == "LinkedAccount":
        return "account", value
    if name == "Service":
        code = _service_code(value, codes)
        return ("service", code) if code else f"service {value!r} is not in aws_service_categories"
    if name == "TagKeyValue":
        key, _, tag_value = value.partition("$")
        if key.lower() in TEAM_TAG_KEYS and tag_value:
            return "team", tag_value
        return f"tag filter {value!r} is not a team tag"
    return f"cost filter {name} has no seed scope"


def _period(timestamp: Any) -> str:
    return f"{timestamp.year:04d}-{timestamp.month:02d}"


def to_seed_rows(budgets: Iterable[dict], codes: dict[str, str]) -> tuple[list[dict], list[Skipped]]:
    """The seed rows of the budgets that map, and the others with the reason."""
    rows: list[dict] = []
    skipped: list[Skipped] = []
    for budget in budgets:
        name = budget["BudgetName"]
        cost_types = budget.get("CostTypes") or {}
        if budget.get("BudgetType") != "COST":
            skipped.append(Skipped(name, f"a {budget.get('BudgetType')} budget, not a cost budget"))
            continue
        if budget.get("TimeUnit") not in TIME_UNITS:
            skipped.append(Skipped(name, f"time unit {budget.get('TimeUnit')} (monthly and annual only)"))
            continue
        if cost_types.get("UseBlended"):
            skipped.append(Skipped(name, "blended cost (no mart carries it)"))
            continue
        limit = budget.get("BudgetLimit") or {}
        if limit.get("Unit", "USD") != "USD" or "Amount" not in limit:
            skipped.append(Skipped(name, f"limit {limit} is not an amount in USD"))
            continue
        scope = _scope(budget.get("CostFilters") or {}, codes)
        if isinstance(scope, str):
            skipped.append(Skipped(name, scope))
            continue
        period = budget.get("TimePeriod") or {}
        end = period.get("End")
        rows.append({
            "budget_id": name,
            "budget_name": name,
            "budget_scope": scope[0],
            "scope_key": scope[1],
            "time_unit": TIME_UNITS[budget["TimeUnit"]],
            "start_period": _period(period["Start"]),
            "end_period": "" if end is None or end.year >= OPEN_ENDED_YEAR else _period(end),
            "amount": f"{float(limit['Amount']):.2f}",
            "cost_basis": "amortized" if cost_types.get("UseAmortized") else "unblended",
        })
    return sorted(rows, key=lambda row: row["budget_id"]), skipped


def seed_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_budgets(client: Any, account_id: str, seed_file: Path, service_categories_csv: Path,
                   dry_run: bool = False) -> tuple[list[dict], list[Skipped]]:
    """Write the account's budgets to `seed_file` (unless `dry_run`); return the rows and what was left out."""
    rows, skipped = to_seed_rows(fetch_budgets(client, account_id), service_codes(service_categories_csv))
    for item in skipped:
        log.warning("budget %r left out: %s", item.budget_name, item.reason)
    if not dry_run:
        seed_file.write_text(seed_csv(rows))
    return rows, skipped
