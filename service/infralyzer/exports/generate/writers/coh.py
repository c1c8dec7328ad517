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
(CORA dashboard, cost_logic.md section 6) applies. The de-duplicated savings of the answer key use
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

import base64
import hashlib
import json
import random
import re
import uuid
from calendar import monthrange
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from infralyzer.exports.layout import open_delivery
from infralyzer.exports.schemas import COH_SCHEMA

EXPORT = "coh"
HOURS_PER_MONTH = 730.0

USAGE_ACTIONS = ("Rightsize", "Stop", "MigrateToGraviton", "Upgrade", "Delete")
RATE_ACTIONS = ("PurchaseSavingsPlans", "PurchaseReservedInstances")
EXCEPTION_TAG_KEYS = ("finopsexception", "FinopsException", "finops-exception")
EXCEPTION_TAG_VALUES = ("approved-exception", "business-critical", "migration-planned")

# --------------------------------------------------------------------------------------------
# deterministic randomness


def _seed(*parts: Any) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _rng(*parts: Any) -> random.Random:
    return random.Random(_seed(*parts))


def _uuid(*parts: Any) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()[:16]))


def _recommendation_id(account_id: str, *parts: Any) -> str:
    # COH ids look like base64("<account>_<uuid>")
    raw = f"{account_id}_{_uuid(*parts)}"
    return base64.b64encode(raw.encode()).decode()


# --------------------------------------------------------------------------------------------
# instance types

_SIZE_UNITS = {"nano": 0.25, "micro": 0.5, "small": 1.0, "medium": 2.0, "large": 4.0, "xlarge": 8.0}
_DOWN = {
    "xlarge": "large",
    "2xlarge": "xlarge",
    "4xlarge": "2xlarge",
    "8xlarge": "4xlarge",
    "12xlarge": "8xlarge",
    "16xlarge": "8xlarge",
    "24xlarge": "12xlarge",
    "32xlarge": "16xlarge",
    "48xlarge": "24xlarge",
}
_DOWN_SMALL = {"large": "medium", "medium": "small", "small": "micro", "micro": "nano"}
_TYPE_RE = re.compile(r"^(?P<db>db\.)?(?P<cls>[a-z]+?)(?P<gen>\d+)(?P<attrs>[a-z\-]*)\.(?P<size>[a-z0-9]+)$")


def _units(size: str) -> float | None:
    if size in _SIZE_UNITS:
        return _SIZE_UNITS[size]
    m = re.fullmatch(r"(\d+)xlarge", size)
    return 8.0 * int(m.group(1)) if m else None


def _parse_type(instance_type: str | None) -> dict | None:
    m = _TYPE_RE.match(instance_type or "")
    if not m or _units(m.group("size")) is None:
        return None
    d = m.groupdict()
    d["gen"] = int(d["gen"])
    d["db"] = d["db"] or ""
    d["family"] = f"{d['cls']}{d['gen']}{d['attrs']}"
    return d


def _smaller(t: dict, graviton_family: bool = False) -> str | None:
    size = t["size"]
    if size in _DOWN:
        return _DOWN[size]
    # burstable and Graviton families go below `large`; RDS keeps at least `large` (bar t classes)
    if size in _DOWN_SMALL and (t["cls"] == "t" or (graviton_family and not t["db"])):
        if t["db"] and _DOWN_SMALL[size] in ("nano",):
            return None
        return _DOWN_SMALL[size]
    return None


def _graviton_family(t: dict, r: random.Random) -> str | None:
    if "g" in t["attrs"] or t["cls"] not in ("m", "c", "r", "t"):
        return None
    if t["cls"] == "t":
        return "t4g"
    gen = r.choice((6, 7))
    extra = "d" if "d" in t["attrs"] and not t["db"] else ""
    return f"{t['cls']}{gen}g{extra}"


def _upgrade_family(t: dict) -> tuple[str, float] | None:
    """Newer generation for an older Intel family, with its price ratio."""
    cls, gen, attrs = t["cls"], t["gen"], t["attrs"]
    if cls == "t" and gen == 2:
        return "t3", 0.90
    if cls in ("m", "c", "r") and gen <= 4:
        return f"{cls}6i", 0.88
    if cls in ("m", "c") and gen == 5 and attrs in ("", "n", "d"):
        return f"{cls}7i-flex", 0.95
    return None


# --------------------------------------------------------------------------------------------
# catalogue


