"""The optimisation part of the answer key: the de-duplicated savings each account should get, per
billing period, recomputed in Python (polars) from the delivered CUR and Cost Optimization Hub
files, independently of the dbt models (docs/cost_rules.md, 'Optimisation', states the rules).

Per billing period (its CUR and its COH snapshot):

* resource costs: amortised cost (SP-covered lines at their SP effective cost, RI-covered at the
  reservation's, others billed) of the usage lines (Usage, DiscountedUsage,
  SavingsPlanCoveredUsage; split-cost child rows left out) per account and resource id, in the
  window = the last 30 days up to the day after the latest usage day, not before the period's
  start; monthly cost = window cost x 730 / (24 x window days); stale = no cost in the window's
  last 7 days; exception = a `user_<key>` resource tag;
* CUR waste: idle public IPv4 (`PublicIPv4:IdleAddress` lines), idle NAT gateways / load
  balancers (hours, and at most 1 GB / 1 LCU-hour processed per month), previous-generation EC2
  instance hours (5 % of their monthly cost), gp2 volumes (the gp2 -> gp3 model of the KPI
  tracker on the period's volume lines), snapshots first billed more than 12 months before the
  period's start (all delivered periods are history);
* COH: every recommendation, keyed on its resource (instance/volume id for EC2 ARNs) or CORA's
  commitment key ('Compute' for Savings Plans, '<EC2|RDS>:<region>:<product>:<type>' for RIs);
* per key the highest estimated savings is the top action (ties: source, action type, id); a top
  usage action counts min(savings, monthly cost) unless stale or an exception; a top commitment
  purchase counts its savings unless an exception or its scope (its account, or all accounts at
  payer level) holds a counted usage action on a resource type it covers.

`add_optimisation(exports_dir, key)` puts it in the answer key (`periods[p]["optimisation"]`);
`optimisation_fragment(exports_dir, periods)` returns {period: {"counted_monthly_savings":
{account: amount}, "by_action_type": {...}, "top_actions": n, "stale_actions": n,
"exception_actions": n, "overlapping_purchases": n}}.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from infralyzer.exports.layout import partition_dir

EXCEPTION_KEYS = ("finops-exception", "finopsexception", "FinopsException")
USAGE_LINE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
PREVIOUS_FAMILIES = {"a1", "c1", "c3", "c4", "m1", "m2", "m3", "m4", "r3", "r4", "t1", "t2", "i2", "d2", "g2", "x1",
                     "cc2", "cr1", "hs1", "p2", "g3"}
PREVIOUS_GENERATION_RATE = Decimal("0.05")
IDLE_MAX_PER_MONTH = Decimal("1")
COVERS = {
    "ComputeSavingsPlans": ("Ec2Instance", "Ec2AutoScalingGroup", "LambdaFunction", "EcsService"),
    "Ec2InstanceSavingsPlans": ("Ec2Instance", "Ec2AutoScalingGroup", "LambdaFunction", "EcsService"),
    "Ec2ReservedInstances": ("Ec2Instance", "Ec2AutoScalingGroup"),
    "RdsReservedInstances": ("RdsDbInstance",),
}
Q8 = Decimal("0.00000001")


def money(value) -> Decimal:
    return Decimal(repr(float(value))).quantize(Q8, rounding=ROUND_HALF_UP)


def _files(exports_dir: Path, export: str, period: str) -> list[Path]:
    folder = partition_dir(exports_dir, export, "data", period)
    return sorted(folder.rglob("*.parquet")) if folder.exists() else []


def _read(exports_dir: Path, export: str, period: str) -> pl.DataFrame | None:
    files = _files(exports_dir, export, period)
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else None


# The CUR columns the key reads; the two maps are reduced to the one value each rule needs. Reading
# a whole period's CUR instead took 24 GB at 12 x 1 M line items (bench/benchmark.py).
CUR_COLUMNS = ("line_item_line_item_type", "line_item_operation", "line_item_product_code", "line_item_resource_id",
               "line_item_unblended_cost", "line_item_usage_account_id", "line_item_usage_amount",
               "line_item_usage_end_date", "line_item_usage_start_date", "line_item_usage_type", "pricing_unit",
               "product_instance_type", "reservation_effective_cost", "savings_plan_savings_plan_effective_cost")


def _scan_usage_lines(exports_dir: Path, period: str) -> pl.LazyFrame | None:
    """One period's usage lines (`_usage_lines`) with only the columns the rules read, lazily."""
    files = _files(exports_dir, "cur2", period)
    if not files:
        return None
    cur = pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed")
    present = cur.collect_schema()
    columns = [pl.col(c) if c in present else pl.lit(None, pl.String).alias(c) for c in CUR_COLUMNS]
    exception_keys = [f"user_{k}" for k in EXCEPTION_KEYS]
    tags = pl.col("resource_tags")
    columns.append(pl.any_horizontal([tags.map.contains_key(k) for k in exception_keys]).fill_null(False)
                   .alias("exception_tag") if "resource_tags" in present else pl.lit(False).alias("exception_tag"))
    columns.append(pl.col("product").map.get("volume_api_name").alias("volume_api_name") if "product" in present
                   else pl.lit(None, pl.String).alias("volume_api_name"))
    return _usage_lines(cur.select(columns), period)


