"""What Cost Optimization Hub recommends on: the resources of the period's catalogue (merged per
account and resource id, tags normalised, ARNs), instance-type arithmetic (sizes, one size down,
Graviton and newer-generation families), and the deterministic randomness of the COH writer."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid
from typing import Any

import polars as pl

HOURS_PER_MONTH = 730.0

# --------------------------------------------------------------------------------------------
# deterministic randomness


def seed_of(*parts: Any) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def rng_of(*parts: Any) -> random.Random:
    return random.Random(seed_of(*parts))


def uuid_of(*parts: Any) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()[:16]))


def recommendation_id(account_id: str, *parts: Any) -> str:
    # COH ids look like base64("<account>_<uuid>")
    raw = f"{account_id}_{uuid_of(*parts)}"
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


def size_units(size: str) -> float | None:
    if size in _SIZE_UNITS:
        return _SIZE_UNITS[size]
    m = re.fullmatch(r"(\d+)xlarge", size)
    return 8.0 * int(m.group(1)) if m else None


def parse_type(instance_type: str | None) -> dict | None:
    m = _TYPE_RE.match(instance_type or "")
    if not m or size_units(m.group("size")) is None:
        return None
    d = m.groupdict()
    d["gen"] = int(d["gen"])
    d["db"] = d["db"] or ""
    d["family"] = f"{d['cls']}{d['gen']}{d['attrs']}"
    return d


def smaller_size(t: dict, graviton_family: bool = False) -> str | None:
    size = t["size"]
    if size in _DOWN:
        return _DOWN[size]
    # burstable and Graviton families go below `large`; RDS keeps at least `large` (bar t classes)
    if size in _DOWN_SMALL and (t["cls"] == "t" or (graviton_family and not t["db"])):
        if t["db"] and _DOWN_SMALL[size] in ("nano",):
            return None
        return _DOWN_SMALL[size]
    return None


def graviton_family(t: dict, r: random.Random) -> str | None:
    if "g" in t["attrs"] or t["cls"] not in ("m", "c", "r", "t"):
        return None
    if t["cls"] == "t":
        return "t4g"
    gen = r.choice((6, 7))
    extra = "d" if "d" in t["attrs"] and not t["db"] else ""
    return f"{t['cls']}{gen}g{extra}"


def upgrade_family(t: dict) -> tuple[str, float] | None:
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


def normalise_tags(value: Any) -> dict[str, str]:
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


def catalogue_resources(catalogue: pl.DataFrame | None) -> list[dict]:
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
            "tags": normalise_tags(row["tags"]),
        }
    return list(merged.values())


def resource_arn_of(res: dict) -> str:
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
            f"arn:aws:autoscaling:{region}:{acct}:autoScalingGroup:{uuid_of('asg', acct, rid)}:"
            f"autoScalingGroupName/{rid}"
        )
    return f"arn:aws:{(res['product_code'] or 'aws').lower()}:{region}:{acct}:{rid}"