def _normalise_tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return {}
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    if isinstance(value, list):  # [{key, value}] (an Arrow map seen through polars)
        value = {kv.get("key"): kv.get("value") for kv in value if isinstance(kv, dict)}
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for k, v in value.items():
        if k is None or v is None or v == "":
            continue
        key = str(k)
        if key.startswith("user_"):
            key = key[5:]
        out[key] = str(v)
    return dict(sorted(out.items()))


_CATALOGUE_DEFAULTS = {
    "resource_type": pl.String,
    "instance_type": pl.String,
    "usage_type": pl.String,
    "processor": pl.String,
    "operating_system": pl.String,
    "purchase_option": pl.String,
    "public_on_demand_cost": pl.Float64,
    "unblended_cost": pl.Float64,
    "tags": pl.String,
}


def _resources(catalogue: pl.DataFrame | None) -> list[dict]:
    """Catalogue rows as dicts, sorted, one per (account, resource id)."""
    if catalogue is None or catalogue.height == 0:
        return []
    df = catalogue
    for col, dtype in _CATALOGUE_DEFAULTS.items():
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(col))
    df = df.filter(
        pl.col("resource_id").is_not_null()
        & (pl.col("resource_id") != "")
        & pl.col("resource_type").is_not_null()
    ).sort(["account_id", "resource_id", "product_code", "usage_type"], nulls_last=True)
    merged: dict[tuple[str, str], dict] = {}
    for row in df.iter_rows(named=True):
        key = (str(row["account_id"]), str(row["resource_id"]))
        pub = float(row["public_on_demand_cost"] or 0.0)
        unb = float(row["unblended_cost"] or 0.0)
        if key in merged:
            merged[key]["public_on_demand_cost"] += pub
            merged[key]["unblended_cost"] += unb
            continue
        merged[key] = {
            "resource_id": str(row["resource_id"]),
            "account_id": str(row["account_id"]),
            "region": str(row["region"] or ""),
            "product_code": row["product_code"],
            "resource_type": row["resource_type"],
            "instance_type": row["instance_type"],
            "usage_type": row["usage_type"] or "",
            "processor": row["processor"],
            "operating_system": row["operating_system"],
            "purchase_option": row["purchase_option"] or "OnDemand",
            "public_on_demand_cost": pub,
            "unblended_cost": unb,
            "tags": _normalise_tags(row["tags"]),
        }
    return list(merged.values())


def _arn(res: dict) -> str:
    rid, region, acct = res["resource_id"], res["region"], res["account_id"]
    if rid.startswith("arn:"):
        return rid
    rtype = res["resource_type"]
    if rtype == "Ec2Instance":
        return f"arn:aws:ec2:{region}:{acct}:instance/{rid}"
    if rtype == "EbsVolume":
        return f"arn:aws:ec2:{region}:{acct}:volume/{rid}"
    if rtype == "LambdaFunction":
        return f"arn:aws:lambda:{region}:{acct}:function:{rid}"
    if rtype == "RdsDbInstance":
        return f"arn:aws:rds:{region}:{acct}:db:{rid}"
    if rtype == "EcsService":
        return f"arn:aws:ecs:{region}:{acct}:service/{rid}"
    if rtype == "Ec2AutoScalingGroup":
        return (
            f"arn:aws:autoscaling:{region}:{acct}:autoScalingGroup:{_uuid('asg', acct, rid)}:"
            f"autoScalingGroupName/{rid}"
        )
    return f"arn:aws:{(res['product_code'] or 'aws').lower()}:{region}:{acct}:{rid}"


# --------------------------------------------------------------------------------------------
# rows


