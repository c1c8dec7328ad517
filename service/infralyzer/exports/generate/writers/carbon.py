"""Synthetic carbon emissions export (`CARBON_EMISSIONS`, folder `carbon`).

One row per usage account, region and service with spend in the period (from
`org.spend_by_service(period)`), monthly, in MTCO2e (metric tonnes CO2-equivalent) in every
`*_unit` column. The model, per row:

    energy_kwh  = unblended_cost x kWh-per-USD of the service x a per-row factor (0.85-1.15,
                  fixed per seed/account/region/service) x a per-period factor (0.97-1.03)
    scope 1     = energy x 0.006 kg/kWh (back-up generators, refrigerants)
    scope 2 LBM = energy x grid intensity of the region (location-based)
    scope 2 MBM = scope 2 LBM x (1 - share of the region's energy matched by renewables bought)
    scope 3     = embodied (energy x 0.12 kg/kWh, same for both methods)
                  + upstream energy (0.12 x the scope 2 of the method) + 0.004 kg/kWh (MBM only)
    total_lbm   = scope 1 + scope 2 LBM + scope 3 LBM;  total_mbm = scope 1 + scope 2 MBM + scope 3 MBM

so $10k of EC2 in us-east-1 is about 0.7 MTCO2e location-based and 0.2 market-based. Components
are rounded to 6 decimals and the totals are the exact sums of the rounded components.

Global services (CloudFront, Route 53, ...) and spend without a region are reported under region
`global`, location `Global`. Support plans and other non-infrastructure charges, and rows with
spend <= 0 (credits, refunds), carry no footprint and are left out. `usage_amount` is not used.

Model versions: every delivery has `v3.0.0`. With `restated=True` the same delivery also has the
rows of the superseded `v2.0.0` model (scope 1 + 2 only, scope 3 reported as 0, a 10 % higher
energy estimate, an earlier refresh timestamp), as AWS does when it restates a period; readers
must keep only the latest model version of each usage period. The answer key describes the latest
version only (`delivered_row_count` counts all rows of the delivery): its totals, its `rows` per
account, region and service, and for a restated period its `restatements` (v2.0.0's value, v3.0.0's
and the change, per account, region and service).

Deterministic from (seed, period, revision); `revision > 0` (a re-delivery) moves each row by up
to 2 % and refreshes later.
"""

from __future__ import annotations

import hashlib
import random
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from infralyzer.exports.layout import open_delivery
from infralyzer.exports.schemas import CARBON_SCHEMA

EXPORT = "carbon"
UNIT = "MTCO2e"
LATEST_MODEL = "v3.0.0"
PREVIOUS_MODEL = "v2.0.0"

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "sa-east-1": "South America (Sao Paulo)",
    "mx-central-1": "Mexico (Central)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "me-south-1": "Middle East (Bahrain)",
    "me-central-1": "Middle East (UAE)",
    "il-central-1": "Israel (Tel Aviv)",
    "af-south-1": "Africa (Cape Town)",
    "global": "Global",
}

# region -> (grid intensity kgCO2e/kWh, share of energy matched by renewables bought)
GRID = {
    "us-east-1": (0.379, 0.95),
    "us-east-2": (0.410, 0.90),
    "us-west-1": (0.240, 0.95),
    "us-west-2": (0.290, 1.00),
    "ca-central-1": (0.120, 1.00),
    "ca-west-1": (0.500, 0.80),
    "sa-east-1": (0.080, 0.90),
    "mx-central-1": (0.420, 0.50),
    "eu-west-1": (0.330, 1.00),
    "eu-west-2": (0.230, 1.00),
    "eu-west-3": (0.055, 1.00),
    "eu-central-1": (0.350, 1.00),
    "eu-central-2": (0.030, 1.00),
    "eu-north-1": (0.010, 1.00),
    "eu-south-1": (0.280, 0.95),
    "eu-south-2": (0.150, 1.00),
    "ap-south-1": (0.710, 0.60),
    "ap-south-2": (0.710, 0.60),
    "ap-southeast-1": (0.410, 0.50),
    "ap-southeast-2": (0.680, 0.85),
    "ap-southeast-3": (0.700, 0.30),
    "ap-southeast-4": (0.800, 0.85),
    "ap-northeast-1": (0.460, 0.70),
    "ap-northeast-2": (0.430, 0.60),
    "ap-northeast-3": (0.460, 0.70),
    "ap-east-1": (0.600, 0.40),
    "me-south-1": (0.600, 0.20),
    "me-central-1": (0.450, 0.40),
    "il-central-1": (0.500, 0.30),
    "af-south-1": (0.900, 0.30),
    "global": (0.350, 0.85),
}
DEFAULT_GRID = (0.400, 0.70)

