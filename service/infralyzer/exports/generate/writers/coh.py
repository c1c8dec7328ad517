"""Synthetic Cost Optimization Hub export (`COST_OPTIMIZATION_RECOMMENDATIONS`, folder `coh`).

One delivery per billing period: a snapshot of the recommendations that are current at the end of
the period, as the export writes them with `INCLUDE_ALL_RECOMMENDATIONS = TRUE` (overlapping and
alternative recommendations for the same resource are all present, so a naive sum double-counts).

Recommendations are made only for resources of the organisation's resource catalogue for the
period (`org.resource_catalogue(period)`):

* `Ec2Instance` (not Spot): Rightsize (one size down), MigrateToGraviton (m/c/r/t families, same
  size or one size down), Upgrade (previous-generation m/c/r/t, and m5/c5 to the `-flex` types) and
  Stop (idle) - several of them for the same instance;
* `EbsVolume`: Delete (unattached; `"attachmentState": "Unattached"` in the details) and, for gp2,
  Upgrade to gp3 - both for the same volume when it is an unattached gp2;
* `LambdaFunction`: Rightsize (memory); `RdsDbInstance`: Rightsize and MigrateToGraviton;
  `EcsService`: Rightsize (task size); `Ec2AutoScalingGroup`: Rightsize;
* rate optimisation, sized from the On-Demand spend of the catalogue: PurchaseSavingsPlans
  (`ComputeSavingsPlans` at payer level and for each linked account with enough On-Demand compute
  spend, plus one `Ec2InstanceSavingsPlans` for the largest instance family) and
  PurchaseReservedInstances (`Ec2ReservedInstances`, `RdsReservedInstances`, linked level for each
  account and instance type, and payer level when the type runs in several accounts).

Money: `estimated_monthly_cost_before_discount` is the resource's `public_on_demand_cost` and
`..._after_discount` its `unblended_cost`, both normalised to a 730-hour month; savings are a
fraction of them (the fraction is the same before and after discount). RI/SP rows: cost = the
eligible On-Demand usage, savings = covered share x the commitment discount.

RI and SP rows have an empty `resource_arn` (Compute Optimizer gives none), so CID's "SuperARN"
(CORA dashboard, docs/cost_rules.md) applies. The de-duplicated savings of the answer key use
that rule, per delivery (one payer, one snapshot):

* `resource_arn <> ''`                                    -> the ARN;
* `current_resource_type` contains `ReservedInstances`    -> `<svc>:<region>:<product>:<type>`
  with svc `EC2`/`RDS`, and product / type parsed from `recommended_resource_summary`
  `"<qty> <type> <product...> in AWS account <id> (<Payer|Linked>), <term> term, <payment>"`
  (instance type = 2nd word, product = the words after it up to `" in "`); no account in the key,
  so linked- and payer-level RIs of the same type collapse;
* `ComputeSavingsPlans` / `Ec2InstanceSavingsPlans`        -> `Compute` (one key for all SPs).

Top action = max(`estimated_monthly_savings_after_discount`) per SuperARN;
`deduplicated_monthly_savings_after_discount` = the sum of those maxima and
`resources_with_recommendations` = the number of SuperARN keys.

SP summaries look like `"$1.234/hour with one year term, NoUpfront, Payer account"` (EC2 Instance
SP: `"$0.456/hour for m5 in us-east-1 with ..."`) so CID's parsing of commitment, term, payment and
Payer/Linked level works. Tags are the resource's user tags (a `user_` prefix is dropped); a few
resources carry a FinOps exception tag (`finopsexception`, `FinopsException`, `finops-exception`).

Determinism: which resource gets which recommendation depends on (seed, resource id) only, so
recommendations persist from month to month; amounts depend on (seed, period); `revision > 0`
(a re-delivery) drops a few recommendations, moves savings by a few percent and refreshes later.
Recommendation ids are stable across revisions.
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa

from infralyzer.exports.generate.writers.coh_rates import RateRecommendations
from infralyzer.exports.generate.writers.coh_resources import (
    HOURS_PER_MONTH,
    catalogue_resources,
    recommendation_id,
    rng_of,
    seed_of,
)
from infralyzer.exports.generate.writers.coh_usage import UsageRecommendations
from infralyzer.exports.layout import open_delivery
from infralyzer.exports.schemas import COH_SCHEMA

EXPORT = "coh"

USAGE_ACTIONS = ("Rightsize", "Stop", "MigrateToGraviton", "Upgrade", "Delete")
RATE_ACTIONS = ("PurchaseSavingsPlans", "PurchaseReservedInstances")
EXCEPTION_TAG_KEYS = ("finopsexception", "FinopsException", "finops-exception")
EXCEPTION_TAG_VALUES = ("approved-exception", "business-critical", "migration-planned")

# --------------------------------------------------------------------------------------------
# rows


class RecommendationBuilder(UsageRecommendations, RateRecommendations):
    """The rows of one delivery and their de-duplication keys, added one recommendation at a time."""

    def __init__(self, seed: int, period: str, revision: int, payer: str) -> None:
        self.seed, self.period, self.revision, self.payer = seed, period, revision, payer
        year, month = (int(x) for x in period.split("-"))
        self.start = datetime(year, month, 1, tzinfo=UTC)
        days = monthrange(year, month)[1]
        self.month_scale = HOURS_PER_MONTH / (days * 24.0)
        # the snapshot is taken near the end of the period; re-deliveries refresh later
        self.refresh_base = self.start + timedelta(days=days - 3 + min(revision, 2), hours=5)
        pref = rng_of(seed, "coh-commitment-preference")
        self.term = "three years" if pref.random() < 0.3 else "one year"
        self.payment = pref.choices(("NoUpfront", "PartialUpfront", "AllUpfront"), (0.6, 0.25, 0.15))[0]
        self.rows: list[dict] = []
        self.keys: list[str] = []
        self._ids: set[str] = set()

    # money ---------------------------------------------------------------------------------
    def monthly(self, res: dict) -> tuple[float, float]:
        before = res["public_on_demand_cost"] or res["unblended_cost"]
        return before * self.month_scale, res["unblended_cost"] * self.month_scale

    @staticmethod
    def _cost_calc(res: dict | None, before: float, after: float) -> dict:
        discount = max(before - after, 0.0)
        option = (res or {}).get("purchase_option")
        return {
            "usages": (
                [{"usageType": res["usage_type"], "productCode": res["product_code"]}] if res else []
            ),
            "pricing": {
                "estimatedCostBeforeDiscounts": round(before, 4),
                "estimatedCostAfterDiscounts": round(after, 4),
                "estimatedDiscounts": {
                    "reservedInstancesDiscount": round(discount if option == "Reserved" else 0.0, 4),
                    "savingsPlansDiscount": round(discount if option == "SavingsPlan" else 0.0, 4),
                    "otherDiscount": round(discount if option not in ("Reserved", "SavingsPlan") else 0.0, 4),
                },
            },
        }

    def add(
        self,
        *,
        key: str,
        account_id: str,
        region: str,
        resource_arn: str,
        action_type: str,
        current_type: str,
        recommended_type: str,
        current_summary: str,
        recommended_summary: str,
        current_details: dict,
        recommended_details: dict,
        cost_before: float,
        cost_after: float,
        savings_before: float,
        savings_after: float,
        effort: str,
        restart: bool,
        rollback: bool,
        source: str,
        lookback: int,
        tags: dict[str, str],
        id_parts: tuple,
    ) -> None:
        rec_id = recommendation_id(account_id, self.seed, *id_parts)
        while rec_id in self._ids:  # never happens with distinct id_parts; keeps ids unique anyway
            rec_id = recommendation_id(account_id, self.seed, rec_id, *id_parts)
        if self.revision > 0:
            rr = rng_of(self.seed, self.period, self.revision, rec_id)
            if rr.random() < 0.04:  # no longer current at the re-delivery
                return
            factor = 1.0 + rr.uniform(-0.03, 0.03)
            savings_before = min(savings_before * factor, cost_before)
            savings_after = min(savings_after * factor, cost_after)
        jitter = seed_of(self.seed, self.period, self.revision, "refresh", rec_id)
        refreshed = self.refresh_base + timedelta(minutes=jitter % 181, seconds=(jitter >> 16) % 60)
        cb, ca = round(cost_before, 4), round(cost_after, 4)
        sb, sa = round(savings_before, 4), round(savings_after, 4)
        self._ids.add(rec_id)
        self.rows.append(
            {
                "account_id": account_id,
                "action_type": action_type,
                "currency_code": "USD",
                "current_resource_details": json.dumps(current_details, sort_keys=True),
                "current_resource_summary": current_summary,
                "current_resource_type": current_type,
                "estimated_monthly_cost_after_discount": ca,
                "estimated_monthly_cost_before_discount": cb,
                "estimated_monthly_savings_after_discount": sa,
                "estimated_monthly_savings_before_discount": sb,
                "estimated_savings_percentage_after_discount": round(100.0 * sa / ca, 2) if ca > 0 else 0.0,
                "estimated_savings_percentage_before_discount": round(100.0 * sb / cb, 2) if cb > 0 else 0.0,
                "implementation_effort": effort,
                "last_refresh_timestamp": refreshed.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "recommendation_id": rec_id,
                "recommendation_lookback_period_in_days": lookback,
                "recommendation_source": source,
                "recommended_resource_details": json.dumps(recommended_details, sort_keys=True),
                "recommended_resource_summary": recommended_summary,
                "recommended_resource_type": recommended_type,
                "region": region,
                "resource_arn": resource_arn,
                "restart_needed": restart,
                "rollback_possible": rollback,
                "tags": tags,
            }
        )
        self.keys.append(key)


def exception_resources(seed: int, resources: list[dict]) -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    for res in resources:
        r = rng_of(seed, "coh-exception", res["account_id"], res["resource_id"])
        if r.random() < 0.06:
            out[(res["account_id"], res["resource_id"])] = (r.choice(EXCEPTION_TAG_KEYS), r.choice(EXCEPTION_TAG_VALUES))
    return out


def build_recommendations(org, period: str, catalogue: pl.DataFrame, *, seed: int = 42,
                          revision: int = 0) -> tuple[list[dict], list[str]]:
    """The rows of the delivery (dicts in COH_SCHEMA order) and their de-duplication keys."""
    resources = catalogue_resources(catalogue)
    b = RecommendationBuilder(seed, period, revision, str(org.payer_account_id))
    exceptions = exception_resources(seed, resources)
    plan = org.implementation_plan  # recommendations carried out are no longer recommended (implemented_recommendations.py)
    for res in resources:
        if plan is not None and plan.withdrawn(res["account_id"], res["resource_id"], b.refresh_base):
            continue
        tags = dict(res["tags"])
        exc = exceptions.get((res["account_id"], res["resource_id"]))
        if exc:
            tags[exc[0]] = exc[1]
        b.resource(res, tags)
    # guarantee that the exception tag occurs when there is enough to tag
    tagged = any(any(k in EXCEPTION_TAG_KEYS for k in row["tags"]) for row in b.rows)
    arns = sorted({row["resource_arn"] for row in b.rows if row["resource_arn"]})
    if not tagged and len(arns) >= 10:
        chosen = arns[seed_of(seed, period, "coh-exception-fallback") % len(arns)]
        key = EXCEPTION_TAG_KEYS[seed_of(seed, "coh-exception-key") % len(EXCEPTION_TAG_KEYS)]
        for row in b.rows:
            if row["resource_arn"] == chosen:
                row["tags"] = {**row["tags"], key: EXCEPTION_TAG_VALUES[0]}
    b.savings_plans(resources)
    b.reserved_instances(resources)
    return b.rows, b.keys


def answer_key(rows: list[dict], keys: list[str]) -> dict:
    total = 0.0
    top: dict[str, float] = {}
    by_action: dict[str, float] = defaultdict(float)
    for row, key in zip(rows, keys, strict=True):
        s = row["estimated_monthly_savings_after_discount"]
        total += s
        by_action[row["action_type"]] += s
        top[key] = max(top.get(key, float("-inf")), s)
    return {
        "recommendation_count": len(rows),
        "resources_with_recommendations": len(top),
        "total_monthly_savings_after_discount": round(total, 4),
        "deduplicated_monthly_savings_after_discount": round(sum(top.values()), 4),
        "by_action_type": {k: round(v, 4) for k, v in sorted(by_action.items())},
    }


def to_table(rows: list[dict]) -> pa.Table:
    columns = {}
    for f in COH_SCHEMA:
        values = [row[f.name] for row in rows]
        if f.name == "tags":
            values = [list(v.items()) for v in values]
        columns[f.name] = pa.array(values, type=f.type)
    return pa.table(columns, schema=COH_SCHEMA)


def write_period(
    exports_dir: Path,
    org,
    period: str,
    catalogue: pl.DataFrame,
    *,
    seed: int = 42,
    revision: int = 0,
    created_at: datetime | None = None,
) -> dict:
    """Write the COH delivery of `period`; return its answer-key fragment."""
    rows, keys = build_recommendations(org, period, catalogue, seed=seed, revision=revision)
    with open_delivery(exports_dir, EXPORT, period, str(org.payer_account_id), created_at=created_at) as d:
        d.write(to_table(rows))
    return answer_key(rows, keys)