class _Builder:
    def __init__(self, seed: int, period: str, revision: int, payer: str) -> None:
        self.seed, self.period, self.revision, self.payer = seed, period, revision, payer
        year, month = (int(x) for x in period.split("-"))
        self.start = datetime(year, month, 1, tzinfo=UTC)
        days = monthrange(year, month)[1]
        self.month_scale = HOURS_PER_MONTH / (days * 24.0)
        # the snapshot is taken near the end of the period; re-deliveries refresh later
        self.refresh_base = self.start + timedelta(days=days - 3 + min(revision, 2), hours=5)
        pref = _rng(seed, "coh-commitment-preference")
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
        rec_id = _recommendation_id(account_id, self.seed, *id_parts)
        while rec_id in self._ids:  # never happens with distinct id_parts; keeps ids unique anyway
            rec_id = _recommendation_id(account_id, self.seed, rec_id, *id_parts)
        if self.revision > 0:
            rr = _rng(self.seed, self.period, self.revision, rec_id)
            if rr.random() < 0.04:  # no longer current at the re-delivery
                return
            factor = 1.0 + rr.uniform(-0.03, 0.03)
            savings_before = min(savings_before * factor, cost_before)
            savings_after = min(savings_after * factor, cost_after)
        jitter = _seed(self.seed, self.period, self.revision, "refresh", rec_id)
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

    # usage optimisation --------------------------------------------------------------------
    def resource(self, res: dict, tags: dict[str, str]) -> None:
        rtype = res["resource_type"]
        handler = {
            "Ec2Instance": self._ec2,
            "EbsVolume": self._ebs,
            "LambdaFunction": self._lambda,
            "RdsDbInstance": self._rds,
            "EcsService": self._ecs,
            "Ec2AutoScalingGroup": self._asg,
        }.get(rtype)
        if handler is None:
            return
        before, after = self.monthly(res)
        if before <= 0:
            return
        # which recommendations a resource gets is persistent (seed, resource); amounts vary by period
        pick = _rng(self.seed, "coh-pick", res["account_id"], res["resource_id"])
        amount = _rng(self.seed, self.period, "coh-amount", res["account_id"], res["resource_id"])
        handler(res, tags, before, after, pick, amount)

    def _usage(
        self,
        res: dict,
        tags: dict,
        before: float,
        after: float,
        *,
        action: str,
        fraction: float,
        cur_summary: str,
        rec_summary: str,
        cur_details: dict,
        rec_details: dict,
        effort: str,
        restart: bool,
        rollback: bool,
        lookback: int,
        rec_type: str | None = None,
    ) -> None:
        fraction = max(0.0, min(fraction, 1.0))
        arn = _arn(res)
        root = next(iter(cur_details))
        cur = {root: {**cur_details[root], "costCalculation": self._cost_calc(res, before, after)}}
        rec_before, rec_after = before * (1 - fraction), after * (1 - fraction)
        rec = {root: {**rec_details[root], "costCalculation": self._cost_calc(res, rec_before, rec_after)}}
        self.add(
            key=arn,
            account_id=res["account_id"],
            region=res["region"],
            resource_arn=arn,
            action_type=action,
            current_type=res["resource_type"],
            recommended_type=rec_type or res["resource_type"],
            current_summary=cur_summary,
            recommended_summary=rec_summary,
            current_details=cur,
            recommended_details=rec,
            cost_before=before,
            cost_after=after,
            savings_before=before * fraction,
            savings_after=after * fraction,
            effort=effort,
            restart=restart,
            rollback=rollback,
            source="ComputeOptimizer",
            lookback=lookback,
            tags=tags,
            id_parts=(arn, action, rec_summary),
        )

    def _ec2(self, res, tags, before, after, pick, amount) -> None:
        if res["purchase_option"] == "Spot":
            return
        t = _parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.65:
            return
        lookback = pick.choice((14, 14, 32, 93))
        itype = res["instance_type"]
        details = lambda it: {"ec2Instance": {"configuration": {"instance": {"type": it}}}}  # noqa: E731
        chosen = []
        smaller = _smaller(t)
        grav = _graviton_family(t, pick) if res["processor"] != "Graviton" else None
        upgrade = _upgrade_family(t)
        if smaller and pick.random() < 0.7:
            chosen.append("Rightsize")
        if grav and pick.random() < 0.55:
            chosen.append("MigrateToGraviton")
        if upgrade and pick.random() < 0.5:
            chosen.append("Upgrade")
        if pick.random() < 0.12:
            chosen.append("Stop")
        if not chosen:
            chosen.append("Rightsize" if smaller else "MigrateToGraviton" if grav else "Stop")
        cur_units = _units(t["size"])
        for action in chosen:
            if action == "Rightsize":
                target = f"{t['family']}.{smaller}"
                fraction = (1 - _units(smaller) / cur_units) * amount.uniform(0.92, 1.0)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort="Medium", restart=True,
                            rollback=True, lookback=lookback)
            elif action == "MigrateToGraviton":
                size = t["size"]
                if pick.random() < 0.4:
                    size = _smaller({**t, "attrs": "g"}, graviton_family=True) or size
                target = f"{grav}.{size}"
                ratio = (_units(size) / cur_units) * (0.80 if res["processor"] != "AMD" else 0.88)
                fraction = (1 - ratio) * amount.uniform(0.95, 1.0)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort=pick.choice(("High", "VeryHigh")),
                            restart=True, rollback=True, lookback=lookback)
            elif action == "Upgrade":
                family, ratio = upgrade
                target = f"{family}.{t['size']}"
                fraction = (1 - ratio) * amount.uniform(0.9, 1.1)
                self._usage(res, tags, before, after, action=action, fraction=fraction,
                            cur_summary=itype, rec_summary=target, cur_details=details(itype),
                            rec_details=details(target), effort="Medium", restart=True,
                            rollback=True, lookback=lookback)
            else:  # Stop: idle instance
                self._usage(res, tags, before, after, action="Stop", fraction=1.0,
                            cur_summary=itype, rec_summary="Stopped", cur_details=details(itype),
                            rec_details=details(itype), effort=pick.choice(("VeryLow", "Low")),
                            restart=True, rollback=True, lookback=lookback)

    _EBS_PRICE = {"gp2": 0.10, "gp3": 0.08, "io1": 0.125, "io2": 0.125, "st1": 0.045, "sc1": 0.015,
                  "standard": 0.05}

    def _ebs(self, res, tags, before, after, pick, amount) -> None:
        vtype = (res["instance_type"] or "gp2").lower()
        size = max(1, round(before / self._EBS_PRICE.get(vtype, 0.1)))
        unattached = pick.random() < 0.15
        upgrade = vtype == "gp2" and pick.random() < 0.75
        if not (unattached or upgrade):
            return
        state = "Unattached" if unattached else "Attached"

        def details(vt: str) -> dict:
            iops = max(100, min(16000, 3 * size)) if vt == "gp2" else 3000
            return {"ebsVolume": {"configuration": {
                "storage": {"type": vt, "sizeInGb": float(size)},
                "performance": {"iops": float(iops), "throughput": 125.0 if vt == "gp3" else 250.0},
                "attachmentState": state}}}

        summary = f"{vtype} {size} GiB"
        if unattached:
            self._usage(res, tags, before, after, action="Delete", fraction=1.0, cur_summary=summary,
                        rec_summary="Delete", cur_details=details(vtype), rec_details=details(vtype),
                        effort="VeryLow", restart=False, rollback=False, lookback=32)
        if upgrade:
            self._usage(res, tags, before, after, action="Upgrade", fraction=0.2 * amount.uniform(0.95, 1.0),
                        cur_summary=summary, rec_summary=f"gp3 {size} GiB", cur_details=details("gp2"),
                        rec_details=details("gp3"), effort="VeryLow", restart=False, rollback=True,
                        lookback=14)

    def _lambda(self, res, tags, before, after, pick, amount) -> None:
        if pick.random() >= 0.4:
            return
        memory = pick.choice((512, 1024, 1536, 2048, 3008))
        target = max(128, int(memory * pick.choice((0.5, 0.625, 0.75)) // 64 * 64))
        arch = "arm64" if res["processor"] == "Graviton" else "x86_64"

        def details(mb: int) -> dict:
            return {"lambdaFunction": {"configuration": {"compute": {
                "memorySizeInMB": mb, "vCpu": round(mb / 1769, 3), "architecture": arch}}}}

        fraction = (1 - target / memory) * amount.uniform(0.6, 0.95)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction,
                    cur_summary=f"{memory} MB", rec_summary=f"{target} MB", cur_details=details(memory),
                    rec_details=details(target), effort="Low", restart=False, rollback=True,
                    lookback=14)

    def _rds(self, res, tags, before, after, pick, amount) -> None:
        t = _parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.55:
            return
        itype = res["instance_type"]
        details = lambda it: {"rdsDbInstance": {"configuration": {"instance": {"dbInstanceClass": it}}}}  # noqa: E731
        smaller = _smaller(t)
        grav = _graviton_family(t, pick)
        chosen = []
        if smaller and pick.random() < 0.6:
            chosen.append("Rightsize")
        if grav and pick.random() < 0.5:
            chosen.append("MigrateToGraviton")
        if not chosen and (smaller or grav):
            chosen.append("Rightsize" if smaller else "MigrateToGraviton")
        cur_units = _units(t["size"])
        for action in chosen:
            if action == "Rightsize":
                target = f"db.{t['family']}.{smaller}"
                fraction = (1 - _units(smaller) / cur_units) * amount.uniform(0.92, 1.0)
                effort = "Medium"
            else:
                target = f"db.{grav}.{t['size']}"
                fraction = 0.1 * amount.uniform(0.8, 1.2)
                effort = "Medium"
            self._usage(res, tags, before, after, action=action, fraction=fraction, cur_summary=itype,
                        rec_summary=target, cur_details=details(itype), rec_details=details(target),
                        effort=effort, restart=True, rollback=True, lookback=pick.choice((14, 32)))

    def _ecs(self, res, tags, before, after, pick, amount) -> None:
        if pick.random() >= 0.4:
            return
        vcpu = pick.choice((0.5, 1.0, 2.0, 4.0))
        mem = int(vcpu * pick.choice((2048, 4096)))
        details = lambda c, m: {"ecsService": {"configuration": {"compute": {"vCpu": c, "memorySizeInMB": m}}}}  # noqa: E731
        fraction = 0.5 * amount.uniform(0.5, 0.95)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction,
                    cur_summary=f"{vcpu:g} vCPU, {mem / 1024:g} GB",
                    rec_summary=f"{vcpu / 2:g} vCPU, {mem / 2048:g} GB",
                    cur_details=details(vcpu, mem), rec_details=details(vcpu / 2, mem // 2),
                    effort="Low", restart=False, rollback=True, lookback=14)

    def _asg(self, res, tags, before, after, pick, amount) -> None:
        t = _parse_type(res["instance_type"])
        if t is None or pick.random() >= 0.5:
            return
        smaller = _smaller(t)
        if not smaller:
            return
        itype = res["instance_type"]
        target = f"{t['family']}.{smaller}"
        details = lambda it: {"ec2AutoScalingGroup": {"configuration": {"instance": {"type": it}}}}  # noqa: E731
        fraction = (1 - _units(smaller) / _units(t["size"])) * amount.uniform(0.85, 1.0)
        self._usage(res, tags, before, after, action="Rightsize", fraction=fraction, cur_summary=itype,
                    rec_summary=target, cur_details=details(itype), rec_details=details(target),
                    effort="Medium", restart=True, rollback=True, lookback=14)

    # rate optimisation ---------------------------------------------------------------------
    _SP_DISCOUNT = {
        "ComputeSavingsPlans": {"one year": (0.24, 0.27, 0.29), "three years": (0.45, 0.49, 0.52)},
        "Ec2InstanceSavingsPlans": {"one year": (0.32, 0.35, 0.37), "three years": (0.52, 0.57, 0.60)},
    }
    _RI_DISCOUNT = {
        "Ec2ReservedInstances": {"one year": (0.30, 0.34, 0.36), "three years": (0.50, 0.56, 0.59)},
        "RdsReservedInstances": {"one year": (0.31, 0.35, 0.37), "three years": (0.50, 0.53, 0.56)},
    }
    _PAYMENTS = ("NoUpfront", "PartialUpfront", "AllUpfront")

    def _discount(self, table: dict, rtype: str) -> float:
        return table[rtype][self.term][self._PAYMENTS.index(self.payment)]

    def _term_code(self) -> str:
        return "ThreeYears" if self.term == "three years" else "OneYear"

    def savings_plans(self, resources: list[dict]) -> None:
        eligible = [
            r for r in resources
            if r["purchase_option"] == "OnDemand"
            and r["resource_type"] in ("Ec2Instance", "LambdaFunction", "EcsService")
        ]
        if not eligible:
            return
        per_account: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        per_family: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in eligible:
            before, after = self.monthly(r)
            per_account[r["account_id"]][0] += before
            per_account[r["account_id"]][1] += after
            t = _parse_type(r["instance_type"]) if r["resource_type"] == "Ec2Instance" else None
            if t is not None:
                per_family[(r["region"], t["family"])][0] += before
                per_family[(r["region"], t["family"])][1] += after
        total_before = sum(v[0] for v in per_account.values())
        total_after = sum(v[1] for v in per_account.values())
        if total_before < 20.0:
            return
        r = _rng(self.seed, self.period, "coh-sp")
        self._sp("ComputeSavingsPlans", self.payer, "Payer", total_before, total_after, r.uniform(0.55, 0.8))
        for acct in sorted(per_account):
            before, after = per_account[acct]
            if before >= 100.0:
                self._sp("ComputeSavingsPlans", acct, "Linked", before, after, r.uniform(0.55, 0.8))
        if per_family:
            (region, family), (before, after) = max(per_family.items(), key=lambda kv: (kv[1][0], kv[0]))
            if before >= 20.0:
                self._sp("Ec2InstanceSavingsPlans", self.payer, "Payer", before, after, r.uniform(0.5, 0.75),
                         region=region, family=family)

    def _sp(self, rtype: str, account: str, level: str, od_before: float, od_after: float,
            coverage: float, region: str = "Global", family: str | None = None) -> None:
        disc = self._discount(self._SP_DISCOUNT, rtype)
        hourly = od_after * coverage * (1 - disc) / HOURS_PER_MONTH
        scope = f"for {family} in {region} " if family else ""
        summary = f"${hourly:.3f}/hour {scope}with {self.term} term, {self.payment}, {level} account"
        config = {
            "accountScope": level,
            "term": self._term_code(),
            "paymentOption": self.payment,
            "hourlyCommitment": f"{hourly:.3f}",
        }
        if family:
            config.update({"instanceFamily": family, "savingsPlansRegion": region})
        root = "computeSavingsPlans" if rtype == "ComputeSavingsPlans" else "ec2InstanceSavingsPlans"
        pricing = {
            "monthlySavingsPlansEligibleCost": round(od_after, 4),
            "estimatedMonthlyCommitment": round(hourly * HOURS_PER_MONTH, 4),
            "estimatedOnDemandCost": round(od_before, 4),
            "savingsPercentage": round(100 * coverage * disc, 2),
        }
        details = {root: {"configuration": config, "costCalculation": {"pricing": pricing}}}
        self.add(
            key="Compute",
            account_id=account,
            region=region,
            resource_arn="",
            action_type="PurchaseSavingsPlans",
            current_type=rtype,
            recommended_type=rtype,
            current_summary=f"${od_after / HOURS_PER_MONTH:.3f}/hour On-Demand",
            recommended_summary=summary,
            current_details=details,
            recommended_details=details,
            cost_before=od_before,
            cost_after=od_after,
            savings_before=od_before * coverage * disc,
            savings_after=od_after * coverage * disc,
            effort="VeryLow",
            restart=False,
            rollback=False,
            source="CostExplorer",
            lookback=30,
            tags={},
            id_parts=(rtype, level, region, family),
        )

    def reserved_instances(self, resources: list[dict]) -> None:
        groups: dict[tuple, list] = {}
        for r in resources:
            if r["purchase_option"] != "OnDemand":
                continue
            if r["resource_type"] == "Ec2Instance" and _parse_type(r["instance_type"]):
                os_ = r["operating_system"] or "Linux"
                product = "Linux/UNIX" if os_ in ("Linux", "Linux/UNIX") else os_
                rtype = "Ec2ReservedInstances"
            elif r["resource_type"] == "RdsDbInstance" and _parse_type(r["instance_type"]):
                engine = r["operating_system"] or ("MySQL", "PostgreSQL")[_seed(self.seed, r["resource_id"]) % 2]
                product = f"{engine} Single-AZ"
                rtype = "RdsReservedInstances"
            else:
                continue
            key = (rtype, r["region"], product, r["instance_type"])
            g = groups.setdefault(key, {"accounts": defaultdict(lambda: [0, 0.0, 0.0])})
            before, after = self.monthly(r)
            acc = g["accounts"][r["account_id"]]
            acc[0] += 1
            acc[1] += before
            acc[2] += after
        ranked = sorted(
            groups.items(),
            key=lambda kv: (-sum(a[1] for a in kv[1]["accounts"].values()), kv[0]),
        )
        for (rtype, region, product, itype), g in ranked[:12]:
            accounts = g["accounts"]
            total = [sum(a[i] for a in accounts.values()) for i in range(3)]
            if total[1] < 30.0:
                continue
            r = _rng(self.seed, self.period, "coh-ri", rtype, region, product, itype)
            for acct in sorted(accounts):
                n, before, after = accounts[acct]
                if before >= 30.0:
                    self._ri(rtype, acct, "Linked", region, product, itype, n, before, after, r)
            if len(accounts) > 1:
                self._ri(rtype, self.payer, "Payer", region, product, itype, *total, r)

    def _ri(self, rtype: str, account: str, level: str, region: str, product: str, itype: str,
            n: int, od_before: float, od_after: float, r: random.Random) -> None:
        qty = max(1, round(n * r.uniform(0.5, 1.0)))
        coverage = qty / n
        disc = self._discount(self._RI_DISCOUNT, rtype)
        months = 36 if self.term == "three years" else 12
        ri_monthly = od_after * coverage * (1 - disc)
        upfront_share = {"NoUpfront": 0.0, "PartialUpfront": 0.5, "AllUpfront": 1.0}[self.payment]
        t = _parse_type(itype)
        config = {
            "accountScope": level,
            "service": "EC2" if rtype == "Ec2ReservedInstances" else "RDS",
            "term": self._term_code(),
            "paymentOption": self.payment,
            "numberOfInstancesToPurchase": str(qty),
            "instanceType": itype,
            "instanceFamily": t["family"] if t else "",
            "reservedInstancesRegion": region,
            "normalizedUnitsToPurchase": f"{qty * (_units(t['size']) if t else 1.0) * 2:g}",
            "currentGeneration": "true",
            "sizeFlexEligible": True,
            "upfrontCost": f"{ri_monthly * months * upfront_share:.2f}",
            "monthlyRecurringCost": f"{ri_monthly * (1 - upfront_share):.2f}",
        }
        if rtype == "Ec2ReservedInstances":
            config.update({"platform": product, "tenancy": "Shared", "offeringClass": "Standard"})
            root = "ec2ReservedInstances"
        else:
            engine, deployment = product.rsplit(" ", 1)
            config.update({"databaseEngine": engine, "deploymentOption": deployment,
                           "licenseModel": "No License required"})
            root = "rdsReservedInstances"
        pricing = {
            "estimatedOnDemandCost": round(od_before, 4),
            "monthlyReservationEligibleCost": round(od_after, 4),
            "savingsPercentage": round(100 * coverage * disc, 2),
        }
        details = {root: {"configuration": config, "costCalculation": {"pricing": pricing}}}
        svc = config["service"]
        self.add(
            key=f"{svc}:{region}:{product}:{itype}",
            account_id=account,
            region=region,
            resource_arn="",
            action_type="PurchaseReservedInstances",
            current_type=rtype,
            recommended_type=rtype,
            current_summary=f"{n} On-Demand {itype} {product}",
            recommended_summary=(
                f"{qty} {itype} {product} in AWS account {account} ({level}), {self.term} term, {self.payment}"
            ),
            current_details=details,
            recommended_details=details,
            cost_before=od_before,
            cost_after=od_after,
            savings_before=od_before * coverage * disc,
            savings_after=od_after * coverage * disc,
            effort="VeryLow",
            restart=False,
            rollback=False,
            source="CostExplorer",
            lookback=30,
            tags={},
            id_parts=(rtype, level, region, product, itype),
        )


def _exception_resources(seed: int, resources: list[dict]) -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    for res in resources:
        r = _rng(seed, "coh-exception", res["account_id"], res["resource_id"])
        if r.random() < 0.06:
            out[(res["account_id"], res["resource_id"])] = (r.choice(EXCEPTION_TAG_KEYS), r.choice(EXCEPTION_TAG_VALUES))
    return out


def build_recommendations(org, period: str, catalogue: pl.DataFrame, *, seed: int = 42,
                          revision: int = 0) -> tuple[list[dict], list[str]]:
    """The rows of the delivery (dicts in COH_SCHEMA order) and their de-duplication keys."""
    resources = _resources(catalogue)
    b = _Builder(seed, period, revision, str(org.payer_account_id))
    exceptions = _exception_resources(seed, resources)
    for res in resources:
        tags = dict(res["tags"])
        exc = exceptions.get((res["account_id"], res["resource_id"]))
        if exc:
            tags[exc[0]] = exc[1]
        b.resource(res, tags)
    # guarantee that the exception tag occurs when there is enough to tag
    tagged = any(any(k in EXCEPTION_TAG_KEYS for k in row["tags"]) for row in b.rows)
    arns = sorted({row["resource_arn"] for row in b.rows if row["resource_arn"]})
    if not tagged and len(arns) >= 10:
        chosen = arns[_seed(seed, period, "coh-exception-fallback") % len(arns)]
        key = EXCEPTION_TAG_KEYS[_seed(seed, "coh-exception-key") % len(EXCEPTION_TAG_KEYS)]
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