# kWh per USD of spend (includes data-centre overhead, PUE ~1.15)
KWH_PER_USD = {
    "AmazonEC2": 0.130,
    "AmazonECS": 0.120,
    "AmazonEKS": 0.110,
    "AWSLambda": 0.100,
    "AmazonRDS": 0.090,
    "AmazonRedshift": 0.100,
    "AmazonElastiCache": 0.100,
    "AmazonES": 0.090,
    "AmazonOpenSearchService": 0.090,
    "AmazonSageMaker": 0.120,
    "AmazonEMR": 0.110,
    "AmazonS3": 0.050,
    "AmazonGlacier": 0.030,
    "AmazonEFS": 0.050,
    "AmazonDynamoDB": 0.050,
    "AmazonCloudFront": 0.030,
    "AWSDataTransfer": 0.020,
    "AmazonVPC": 0.030,
    "AmazonCloudWatch": 0.030,
}
DEFAULT_KWH_PER_USD = 0.040

GLOBAL_PRODUCTS = {
    "AmazonCloudFront",
    "AmazonRoute53",
    "AWSGlobalAccelerator",
    "AWSIAM",
    "AWSOrganizations",
    "AWSCostExplorer",
}
EXCLUDED_PRODUCTS = {
    "AWSSupportBusiness",
    "AWSSupportEnterprise",
    "AWSSupportEnterpriseOnRamp",
    "AWSDeveloperSupport",
    "AWSSupportDeveloper",
    "OCBPremiumSupport",
    "ComputeSavingsPlans",
    "MachineLearningSavingsPlans",
    "AWSMarketplace",
}

SCOPE1_KG_PER_KWH = 0.006
EMBODIED_KG_PER_KWH = 0.12
UPSTREAM_SHARE = 0.12
MBM_LIFECYCLE_KG_PER_KWH = 0.004


def _seed(*parts: Any) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _uniform(lo: float, hi: float, *parts: Any) -> float:
    return random.Random(_seed(*parts)).uniform(lo, hi)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.lstrip("v").split("."))


@dataclass(frozen=True)
class _Emissions:
    scope_1: float
    scope_2_lbm: float
    scope_2_mbm: float
    scope_3_lbm: float
    scope_3_mbm: float

    @property
    def total_lbm(self) -> float:
        return self.scope_1 + self.scope_2_lbm + self.scope_3_lbm

    @property
    def total_mbm(self) -> float:
        return self.scope_1 + self.scope_2_mbm + self.scope_3_mbm


def _emissions(version: str, energy_kwh: float, region: str) -> _Emissions:
    grid, matched = GRID.get(region, DEFAULT_GRID)
    t = lambda kg: round(kg / 1000.0, 6)  # noqa: E731  kg -> tonnes
    if version == LATEST_MODEL:
        s2_lbm = energy_kwh * grid
        s2_mbm = s2_lbm * (1.0 - matched)
        embodied = energy_kwh * EMBODIED_KG_PER_KWH
        return _Emissions(
            scope_1=t(energy_kwh * SCOPE1_KG_PER_KWH),
            scope_2_lbm=t(s2_lbm),
            scope_2_mbm=t(s2_mbm),
            scope_3_lbm=t(embodied + UPSTREAM_SHARE * s2_lbm),
            scope_3_mbm=t(embodied + UPSTREAM_SHARE * s2_mbm + energy_kwh * MBM_LIFECYCLE_KG_PER_KWH),
        )
    # v2.0.0: higher energy estimate, older residual-mix factor, no scope 3
    energy = energy_kwh * 1.10
    s2_lbm = energy * grid
    return _Emissions(
        scope_1=t(energy * 0.008),
        scope_2_lbm=t(s2_lbm),
        scope_2_mbm=t(s2_lbm * (1.0 - 0.95 * matched)),
        scope_3_lbm=0.0,
        scope_3_mbm=0.0,
    )