def _usage_lines(cur: pl.LazyFrame, period: str) -> pl.LazyFrame:
    lt = pl.col("line_item_line_item_type")
    amortised = (pl.when(lt == "SavingsPlanCoveredUsage").then(pl.col("savings_plan_savings_plan_effective_cost"))
                 .when(lt == "DiscountedUsage").then(pl.col("reservation_effective_cost"))
                 .otherwise(pl.col("line_item_unblended_cost")))
    return (
        cur.filter(lt.is_in(USAGE_LINE_TYPES) & pl.col("line_item_resource_id").is_not_null()
                   & (pl.col("line_item_resource_id") != "")
                   & ~pl.col("line_item_operation").fill_null("").is_in(["EKSPod-EC2", "ECSTask-EC2"]))
        .with_columns(amortised.fill_null(0.0).alias("amortised"), pl.lit(period).alias("period"),
                      pl.col("line_item_usage_start_date").cast(pl.Date).alias("usage_date"))
    )


def _as_dict(value) -> dict:
    """A parquet map as polars hands it out (a list of key/value structs, or a dict)."""
    if not value:
        return {}
    return {kv["key"]: kv["value"] for kv in value} if isinstance(value, list) else dict(value)


def _tag_exception(tags, prefix: str) -> bool:
    keys = _as_dict(tags)
    return any(prefix + k in keys for k in EXCEPTION_KEYS)


def _cents8(column: str) -> pl.Expr:
    """A money column as an exact integer of 1e-8 units (the marts' decimal(18, 8))."""
    return (pl.col(column) * 100_000_000).round(0).cast(pl.Int64)


def _resource_costs(lines: pl.DataFrame, period: str) -> tuple[dict, int, date]:
    end = max(lines["usage_date"]) + timedelta(days=1)
    start = max(date(int(period[:4]), int(period[5:]), 1), end - timedelta(days=30))
    stale_after = end - timedelta(days=7)
    days = (end - start).days
    tagged = set(lines.filter("exception_tag").select("line_item_usage_account_id", "line_item_resource_id")
                 .unique().iter_rows())
    sums = lines.with_columns(_cents8("amortised").alias("cost8")).group_by(
        "line_item_usage_account_id", "line_item_resource_id").agg(
        pl.col("cost8").filter(pl.col("usage_date") >= start).sum().alias("window8"),
        pl.col("cost8").filter(pl.col("usage_date") >= stale_after).sum().alias("last7_8"))
    out: dict[tuple[str, str], dict] = {}
    for account, resource, window8, last7 in sums.iter_rows():
        window = Decimal(int(window8 or 0)) * Q8
        out[(account, resource)] = {"window": window, "monthly": money(float(window) * 730 / (24 * days)),
                                    "stale": not last7, "exception": (account, resource) in tagged}
    return out, days, start


def _gp2_savings(lines: pl.DataFrame, period: str) -> dict[tuple[str, str], Decimal]:
    y, m = int(period[:4]), int(period[5:])
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    period_hours = (nxt - date(y, m, 1)).days * 24
    vol = lines.filter((pl.col("line_item_line_item_type") == "Usage") & (pl.col("line_item_product_code") == "AmazonEC2")
                       & pl.col("line_item_usage_type").str.contains("EBS")
                       & ~pl.col("line_item_usage_type").str.contains("Snap"))
    out = {}
    acc: dict[tuple[str, str], dict] = defaultdict(lambda: {"cost": Decimal(0), "storage": Decimal(0), "gb": 0.0,
                                                          "size": 0.0, "gp2": False})
    for row in vol.iter_rows(named=True):
        if not row["volume_api_name"]:
            continue
        key = (row["line_item_usage_account_id"], row["line_item_resource_id"])
        a = acc[key]
        cost = money(row["amortised"])
        a["cost"] += cost
        a["gp2"] = a["gp2"] or row["volume_api_name"] == "gp2"
        unit = row["pricing_unit"]
        if unit in ("GB-Mo", "GB-month") and "EBS:VolumeUsage" in row["line_item_usage_type"]:
            a["storage"] += cost
            a["gb"] += row["line_item_usage_amount"]
            hours = (row["line_item_usage_end_date"] - row["line_item_usage_start_date"]).total_seconds() / 3600
            if hours > 0:
                a["size"] = max(a["size"], row["line_item_usage_amount"] * period_hours / hours)
    for key, a in acc.items():
        size = round(a["size"], 3)
        if not a["gp2"] or size <= 0 or a["gb"] <= 0:
            continue
        share = round(min(a["gb"] / size, 1.0), 6)
        unit_cost = 0.8 * float(a["storage"]) / a["gb"]
        iops = (min(max(3 * size, 3000), 16000) - 3000) * share
        tput = 125 * share if size > 150 else 0.0
        estimate = money(0.8 * float(a["storage"]) + 0.5 * unit_cost * tput + 0.06 * unit_cost * iops)
        if a["cost"] - estimate > 0:
            out[key] = a["cost"] - estimate
    return out


def _waste_actions(lines: pl.DataFrame, costs: dict, days: int, start: date, period: str,
                   first_seen: dict[str, date]) -> list[dict]:
    window = lines.filter(pl.col("usage_date") >= start).with_columns(
        pl.col("line_item_usage_type").fill_null(""),
        pl.col("product_instance_type").fill_null("").str.split(".").list.first().alias("family"))
    ut = pl.col("line_item_usage_type")
    amount = pl.col("line_item_usage_amount").fill_null(0.0)
    per = {
        (r[0], r[1]): r[2:] for r in window.group_by("line_item_usage_account_id", "line_item_resource_id").agg(
            ut.str.contains("PublicIPv4:IdleAddress", literal=True).any().alias("PublicIPv4:IdleAddress"),
            ut.str.contains("NatGateway-Hours", literal=True).any().alias("NatGateway-Hours"),
            ut.str.contains("LoadBalancerUsage", literal=True).any().alias("LoadBalancerUsage"),
            amount.filter(ut.str.contains("NatGateway-Bytes", literal=True)).sum().alias("NatGateway-Bytes"),
            amount.filter(ut.str.contains("LCUUsage", literal=True)).sum().alias("LCUUsage"),
            _cents8("amortised").filter(ut.str.contains("BoxUsage", literal=True)
                                        & pl.col("family").is_in(sorted(PREVIOUS_FAMILIES))).sum().alias("prev8"),
        ).iter_rows()
    }
    names = ("PublicIPv4:IdleAddress", "NatGateway-Hours", "LoadBalancerUsage", "NatGateway-Bytes", "LCUUsage",
             "prev8")
    per = {key: dict(zip(names, values, strict=True)) for key, values in per.items()}
    prev_cost = {key: Decimal(int(v["prev8"])) * Q8 for key, v in per.items() if v["prev8"]}
    actions = []

    def add(key, rule, action, rtype, savings):
        actions.append({"source": "cur_waste_rule", "id": f"{rule}:{key[1]}", "account": key[0], "dedup": key[1],
                        "resource": key[1], "action_type": action, "rate": False, "rtype": rtype,
                        "savings": money(savings), "payer_level": False, "exception": False})

    for key, seen in per.items():
        monthly = costs[key]["monthly"]
        if seen.get("PublicIPv4:IdleAddress"):
            add(key, "idle_public_ipv4", "Delete", "PublicIPv4Address", monthly)
        for hours, measure, rule, rtype in (("NatGateway-Hours", "NatGateway-Bytes", "idle_nat_gateway", "NatGateway"),
                                            ("LoadBalancerUsage", "LCUUsage", "idle_load_balancer", "LoadBalancer")):
            if seen.get(hours) and Decimal(repr(seen.get(measure, 0.0) * 730 / (24 * days))) <= IDLE_MAX_PER_MONTH:
                add(key, rule, "Delete", rtype, monthly)
    for key, cost in prev_cost.items():
        add(key, "previous_generation_instance", "Upgrade", "Ec2Instance",
            float(PREVIOUS_GENERATION_RATE) * float(cost) * 730 / (24 * days))
    for key, savings in _gp2_savings(lines, period).items():
        add(key, "gp2_volume", "Upgrade", "EbsVolume", savings)
    y, m = int(period[:4]), int(period[5:])
    year_before = date(y - 1, m, 1)
    snaps = lines.filter(pl.col("line_item_usage_type").str.contains("EBS:Snapshot"))
    for key in {(a, r) for a, r in snaps.select("line_item_usage_account_id", "line_item_resource_id").iter_rows()}:
        if first_seen.get(key[1], date.max) < year_before and key in costs:
            add(key, "old_ebs_snapshot", "Delete", "EbsSnapshot", costs[key]["monthly"])
    return actions