def _spend_rows(spend: pl.DataFrame | None) -> list[dict]:
    """(account, region_code, product) with positive spend, sorted."""
    if spend is None or spend.height == 0:
        return []
    agg: dict[tuple[str, str, str], float] = {}
    for row in spend.select(["account_id", "region", "product_code", "unblended_cost"]).iter_rows(named=True):
        product = row["product_code"] or ""
        if not product or product in EXCLUDED_PRODUCTS:
            continue
        region = (row["region"] or "").strip()
        if product in GLOBAL_PRODUCTS or region in ("", "global", "aws-global", "Global"):
            region = "global"
        key = (str(row["account_id"]), region, product)
        agg[key] = agg.get(key, 0.0) + float(row["unblended_cost"] or 0.0)
    return [
        {"account_id": a, "region": r, "product_code": p, "cost": c}
        for (a, r, p), c in sorted(agg.items())
        if c > 0.0
    ]


def build_rows(org, period: str, spend: pl.DataFrame, *, seed: int = 42, revision: int = 0,
               restated: bool = False) -> list[dict]:
    year, month = (int(x) for x in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = start + timedelta(days=monthrange(year, month)[1])
    payer = str(org.payer_account_id)
    versions = [PREVIOUS_MODEL, LATEST_MODEL] if restated else [LATEST_MODEL]
    refresh_minute = _seed(seed, period, "carbon-refresh") % 240
    refreshed = {
        # the footprint of a month is published about three weeks after the month ends
        LATEST_MODEL: end + timedelta(days=20 + (10 if restated else 0) + revision, hours=3, minutes=refresh_minute),
        PREVIOUS_MODEL: end + timedelta(days=20, hours=3, minutes=refresh_minute),
    }
    spend_rows = _spend_rows(spend)
    rows = []
    for version in versions:
        for s in spend_rows:
            acct, region, product = s["account_id"], s["region"], s["product_code"]
            energy = (
                s["cost"]
                * KWH_PER_USD.get(product, DEFAULT_KWH_PER_USD)
                * _uniform(0.85, 1.15, seed, "carbon-row", acct, region, product)
                * _uniform(0.97, 1.03, seed, period, "carbon-period", acct, region, product)
            )
            if revision > 0:
                energy *= _uniform(0.98, 1.02, seed, period, revision, "carbon-revision", acct, region, product)
            e = _emissions(version, energy, region)
            rows.append(
                {
                    "last_refresh_timestamp": refreshed[version],
                    "location": REGION_NAMES.get(region, region),
                    "model_version": version,
                    "payer_account_id": payer,
                    "product_code": product,
                    "region_code": region,
                    "total_lbm_emissions_unit": UNIT,
                    "total_lbm_emissions_value": e.total_lbm,
                    "total_mbm_emissions_unit": UNIT,
                    "total_mbm_emissions_value": e.total_mbm,
                    "total_scope_1_emissions_unit": UNIT,
                    "total_scope_1_emissions_value": e.scope_1,
                    "total_scope_2_lbm_emissions_unit": UNIT,
                    "total_scope_2_lbm_emissions_value": e.scope_2_lbm,
                    "total_scope_2_mbm_emissions_unit": UNIT,
                    "total_scope_2_mbm_emissions_value": e.scope_2_mbm,
                    "total_scope_3_lbm_emissions_unit": UNIT,
                    "total_scope_3_lbm_emissions_value": e.scope_3_lbm,
                    "total_scope_3_mbm_emissions_unit": UNIT,
                    "total_scope_3_mbm_emissions_value": e.scope_3_mbm,
                    "usage_account_id": acct,
                    "usage_period_end": end,
                    "usage_period_start": start,
                }
            )
    return rows


# the emission columns of a row and their names in the answer key (and the carbon marts, with
# the `_mtco2e` suffix)
MEASURES = {
    "total_mbm_emissions": "total_mbm_emissions_value",
    "total_lbm_emissions": "total_lbm_emissions_value",
    "scope_1_emissions": "total_scope_1_emissions_value",
    "scope_2_mbm_emissions": "total_scope_2_mbm_emissions_value",
    "scope_2_lbm_emissions": "total_scope_2_lbm_emissions_value",
    "scope_3_mbm_emissions": "total_scope_3_mbm_emissions_value",
    "scope_3_lbm_emissions": "total_scope_3_lbm_emissions_value",
}
_KEY = ("payer_account_id", "usage_account_id", "region_code", "product_code")


def _by_key(rows: list[dict], version: str) -> dict[tuple, dict]:
    return {tuple(r[k] for k in _KEY): r for r in rows if r["model_version"] == version}


def _restatements(rows: list[dict], previous: str, latest: str) -> list[dict]:
    """Per account, region and service: the previous version's emissions, the latest's and the
    change (latest - previous); a side without a row counts as 0."""
    old, new = _by_key(rows, previous), _by_key(rows, latest)
    out = []
    for key in sorted(old.keys() | new.keys()):
        entry = dict(zip(_KEY, key)) | {"previous_model_version": previous, "model_version": latest}
        for name, col in MEASURES.items():
            before = old[key][col] if key in old else 0.0
            after = new[key][col] if key in new else 0.0
            entry |= {f"previous_{name}": before, name: after, f"{name}_change": round(after - before, 6)}
        out.append(entry)
    return out


def answer_key(rows: list[dict], versions: list[str]) -> dict:
    """The period's figures of the latest model version: totals, and `rows` per account, region
    and service; with a restatement, `restatements` compares the latest with the version before."""
    ordered = sorted(versions, key=_version_key)
    latest = ordered[-1]
    current = [r for r in rows if r["model_version"] == latest]

    def total(col: str) -> float:
        return round(sum(r[col] for r in current), 6)

    return {
        "row_count": len(current),
        "delivered_row_count": len(rows),
        "model_versions": ordered,
        "latest_model_version": latest,
        "total_mbm_emissions": total("total_mbm_emissions_value"),
        "total_lbm_emissions": total("total_lbm_emissions_value"),
        "scope_1": total("total_scope_1_emissions_value"),
        "scope_2_mbm": total("total_scope_2_mbm_emissions_value"),
        "scope_2_lbm": total("total_scope_2_lbm_emissions_value"),
        "scope_3_mbm": total("total_scope_3_mbm_emissions_value"),
        "scope_3_lbm": total("total_scope_3_lbm_emissions_value"),
        "rows": [dict(zip(_KEY, key)) | {name: r[col] for name, col in MEASURES.items()}
                 for key, r in sorted(_by_key(rows, latest).items())],
        "restatements": _restatements(rows, ordered[-2], latest) if len(ordered) > 1 else [],
    }


def to_table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in CARBON_SCHEMA},
        schema=CARBON_SCHEMA,
    )


def write_period(
    exports_dir: Path,
    org,
    period: str,
    spend: pl.DataFrame,
    *,
    seed: int = 42,
    revision: int = 0,
    restated: bool = False,
    created_at: datetime | None = None,
) -> dict:
    """Write the carbon delivery of `period`; return its answer-key fragment (latest model only).

    `restated=True` writes the period in two model versions (v2.0.0 and v3.0.0); the caller
    decides, e.g. for the earliest period of a run.
    """
    rows = build_rows(org, period, spend, seed=seed, revision=revision, restated=restated)
    versions = [PREVIOUS_MODEL, LATEST_MODEL] if restated else [LATEST_MODEL]
    with open_delivery(exports_dir, EXPORT, period, str(org.payer_account_id), created_at=created_at) as d:
        d.write(to_table(rows))
    return answer_key(rows, versions)