def _coh_actions(coh: pl.DataFrame) -> list[dict]:
    actions = []
    for row in coh.iter_rows(named=True):
        arn = row["resource_arn"] or None
        rtype = row["current_resource_type"] or ""
        summary = row["recommended_resource_summary"] or ""
        resource = None
        if arn:
            resource = arn.split("/")[1] if (arn.startswith("arn:aws:ec2:") and (":instance/" in arn or ":volume/" in arn)) else arn
            dedup = resource
        elif rtype.endswith("SavingsPlans"):
            dedup = "Compute"
        elif rtype.endswith("ReservedInstances"):
            words = summary.split(" ")
            product = summary.split(" ", 2)[2].split(" in AWS account")[0]
            dedup = f"{rtype.replace('ReservedInstances', '').upper()}:{row['region']}:{product}:{words[1]}"
        else:
            dedup = f"{rtype}:{row['account_id']}:{row['recommendation_id']}"
        actions.append({
            "source": "cost_optimization_hub", "id": row["recommendation_id"], "account": row["account_id"],
            "dedup": dedup, "resource": resource, "action_type": row["action_type"],
            "rate": row["action_type"] in ("PurchaseSavingsPlans", "PurchaseReservedInstances"), "rtype": rtype,
            "savings": money(row["estimated_monthly_savings_after_discount"]), "payer_level": "Payer" in summary,
            "exception": _tag_exception(row["tags"], ""),
        })
    return actions


def _count(actions: list[dict], costs: dict) -> dict:
    best: dict[str, dict] = {}
    for a in sorted(actions, key=lambda a: (-a["savings"], a["source"], a["action_type"], a["id"])):
        best.setdefault(a["dedup"], a)
    result = defaultdict(Decimal)
    by_type = defaultdict(Decimal)
    stats = {"top_actions": len(best), "stale_actions": 0, "exception_actions": 0, "overlapping_purchases": 0}
    counted_usage = []
    for a in best.values():
        if a["rate"]:
            continue
        cost = costs.get((a["account"], a["resource"])) if a["resource"] else None
        stale = a["resource"] is not None and (cost is None or cost["stale"])
        exception = a["exception"] or bool(cost and cost["exception"])
        stats["stale_actions"] += stale
        stats["exception_actions"] += exception and not stale
        if stale or exception:
            continue
        savings = min(a["savings"], cost["monthly"]) if cost else a["savings"]
        if savings > 0:
            counted_usage.append(a)
        result[a["account"]] += savings
        by_type[a["action_type"]] += savings
    for a in best.values():
        if not a["rate"] or a["exception"]:
            continue
        covered = COVERS.get(a["rtype"], ())
        if any((a["payer_level"] or u["account"] == a["account"]) and u["rtype"] in covered for u in counted_usage):
            stats["overlapping_purchases"] += 1
            continue
        result[a["account"]] += a["savings"]
        by_type[a["action_type"]] += a["savings"]
    return {
        "counted_monthly_savings": {k: str(v) for k, v in sorted(result.items())},
        "by_action_type": {k: str(v) for k, v in sorted(by_type.items())},
        **stats,
    }


def optimisation_fragment(exports_dir: Path, periods: list[str]) -> dict[str, dict]:
    """Expected de-duplicated savings per period and account (see the module docstring)."""
    exports_dir = Path(exports_dir)
    # two passes, one period in memory at a time: snapshot ages need every period's first sight first
    first_seen: dict[str, date] = {}
    for period in periods:
        lines = _scan_usage_lines(exports_dir, period)
        if lines is None:
            continue
        snaps = (lines.filter(pl.col("line_item_usage_type").str.contains("EBS:Snapshot"))
                 .group_by("line_item_resource_id").agg(pl.col("usage_date").min()).collect())
        for rid, seen in snaps.iter_rows():
            first_seen[rid] = min(first_seen.get(rid, date.max), seen)
    out = {}
    for period in periods:
        lines = _scan_usage_lines(exports_dir, period)
        if lines is None:
            continue
        lines = lines.collect()
        costs, days, start = _resource_costs(lines, period)
        actions = _waste_actions(lines, costs, days, start, period, first_seen)
        coh = _read(exports_dir, "coh", period)
        if coh is not None:
            actions += _coh_actions(coh)
        out[period] = _count(actions, costs)
    return out


def add_optimisation(exports_dir: Path, key: dict) -> None:
    """Set `periods[period]["optimisation"]` of the answer key for every period it describes that
    has a CUR and a COH delivery (a re-delivered period changes only its own entry, but all are
    recomputed: snapshot ages read the whole CUR history)."""
    exports = key.get("exports") or ()
    if "cur2" not in exports or "coh" not in exports:
        return
    for period, fragment in optimisation_fragment(exports_dir, sorted(key["periods"])).items():
        key["periods"][period]["optimisation"] = fragment
