"""Deterministic model of the synthetic AWS organisation behind the sample exports.

Everything the generator writes (CUR 2.0, FOCUS 1.2, and through the other helper COH and carbon)
is derived from one `Organisation`, built by `build_organisation(seed, line_items_per_month)`.
The same arguments always give the same organisation.

Modelling choices a reader of the generated data must know
------------------------------------------------------------
* **Accounts.** One payer (management) account, which has no usage of its own but owns every RI and
  Savings Plan (their fee rows, `Fee`/`RIFee`/`SavingsPlan*Fee`, are charged to it) and gets a
  Support fee and tax; 6-10 linked accounts (`org.accounts`, payer not included; `org.all_accounts`
  = payer + linked). One account id keeps a leading zero. Every account has account tags
  (`accountTag/owner`, `accountTag/business-unit` in the `tags` column) and most a cost category
  `business_unit`.
* **Regions.** 4-5 of us-east-1, us-west-2, eu-west-1, eu-central-1, ap-southeast-2. Usage types carry
  AWS's region prefix (`USE1-`, `USW2-`, `EU-` (sic, AWS's prefix for eu-west-1), `EUC1-`, `APS2-`),
  also for us-east-1. Prices are approximate public us-east-1 prices times a region factor.
* **Resources are independent of the generated periods.** Each resource has a lifetime (birth,
  death, in whole hours) and a schedule (always on, or weekdays 08:00-20:00 UTC). "Core" resources
  were created between 2016 and 2020 and never die; "churn" resources are born at evenly spaced
  (stratified) times between mid-2019 and 2031 and live a few weeks to months. The population is
  therefore stationary for billing periods between 2020-01 and 2030-12 (outside that window the
  row counts fall off). A few archetypes exist at any scale (a Spot c5, a Windows m5a, a Graviton
  m6g, a previous-generation m4; an Oracle, a SQL Server and a MySQL RDS; gp2/gp3/io1 volumes; x86
  and arm64 Lambda; ECS (x86) and EKS (ARM) Fargate; provisioned and on-demand DynamoDB; EKS and
  ECS container hosts; Route 53), so small samples still contain every kind of charge.
* **EBS snapshots** have a creation date (their birth): a "legacy" 3 % created before 2020 (always
  older than 12 months), rolling ones with lifetimes of 2-16 months, and monthly backup chains with
  90-day retention (so young snapshots always exist). The creation date is not written to the CUR
  (AWS does not write it); the answer key reports per period the snapshot cost created more than
  12 months before the period.
* **Commitments depend on an anchor period** (the last generated period, `anchor_period`):
  one Compute SP (No Upfront, 3yr, expires 20 days after the anchor month, 100 % used), one EC2
  Instance SP (r5 in us-west-2, Partial Upfront, 1yr, bought mid-month in anchor-1 so its upfront
  fee is in a generated period, partly used: its pool runs partly business hours only), one EC2 RI
  (m5.xlarge Linux us-east-1, No Upfront, standard 1yr, expires 50 days after the anchor month,
  100 % used), one EC2 RI (c5.2xlarge Linux eu-west-1, Partial Upfront, convertible 3yr, bought in
  anchor-2, partly used) and one RDS RI (db.r6g.large PostgreSQL us-east-1, All Upfront, 1yr, expires
  80 days after the anchor month, 4 reservations for one running instance: ~25 % used). RIs are
  applied first (to exactly matching instances, not size-flexible), then the EC2 Instance SP, then
  the Compute SP; a Savings Plan covers eligible usage in order of its savings percentage, and
  the usage line at the boundary of the hour's commitment is split into a covered part and an
  On-Demand remainder, as AWS does. Compute SPs cover EC2 (On-Demand, shared tenancy) and Fargate,
  not Lambda (Lambda is written at daily grain). Container hosts and Spot are never covered.
  Commitments are owned by the payer; their pools of matching instances are core resources.
* **Granularity.** With `line_items_per_month >= HOURLY_THRESHOLD` (40k) hourly-billed resources
  (EC2, Fargate, RDS instances, EKS clusters, SP recurring fees) get one row per hour; storage,
  requests, Lambda, DynamoDB, data transfer, other services and marketplace get one row per day.
  Below the threshold the whole export is written at DAILY granularity (as a CUR with
  `TIME_GRANULARITY = DAILY`): the fixed hourly structure (commitment pools and fee rows, container
  hosts and their split rows, ...) alone needs ~20k rows a month, which would leave no room for
  the rest of the organisation.
* **Scale.** The number of resources is calibrated so that a 730-hour month has about
  `line_items_per_month` CUR rows (months of 672-744 hours give proportionally fewer/more): an
  analytic estimate, refined below `DRY_RUN_BELOW` rows by dry simulations of the anchor period.
  Targets below 1000 are raised to 1000.
* **Tags.** ~20 % of resources are untagged (more in the sandbox); keys and values are
  inconsistent on purpose (`user_team`/`user_Team`, `user_cost_center`/`user_costcenter`,
  `user_environment`/`user_env`, `prod`/`Prod`/`production`). Data transfer rows carry their
  instance's tags; split-cost child rows their host's. 70 % of tagged resources have an IAM
  principal (`line_item_iam_principal`, on Usage rows).
* **EDP.** An Enterprise Discount Program rate of `EDP_RATE` applies to every AWS-billed charge
  except Tax, Credit, Refund and AWS Marketplace.
* **Products not modelled:** Spot price changes within a month, size-flexible RIs, Lambda and
  SageMaker under Savings Plans, capacity reservations, bundled/private-rate discounts.

`org.resource_catalogue(period)` and `org.spend_by_service(period)` run (or reuse) the period's
simulation in `cur.py`, so they describe exactly the charges written to the CUR.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pyarrow as pa

EDP_RATE = 0.05
HOURLY_THRESHOLD = 40_000
REF_HOURS = 730.0
MS_PER_HOUR = 3_600_000
INF_H = 2**40  # "never dies"
TERM_1Y_H = 365 * 24
TERM_3Y_H = 3 * 365 * 24
DEFAULT_ANCHOR = "2026-06"
INVOICING_ENTITY = "Amazon Web Services, Inc."
LEGAL_ENTITY = "Amazon Web Services, Inc."
REFERENCE_PERIOD = "2025-06"  # any period inside the stationary window; used to calibrate scale

# ------------------------------------------------------------------------------------------ time


def period_start(period: str) -> datetime:
    y, m = (int(x) for x in period.split("-"))
    return datetime(y, m, 1, tzinfo=UTC)


def add_months(period: str, n: int) -> str:
    y, m = (int(x) for x in period.split("-"))
    idx = y * 12 + (m - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def to_hours(dt: datetime) -> int:
    return int(dt.timestamp()) // 3600


def period_hours(period: str) -> tuple[int, int]:
    """(first hour, end hour) of the period, in hours since the epoch."""
    return to_hours(period_start(period)), to_hours(period_start(add_months(period, 1)))


def period_int(period: str) -> int:
    y, m = (int(x) for x in period.split("-"))
    return y * 100 + m


def iso_h(hours: int) -> str:
    return datetime.fromtimestamp(int(hours) * 3600, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _h(year: int, month: int, day: int = 1) -> int:
    return to_hours(datetime(year, month, day, tzinfo=UTC))


WINDOW_START_H = _h(2020, 1)
CHURN_FROM_H = _h(2019, 7)
CHURN_TO_H = _h(2031, 1)
CORE_FROM_H = _h(2016, 1)

# ------------------------------------------------------------------------------------------ hashing


def stable_int(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "little")


def rng_for(*parts: int) -> np.random.Generator:
    return np.random.default_rng([int(p) & 0xFFFFFFFF for p in parts] + [stable_int(*parts) & 0xFFFFFFFF])


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + _GOLD
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
_UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)


def hex_strings(keys: np.ndarray, n_chars: int, salt: int = 0) -> np.ndarray:
    """Deterministic lowercase hex strings (numpy unicode array) from integer keys."""
    h = splitmix64(np.asarray(keys, dtype=np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF))
    words = [h]
    while len(words) * 16 < n_chars:
        words.append(splitmix64(words[-1] ^ np.uint64(0x5851F42D4C957F2D)))
    nib = np.concatenate(
        [(w[:, None] >> (np.arange(16, dtype=np.uint64) * np.uint64(4))) & np.uint64(15) for w in words], axis=1
    )[:, :n_chars]
    chars = _HEX[nib.astype(np.int64)]
    return chars.view(f"S{n_chars}").ravel().astype(str)


def token(*parts, n: int = 16, alphabet: bytes = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    """Deterministic id-like token (e.g. SKUs)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=32).digest()
    return "".join(chr(alphabet[b % len(alphabet)]) for b in digest[:n])


def fmt_rate(x: float | None) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return f"{x:.10f}"


# ------------------------------------------------------------------------------------------ catalogue data

# code, usage-type prefix, location, price factor
REGIONS = [
    ("us-east-1", "USE1", "US East (N. Virginia)", 1.00),
    ("us-west-2", "USW2", "US West (Oregon)", 1.00),
    ("eu-west-1", "EU", "EU (Ireland)", 1.10),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 1.16),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)", 1.25),
]
REGION_WEIGHTS = [0.42, 0.22, 0.18, 0.11, 0.07]

# name, env, business unit (cost category), owner (account tag), default team, weight, tax rate
ACCOUNT_POOL = [
    ("prod-platform", "prod", "Platform", "platform-team", "platform", 3.0, 0.0625),
    ("prod-payments", "prod", "Payments", "payments-team", "payments", 2.0, 0.0625),
    ("prod-data", "prod", "Data", "data-team", "data", 2.5, 0.0625),
    ("staging", "staging", "Platform", "platform-team", "web", 1.0, 0.0825),
    ("dev-sandbox", "dev", None, "engineering", "web", 0.8, 0.0),
    ("shared-services", "prod", "Platform", "sre-team", "sre", 1.0, 0.0625),
    ("analytics", "prod", "Data", "bi-team", "data", 1.2, 0.0825),
    ("ml-research", "dev", "Data", "ml-team", "ml", 1.0, 0.0825),
    ("security-audit", "prod", None, "security-team", "security", 0.4, 0.0625),
    ("legacy-erp", "prod", "Finance", "finance-it", "finance-it", 0.8, 0.0825),
]
PAYER_NAME = "northwind-management"
PAYER_TAX_RATE = 0.0625

TEAMS = ["platform", "payments", "data", "web", "ml", "security", "sre", "finance-it"]
COST_CENTERS = ["CC-1001", "CC-1002", "CC-1003", "CC-1004", "CC-1005", "CC-1006", "CC-1007", "CC-1008"]
APPS = ["checkout", "ledger", "search", "recommender", "etl", "dashboard", "auth", "gateway", "erp",
        "data-lake", "ml-training", "billing"]
ENV_VALUES = {
    "prod": (["prod", "Prod", "production"], [0.6, 0.25, 0.15]),
    "staging": (["staging", "stage", "Staging"], [0.7, 0.2, 0.1]),
    "dev": (["dev", "development", "Dev"], [0.7, 0.2, 0.1]),
}

# EC2 family: (vendor, physical processor, current generation, class, GiB per vCPU, $/vCPU-hour Linux)
EC2_FAMILIES = {
    "m5": ("Intel", "Intel Xeon Platinum 8175", True, "General purpose", 4, 0.048),
    "c5": ("Intel", "Intel Xeon Platinum 8124M", True, "Compute optimized", 2, 0.0425),
    "r5": ("Intel", "Intel Xeon Platinum 8175", True, "Memory optimized", 8, 0.063),
    "m6i": ("Intel", "Intel Xeon 8375C (Ice Lake)", True, "General purpose", 4, 0.048),
    "c6i": ("Intel", "Intel Xeon 8375C (Ice Lake)", True, "Compute optimized", 2, 0.0425),
    "t3": ("Intel", "Intel Skylake E5 2686 v5", True, "General purpose", 2, 0.0208),
    "m5a": ("AMD", "AMD EPYC 7571", True, "General purpose", 4, 0.043),
    "c5a": ("AMD", "AMD EPYC 7R32", True, "Compute optimized", 2, 0.0385),
    "m6a": ("AMD", "AMD EPYC 7R13 Processor", True, "General purpose", 4, 0.0432),
    "r5a": ("AMD", "AMD EPYC 7571", True, "Memory optimized", 8, 0.0565),
    "m6g": ("Graviton", "AWS Graviton2 Processor", True, "General purpose", 4, 0.0385),
    "c7g": ("Graviton", "AWS Graviton3 Processor", True, "Compute optimized", 2, 0.03625),
    "r6g": ("Graviton", "AWS Graviton2 Processor", True, "Memory optimized", 8, 0.0504),
    "t4g": ("Graviton", "AWS Graviton2 Processor", True, "General purpose", 2, 0.0168),
    "m4": ("Intel", "Intel Xeon E5-2676 v3 (Haswell)", False, "General purpose", 4, 0.05),
    "c4": ("Intel", "Intel Xeon E5-2666 v3 (Haswell)", False, "Compute optimized", 1.875, 0.0497),
    "r4": ("Intel", "Intel Xeon E5-2686 v4 (Broadwell)", False, "Memory optimized", 7.625, 0.0665),
    "t2": ("Intel", "Intel Xeon Family", False, "General purpose", 2, 0.0232),
}
# size: (vCPU, normalization factor)
SIZES = {"medium": (2, 2.0), "large": (2, 4.0), "xlarge": (4, 8.0), "2xlarge": (8, 16.0), "4xlarge": (16, 32.0)}

GENERIC_TYPES = [
    ("m5.large", 6), ("m5.xlarge", 5), ("m5.2xlarge", 2), ("c5.large", 4), ("c5.xlarge", 4), ("c5.2xlarge", 1),
    ("r5.large", 3), ("r5.xlarge", 2), ("m6i.large", 4), ("m6i.xlarge", 3), ("c6i.xlarge", 2), ("t3.medium", 5),
    ("t3.large", 3), ("m5a.large", 3), ("m5a.xlarge", 2), ("c5a.large", 2), ("c5a.xlarge", 1), ("m6a.large", 3),
    ("m6a.xlarge", 2), ("r5a.large", 1), ("m6g.large", 4), ("m6g.xlarge", 3), ("c7g.large", 3), ("c7g.xlarge", 2),
    ("r6g.large", 3), ("r6g.xlarge", 1), ("t4g.medium", 3), ("m4.large", 3), ("m4.xlarge", 2), ("c4.large", 2),
    ("c4.xlarge", 1), ("t2.medium", 3), ("t2.large", 2), ("r4.large", 1),
]
HOST_TYPES = ["m5.2xlarge", "m6i.xlarge", "m6g.xlarge", "m5a.xlarge", "c6i.xlarge"]

# RDS: type -> (vCPU, GiB, vendor, physical processor, MySQL single-AZ $/h us-east-1, normalization factor)
RDS_TYPES = {
    "db.t3.medium": (2, 4, "Intel", "Intel Xeon Platinum 8175", 0.068, 2.0),
    "db.m5.large": (2, 8, "Intel", "Intel Xeon Platinum 8175", 0.171, 4.0),
    "db.m5.xlarge": (4, 16, "Intel", "Intel Xeon Platinum 8175", 0.342, 8.0),
    "db.r5.large": (2, 16, "Intel", "Intel Xeon Platinum 8175", 0.24, 4.0),
    "db.r5.xlarge": (4, 32, "Intel", "Intel Xeon Platinum 8175", 0.48, 8.0),
    "db.m6g.large": (2, 8, "Graviton", "AWS Graviton2 Processor", 0.152, 4.0),
    "db.r6g.large": (2, 16, "Graviton", "AWS Graviton2 Processor", 0.215, 4.0),
    "db.r6g.xlarge": (4, 32, "Graviton", "AWS Graviton2 Processor", 0.43, 8.0),
}
# engine -> (operation, license model, edition, price factor, open source, weight)
RDS_ENGINES = {
    "MySQL": ("CreateDBInstance:0002", "No license required", None, 1.0, True, 0.25),
    "PostgreSQL": ("CreateDBInstance:0014", "No license required", None, 1.04, True, 0.30),
    "Aurora PostgreSQL": ("CreateDBInstance:0021", "No license required", None, 1.21, True, 0.15),
    "Oracle": ("CreateDBInstance:0005", "License included", "Standard Two", 2.3, False, 0.17),
    "SQL Server": ("CreateDBInstance:0012", "License included", "Standard", 4.0, False, 0.13),
}

PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AWSDataTransfer": "AWS Data Transfer",
    "AmazonS3": "Amazon Simple Storage Service",
    "AmazonRDS": "Amazon Relational Database Service",
    "AWSLambda": "AWS Lambda",
    "AmazonECS": "Amazon Elastic Container Service",
    "AmazonEKS": "Amazon Elastic Kubernetes Service",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "awskms": "AWS Key Management Service",
    "AWSQueueService": "Amazon Simple Queue Service",
    "AmazonRoute53": "Amazon Route 53",
    "AWSSupportBusiness": "AWS Support (Business)",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
}
# FOCUS ServiceCategory / ServiceSubcategory per ServiceName (product name)
SERVICE_CATEGORY = {
    "Amazon Elastic Compute Cloud": ("Compute", "Virtual Machines"),
    "AWS Data Transfer": ("Networking", "Network Connectivity"),
    "Amazon Simple Storage Service": ("Storage", "Object Storage"),
    "Amazon Relational Database Service": ("Databases", "Relational Databases"),
    "AWS Lambda": ("Compute", "Serverless Compute"),
    "Amazon Elastic Container Service": ("Compute", "Containers"),
    "Amazon Elastic Kubernetes Service": ("Compute", "Containers"),
    "Amazon DynamoDB": ("Databases", "NoSQL Databases"),
    "AmazonCloudWatch": ("Management and Governance", "Observability"),
    "AWS Key Management Service": ("Security", "Secret Management"),
    "Amazon Simple Queue Service": ("Integration", "Messaging"),
    "Amazon Route 53": ("Networking", "Network Routing"),
    "AWS Support (Business)": ("Management and Governance", "Support"),
    "Savings Plans for AWS Compute usage": ("Compute", "Other (Compute)"),
    "Datadog Pro (Per Host)": ("Management and Governance", "Observability"),
}
MARKETPLACE = {
    "product_code": "6ng2q7n9hd0vkmpcrq3nlf4eq",
    "product_name": "Datadog Pro (Per Host)",
    "seller": "Datadog, Inc.",
    "rate": 0.031,
}

# internal resource kinds
K_EC2, K_FARGATE, K_RDS, K_EKS = 0, 1, 2, 3
K_EBS, K_SNAP, K_S3, K_LAMBDA, K_DDB, K_DT, K_MISC, K_MP = 10, 11, 12, 13, 14, 15, 16, 17
DAILY_LINES = 8

# ------------------------------------------------------------------------------------------ SKUs


@dataclass
class Sku:
    """One price-list entry (or a pseudo entry for fees, tax, credits, ...)."""

    key: tuple
    product_code: str
    servicecode: str
    product_name: str
    family: str | None
    usage_type: str | None
    operation: str | None
    region: str | None
    unit: str | None
    rate: float | None  # unblended rate (Spot: Spot price)
    od: float | None  # public On-Demand rate
    pmap: dict
    desc: str
    instance_type: str | None = None
    instance_family: str | None = None
    billing_entity: str = "AWS"
    legal_entity: str = LEGAL_ENTITY
    nf: float | None = None
    monthly: bool = False  # quantity is a per-month unit (GB-Mo ...): prorated by hours
    sigma: float = 0.0  # day-to-day noise of the quantity
    spot: bool = False
    processor: str | None = None
    os: str | None = None
    from_location: str | None = None
    from_location_type: str | None = None
    from_region: str | None = None
    to_location: str | None = None
    to_location_type: str | None = None
    to_region: str | None = None
    price_details: dict = field(default_factory=dict)
    sku_meter: str | None = None
    focus_resource_type: str | None = None
    sku_id: str = ""
    rate_code: str = ""
    rate_id: str = ""


class SkuTable:
    def __init__(self, regions: list[tuple]):
        self.items: list[Sku] = []
        self.index: dict[tuple, int] = {}
        self.regions = regions
        self.region_index = {r[0]: i for i, r in enumerate(regions)}
        self.products: list[str] = []
        self.product_index: dict[str, int] = {}

    def add(self, sku: Sku) -> int:
        if sku.key in self.index:
            return self.index[sku.key]
        sku.sku_id = token("sku", *sku.key, n=16)
        sku.rate_code = f"{sku.sku_id}.JRTCKXETXF.6YS6EN2CT7"
        sku.rate_id = str(stable_int("rate", *sku.key) % 10_000_000_000)
        self.index[sku.key] = len(self.items)
        self.items.append(sku)
        self.product(sku.product_code)
        return self.index[sku.key]

    def product(self, code: str) -> int:
        if code not in self.product_index:
            self.product_index[code] = len(self.products)
            self.products.append(code)
        return self.product_index[code]

    def freeze(self) -> None:
        """Numpy views of the numeric attributes (after all SKUs are added)."""
        it = self.items
        self.rate = np.array([s.rate if s.rate is not None else np.nan for s in it], dtype=np.float64)
        self.od = np.array([s.od if s.od is not None else np.nan for s in it], dtype=np.float64)
        self.nf = np.array([s.nf if s.nf is not None else np.nan for s in it], dtype=np.float64)
        self.monthly = np.array([s.monthly for s in it], dtype=bool)
        self.sigma = np.array([s.sigma for s in it], dtype=np.float64)
        self.spot = np.array([s.spot for s in it], dtype=bool)
        self.prod = np.array([self.product_index[s.product_code] for s in it], dtype=np.int32)
        self.region = np.array([self.region_index.get(s.region, -1) if s.region else -1 for s in it], np.int32)
        self.aws = np.array([s.billing_entity == "AWS" for s in it], dtype=bool)
        self.n = len(it)
        self._arrow = None

    # Arrow vocabularies (built once)
    def arrow(self) -> dict[str, pa.Array]:
        if self._arrow is not None:
            return self._arrow
        it = self.items
        cols = {
            "product_code": [s.product_code for s in it],
            "servicecode": [s.servicecode for s in it],
            "product_name": [s.product_name for s in it],
            "family": [s.family for s in it],
            "usage_type": [s.usage_type for s in it],
            "operation": [s.operation for s in it],
            "region": [s.region for s in it],
            "location": [self._location(s.region) for s in it],
            "location_type": ["AWS Region" if s.region else None for s in it],
            "unit": [s.unit for s in it],
            "instance_type": [s.instance_type for s in it],
            "instance_family": [s.instance_family for s in it],
            "sku_id": [s.sku_id for s in it],
            "from_location": [s.from_location for s in it],
            "from_location_type": [s.from_location_type for s in it],
            "from_region": [s.from_region for s in it],
            "to_location": [s.to_location for s in it],
            "to_location_type": [s.to_location_type for s in it],
            "to_region": [s.to_region for s in it],
            "billing_entity": [s.billing_entity for s in it],
            "legal_entity": [s.legal_entity for s in it],
            "sku_meter": [s.sku_meter for s in it],
            "focus_resource_type": [s.focus_resource_type for s in it],
            "service_category": [SERVICE_CATEGORY.get(s.product_name, ("Other", "Other (Other)"))[0] for s in it],
            "service_subcategory": [SERVICE_CATEGORY.get(s.product_name, ("Other", "Other (Other)"))[1] for s in it],
        }
        out = {k: pa.array(v, type=pa.string()) for k, v in cols.items()}
        map_t = pa.map_(pa.string(), pa.string())
        out["pmap"] = pa.array([sorted((k, v) for k, v in s.pmap.items() if v is not None) for s in it], type=map_t)
        out["price_details"] = pa.array(
            [sorted(s.price_details.items()) if s.price_details else None for s in it], type=map_t
        )
        self._arrow = out
        return out

    def _location(self, region: str | None) -> str | None:
        if not region:
            return None
        return self.regions[self.region_index[region]][2] if region in self.region_index else None


def _base_pmap(product_code: str, region_row: tuple | None, servicecode: str | None = None, **extra) -> dict:
    name = PRODUCT_NAMES.get(servicecode or product_code, product_code)
    m = {"product_name": name, "servicecode": servicecode or product_code, "servicename": name}
    if region_row is not None:
        m.update(region=region_row[0], location=region_row[2], location_type="AWS Region")
    m.update({k: (str(v) if v is not None else None) for k, v in extra.items()})
    return m


def ec2_type_info(itype: str) -> dict:
    fam, size = itype.split(".")
    vendor, proc, current, klass, gib_per_vcpu, per_vcpu = EC2_FAMILIES[fam]
    vcpu, nf = SIZES[size]
    if fam.startswith("t"):
        mem = {"medium": 4, "large": 8}[size]
        price = per_vcpu * vcpu * (1.0 if size == "medium" else 2.0)
    else:
        mem = gib_per_vcpu * vcpu
        price = per_vcpu * vcpu
    return dict(family=fam, size=size, vendor=vendor, proc=proc, current=current, klass=klass, vcpu=vcpu,
                mem=mem, nf=nf, linux_od=price)


def ec2_sku(t: SkuTable, itype: str, region: str, os_: str, spot: bool) -> int:
    key = ("ec2", itype, region, os_, spot)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    info = ec2_type_info(itype)
    linux = round(info["linux_od"] * rr[3], 4)
    od = round(linux + (0.046 * info["vcpu"] * rr[3] if os_ == "Windows" else 0.0), 4)
    spot_factor = 0.28 + 0.17 * ((stable_int("spot", itype, region) % 1000) / 1000.0)
    rate = round(od * spot_factor, 4) if spot else od
    ut = f"{rr[1]}-{'SpotUsage' if spot else 'BoxUsage'}:{itype}"
    op = "RunInstances:0002" if os_ == "Windows" else "RunInstances"
    mem = f"{info['mem']:g} GiB"
    pm = _base_pmap(
        "AmazonEC2", rr,
        instance_type_family=info["family"], vcpu=info["vcpu"], memory=mem, physical_processor=info["proc"],
        processor_architecture="64-bit", operating_system=os_, tenancy="Shared",
        license_model="License Included" if os_ == "Windows" else "No License required",
        pre_installed_sw="NA", capacitystatus="Used", current_generation="Yes" if info["current"] else "No",
        network_performance="Up to 10 Gigabit", storage="EBS only", normalization_size_factor=f"{info['nf']:g}",
        marketoption="Spot" if spot else "OnDemand",
    )
    osd = "Linux/UNIX" if os_ == "Linux" else "Windows"
    desc = (f"{itype} {osd} Spot Instance-hour in {rr[2]} in VPC Zone #1" if spot
            else f"${od:g} per On Demand {os_} {itype} Instance Hour")
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AmazonEC2", product_name=PRODUCT_NAMES["AmazonEC2"],
        family="Compute Instance", usage_type=ut, operation=op, region=region, unit="Hrs", rate=rate, od=od,
        pmap=pm, desc=desc, instance_type=itype, instance_family=info["klass"], nf=info["nf"], spot=spot,
        processor=info["vendor"], os=os_,
        price_details={"InstanceType": itype, "InstanceSeries": info["family"], "CoreCount": str(info["vcpu"]),
                       "MemorySize": f"{info['mem']:g}", "OperatingSystem": os_},
        sku_meter="Instance Hours", focus_resource_type="Instance",
    ))


def rds_sku(t: SkuTable, itype: str, region: str, engine: str, multi_az: bool) -> int:
    key = ("rds", itype, region, engine, multi_az)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    vcpu, mem, vendor, proc, base, nf = RDS_TYPES[itype]
    op, lic, edition, factor, _oss, _w = RDS_ENGINES[engine]
    od = round(base * factor * (2.0 if multi_az else 1.0) * rr[3], 4)
    dep = "Multi-AZ" if multi_az else "Single-AZ"
    ut = f"{rr[1]}-{'Multi-AZUsage' if multi_az else 'InstanceUsage'}:{itype}"
    pm = _base_pmap("AmazonRDS", rr, database_engine=engine, database_edition=edition, license_model=lic,
                    deployment_option=dep, instance_type_family=itype.split(".")[1], vcpu=vcpu,
                    memory=f"{mem} GiB", physical_processor=proc, current_generation="Yes",
                    normalization_size_factor=f"{nf:g}")
    return t.add(Sku(
        key=key, product_code="AmazonRDS", servicecode="AmazonRDS", product_name=PRODUCT_NAMES["AmazonRDS"],
        family="Database Instance", usage_type=ut, operation=op, region=region, unit="Hrs", rate=od, od=od, pmap=pm,
        desc=f"RDS {itype} {dep} instance hour (or partial hour) running {engine}", instance_type=itype,
        instance_family="Memory optimized" if ".r" in itype else "General purpose", nf=nf * (2 if multi_az else 1),
        processor=vendor,
        price_details={"InstanceType": itype, "CoreCount": str(vcpu), "MemorySize": str(mem)},
        sku_meter="Database Instance Hours", focus_resource_type="DB Instance",
    ))


# (usage-type suffix, operation, unit, price $/unit us-east-1, family, monthly unit, sigma, pmap extras, desc)
EBS_LINES = {
    "gp2": ("EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo", 0.10, "Storage", True, 0.0,
            dict(volume_api_name="gp2", volume_type="General Purpose", storage_media="SSD-backed"),
            "per GB-month of General Purpose SSD (gp2) provisioned storage"),
    "gp3": ("EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, "Storage", True, 0.0,
            dict(volume_api_name="gp3", volume_type="General Purpose", storage_media="SSD-backed"),
            "per GB-month of General Purpose (gp3) provisioned storage"),
    "io1": ("EBS:VolumeUsage.piops", "CreateVolume-P-IOPS", "GB-Mo", 0.125, "Storage", True, 0.0,
            dict(volume_api_name="io1", volume_type="Provisioned IOPS", storage_media="SSD-backed"),
            "per GB-month of Provisioned IOPS SSD (io1) provisioned storage"),
    "io1_iops": ("EBS:VolumeP-IOPS.piops", "CreateVolume-P-IOPS", "IOPS-Mo", 0.065, "System Operation", True, 0.0,
                 dict(volume_api_name="io1", group="EBS IOPS", volume_type="Provisioned IOPS"),
                 "per IOPS-month provisioned"),
    "gp3_iops": ("EBS:VolumeP-IOPS.gp3", "CreateVolume-Gp3", "IOPS-Mo", 0.005, "System Operation", True, 0.0,
                 dict(volume_api_name="gp3", group="EBS IOPS", volume_type="General Purpose"),
                 "per IOPS-month provisioned above 3000 IOPS"),
    "gp3_tp": ("EBS:VolumeP-Throughput.gp3", "CreateVolume-Gp3", "GiBps-mo", 40.96, "Provisioned Throughput",
               True, 0.0, dict(volume_api_name="gp3", group="EBS Throughput", volume_type="General Purpose"),
               "per GiBps-month of throughput provisioned above 125 MiBps"),
    "snap": ("EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", 0.05, "Storage Snapshot", True, 0.0,
             dict(storage_media="Amazon S3", usagetype_group="EBS Snapshots"),
             "per GB-Month of snapshot data stored"),
}


def ebs_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("ebs", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    ut, op, unit, price, fam, monthly, sigma, extra, desc = EBS_LINES[line]
    rate = round(price * rr[3], 6)
    vt = extra.get("volume_api_name")
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AmazonEC2", product_name=PRODUCT_NAMES["AmazonEC2"],
        family=fam, usage_type=f"{rr[1]}-{ut}", operation=op, region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap("AmazonEC2", rr, **extra), desc=f"${rate:g} {desc} - {rr[2]}", monthly=monthly,
        sigma=sigma, price_details={"DiskType": vt} if vt else {"StorageClass": "Snapshot"},
        sku_meter=unit, focus_resource_type="Snapshot" if line == "snap" else "Volume",
    ))


# S3: line -> (usage-type suffix, operation, unit, price, family, monthly, sigma, volume_type, storage_class)
S3_LINES = {
    "std": ("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023, "Storage", True, 0.0,
            "Standard", "General Purpose"),
    "sia": ("TimedStorage-SIA-ByteHrs", "StandardIAStorage", "GB-Mo", 0.0125, "Storage", True, 0.0,
            "Standard - Infrequent Access", "Infrequent Access"),
    "gir": ("TimedStorage-GIR-ByteHrs", "GlacierInstantRetrievalStorage", "GB-Mo", 0.004, "Storage", True, 0.0,
            "Glacier Instant Retrieval", "Archive Instant Retrieval"),
    "gda": ("TimedStorage-GDA-ByteHrs", "DeepArchiveStorage", "GB-Mo", 0.00099, "Storage", True, 0.0,
            "Glacier Deep Archive", "Archive"),
    "int_fa": ("TimedStorage-INT-FA-ByteHrs", "IntelligentTieringFAStorage", "GB-Mo", 0.023, "Storage", True, 0.0,
               "Intelligent-Tiering Frequent Access", "Intelligent-Tiering"),
    "int_ia": ("TimedStorage-INT-IA-ByteHrs", "IntelligentTieringIAStorage", "GB-Mo", 0.0125, "Storage", True, 0.0,
               "Intelligent-Tiering Infrequent Access", "Intelligent-Tiering"),
    "req1": ("Requests-Tier1", "PutObject", "Requests", 0.000005, "API Request", False, 0.5, None, None),
    "req2": ("Requests-Tier2", "GetObject", "Requests", 0.0000004, "API Request", False, 0.5, None, None),
    "ret_sia": ("Retrieval-SIA", "GetObject", "GB", 0.01, "Data Retrieval", False, 0.8, None, None),
}


def s3_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("s3", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    ut, op, unit, price, fam, monthly, sigma, vtype, sclass = S3_LINES[line]
    rate = round(price * rr[3], 10)
    pm = _base_pmap("AmazonS3", rr, volume_type=vtype, storage_class=sclass,
                    group="S3-API-Tier1" if line == "req1" else ("S3-API-Tier2" if line == "req2" else None))
    if line.startswith("req"):
        desc = f"${rate * 1000:g} per 1,000 {'PUT, COPY, POST, or LIST' if line == 'req1' else 'GET and all other'} requests"
    elif line == "ret_sia":
        desc = f"${rate:g} per GB - Standard-Infrequent Access retrieval fee"
    else:
        desc = f"${rate:g} per GB-Mo for {vtype} storage"
    return t.add(Sku(
        key=key, product_code="AmazonS3", servicecode="AmazonS3", product_name=PRODUCT_NAMES["AmazonS3"], family=fam,
        usage_type=f"{rr[1]}-{ut}", operation=op, region=region, unit=unit, rate=rate, od=rate, pmap=pm, desc=desc,
        monthly=monthly, sigma=sigma, price_details={"StorageClass": vtype} if vtype else {},
        sku_meter=fam, focus_resource_type="Bucket",
    ))


def lambda_sku(t: SkuTable, line: str, region: str, arm: bool) -> int:
    key = ("lambda", line, region, arm)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    sfx = "-ARM" if arm else ""
    arch = "arm64" if arm else "x86_64"
    if line == "gbs":
        price = 0.0000133334 if arm else 0.0000166667
        ut, unit, fam, sigma, grp = f"Lambda-GB-Second{sfx}", "Lambda-GB-Second", "Serverless", 0.6, "AWS-Lambda-Duration"
        desc = f"AWS Lambda - Total Compute ({'Arm' if arm else 'x86'}) - {rr[2]}"
    else:
        price = 0.0000002
        ut, unit, fam, sigma, grp = f"Request{sfx}", "Requests", "Serverless", 0.5, "AWS-Lambda-Requests"
        desc = f"AWS Lambda - Total Requests ({'Arm' if arm else 'x86'}) - {rr[2]}"
    rate = round(price * (1.0 if rr[3] < 1.2 else 1.1), 10)
    return t.add(Sku(
        key=key, product_code="AWSLambda", servicecode="AWSLambda", product_name=PRODUCT_NAMES["AWSLambda"],
        family=fam, usage_type=f"{rr[1]}-{ut}", operation="Invoke", region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap("AWSLambda", rr, group=grp, processor_architecture=arch), desc=desc, sigma=sigma,
        processor="Graviton" if arm else "Intel", price_details={"x_Architecture": arch}, sku_meter=grp,
        focus_resource_type="Function",
    ))


def fargate_sku(t: SkuTable, line: str, region: str, arm: bool, product: str) -> int:
    key = ("fargate", line, region, arm, product)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    a = "ARM-" if arm else ""
    if line == "vcpu":
        price = 0.03238 if arm else 0.04048
        ut, unit = f"Fargate-{a}vCPU-Hours:perCPU", "hours"
        desc = f"AWS Fargate - vCPU - {rr[2]}{' (ARM)' if arm else ''}"
    else:
        price = 0.00356 if arm else 0.004445
        ut, unit = f"Fargate-{a}GB-Hours", "GB-Hours"
        desc = f"AWS Fargate - Memory - {rr[2]}{' (ARM)' if arm else ''}"
    rate = round(price * rr[3], 8)
    return t.add(Sku(
        key=key, product_code=product, servicecode=product, product_name=PRODUCT_NAMES[product], family="Compute",
        usage_type=f"{rr[1]}-{ut}", operation="FargateTask", region=region, unit=unit, rate=rate, od=rate,
        pmap=_base_pmap(product, rr, cputype="ARM" if arm else "x86", operating_system="Linux",
                        tenancy="Shared"),
        desc=desc, processor="Graviton" if arm else "Intel", os="Linux",
        price_details={"x_CpuArchitecture": "ARM" if arm else "x86"}, sku_meter="Fargate " + line,
        focus_resource_type="Service" if product == "AmazonECS" else "Pod",
    ))


def ddb_sku(t: SkuTable, line: str, region: str) -> int:
    key = ("ddb", line, region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    spec = {
        "rcu": ("ReadCapacityUnit-Hrs", "CommittedThroughput", "ReadCapacityUnit-Hrs", 0.00013, "Provisioned IOPS", 0.0),
        "wcu": ("WriteCapacityUnit-Hrs", "CommittedThroughput", "WriteCapacityUnit-Hrs", 0.00065, "Provisioned IOPS", 0.0),
        "rru": ("ReadRequestUnits", "PayPerRequestThroughput", "ReadRequestUnits", 0.00000025,
                "Amazon DynamoDB PayPerRequest Throughput", 0.5),
        "wru": ("WriteRequestUnits", "PayPerRequestThroughput", "WriteRequestUnits", 0.00000125,
                "Amazon DynamoDB PayPerRequest Throughput", 0.5),
        "storage": ("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.25, "Database Storage", 0.0),
    }[line]
    ut, op, unit, price, fam, sigma = spec
    rate = round(price * rr[3], 10)
    return t.add(Sku(
        key=key, product_code="AmazonDynamoDB", servicecode="AmazonDynamoDB",
        product_name=PRODUCT_NAMES["AmazonDynamoDB"], family=fam, usage_type=f"{rr[1]}-{ut}", operation=op,
        region=region, unit=unit, rate=rate, od=rate, pmap=_base_pmap("AmazonDynamoDB", rr, group=ut),
        desc=f"${rate:g} per {unit} for {ut} in {rr[2]}", monthly=(line == "storage"), sigma=sigma,
        sku_meter=ut, focus_resource_type="Table",
    ))


def dt_sku(t: SkuTable, line: str, region: str, to_region: str | None = None) -> int:
    key = ("dt", line, region, to_region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    if line == "out":
        ut, op, price, ttype = "DataTransfer-Out-Bytes", "RunInstances", 0.09, "AWS Outbound"
        to_loc, to_type, to_code = "External", "Other", None
        desc = f"$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier"
    elif line == "interregion":
        tr = t.regions[t.region_index[to_region]]
        ut, op, price, ttype = f"{tr[1]}-AWS-Out-Bytes", "RunInstances", 0.02, "InterRegion Outbound"
        ut = f"{rr[1]}-{tr[1]}-AWS-Out-Bytes"
        to_loc, to_type, to_code = tr[2], "AWS Region", tr[0]
        desc = f"$0.02 per GB - {rr[2]} data transfer to {tr[2]}"
    else:
        ut, op, price, ttype = "DataTransfer-Regional-Bytes", "InterZone-Out", 0.01, "IntraRegion"
        to_loc, to_type, to_code = rr[2], "AWS Region", rr[0]
        desc = "$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB"
    if not ut.startswith(rr[1]):
        ut = f"{rr[1]}-{ut}"
    pm = _base_pmap("AmazonEC2", rr, servicecode="AWSDataTransfer", transfer_type=ttype,
                    from_location=rr[2], to_location=to_loc)
    return t.add(Sku(
        key=key, product_code="AmazonEC2", servicecode="AWSDataTransfer",
        product_name=PRODUCT_NAMES["AWSDataTransfer"], family="Data Transfer", usage_type=ut, operation=op,
        region=region, unit="GB", rate=price, od=price, pmap=pm, desc=desc, sigma=0.7,
        from_location=rr[2], from_location_type="AWS Region", from_region=rr[0], to_location=to_loc,
        to_location_type=to_type, to_region=to_code, sku_meter="Data Transfer", focus_resource_type="Instance",
    ))


MISC_SERVICES = {
    # product: (usage-type, operation, unit, $/unit-hour equivalent, family, sigma, global)
    "AmazonCloudWatch": ("CW:MetricMonitorUsage", "MetricStorage", "Metrics", 0.3 / 730, "Metric", 0.1, False),
    "awskms": ("KMS-Keys", "CreateKey", "Keys", 1.0 / 730, "Encryption Key", 0.0, False),
    "AWSQueueService": ("Requests-Tier1", "GetQueueAttributes", "Requests", 0.0000004, "API Request", 0.4, False),
    "AmazonRoute53": ("HostedZone", "HostedZone", "HostedZone", 0.5 / 730, "DNS Zone", 0.0, True),
}


def misc_sku(t: SkuTable, product: str, region: str) -> int:
    ut, op, unit, price, fam, sigma, glob = MISC_SERVICES[product]
    key = ("misc", product, None if glob else region)
    if key in t.index:
        return t.index[key]
    rr = None if glob else t.regions[t.region_index[region]]
    return t.add(Sku(
        key=key, product_code=product, servicecode=product, product_name=PRODUCT_NAMES[product], family=fam,
        usage_type=ut if glob else f"{rr[1]}-{ut}", operation=op, region=None if glob else region, unit=unit,
        rate=round(price, 10), od=round(price, 10), pmap=_base_pmap(product, rr), sigma=sigma,
        desc=f"{PRODUCT_NAMES[product]} {unit}", monthly=False, sku_meter=unit,
    ))


def eks_cluster_sku(t: SkuTable, region: str) -> int:
    key = ("eks", region)
    if key in t.index:
        return t.index[key]
    rr = t.regions[t.region_index[region]]
    return t.add(Sku(
        key=key, product_code="AmazonEKS", servicecode="AmazonEKS", product_name=PRODUCT_NAMES["AmazonEKS"],
        family="Compute", usage_type=f"{rr[1]}-AmazonEKS-Hours:perCluster", operation="CreateOperation",
        region=region, unit="Hours", rate=0.10, od=0.10, pmap=_base_pmap("AmazonEKS", rr, tenancy="Shared"),
        desc="Amazon EKS cluster usage", sku_meter="Cluster Hours", focus_resource_type="Cluster",
    ))


def marketplace_sku(t: SkuTable) -> int:
    mp = MARKETPLACE
    key = ("mp",)
    if key in t.index:
        return t.index[key]
    rr = t.regions[0]
    return t.add(Sku(
        key=key, product_code=mp["product_code"], servicecode=mp["product_code"], product_name=mp["product_name"],
        family=None, usage_type=f"{rr[1]}-MP:HostHrs", operation="Hourly", region=rr[0], unit="Hrs",
        rate=mp["rate"], od=mp["rate"],
        pmap={"product_name": mp["product_name"], "region": rr[0], "location": rr[2], "location_type": "AWS Region"},
        desc=f"${mp['rate']:g} per host-hour of {mp['product_name']}", billing_entity="AWS Marketplace",
        legal_entity=mp["seller"], sku_meter="Host Hours",
    ))


def product_sku(t: SkuTable, product_code: str) -> int:
    """Pseudo SKU for rows that only name a product (Tax, Credit, Refund, EdpDiscount)."""
    key = ("product", product_code)
    if key in t.index:
        return t.index[key]
    if product_code == MARKETPLACE["product_code"]:
        name, be, le = MARKETPLACE["product_name"], "AWS Marketplace", MARKETPLACE["seller"]
    else:
        name, be, le = PRODUCT_NAMES.get(product_code, product_code), "AWS", LEGAL_ENTITY
    return t.add(Sku(
        key=key, product_code=product_code, servicecode=product_code, product_name=name, family=None,
        usage_type=None, operation=None, region=None, unit=None, rate=None, od=None,
        pmap={"product_name": name, "servicecode": product_code}, desc=name, billing_entity=be, legal_entity=le,
    ))


def support_sku(t: SkuTable) -> int:
    key = ("support",)
    if key in t.index:
        return t.index[key]
    name = PRODUCT_NAMES["AWSSupportBusiness"]
    return t.add(Sku(
        key=key, product_code="AWSSupportBusiness", servicecode="AWSSupportBusiness", product_name=name,
        family="Support", usage_type="Dollar", operation=None, region=None, unit="Dollar", rate=None, od=None,
        pmap={"product_name": name, "servicecode": "AWSSupportBusiness", "servicename": name},
        desc="AWS Support (Business)", sku_meter="Support",
    ))


# ------------------------------------------------------------------------------------------ commitments


@dataclass
class Commitment:
    idx: int
    arn: str
    kind: str  # "SavingsPlan" | "ReservedInstance"
    name: str  # short label
    offering: str  # SP: ComputeSavingsPlans/EC2InstanceSavingsPlans; RI: standard/convertible
    payment_option: str  # "No Upfront" | "Partial Upfront" | "All Upfront"
    term: str  # "1yr" | "3yr"
    start_h: int
    end_h: int
    product_code: str
    region: str | None
    instance_family: str | None = None
    instance_type: str | None = None
    n: int = 0  # RI: number of reservations
    hourly: float = 0.0  # SP: hourly commitment H; RI: effective cost per reservation-hour
    upfront: float = 0.0  # total upfront payment
    upfront_hourly: float = 0.0  # SP: H x upfront share; RI: per reservation-hour
    recurring_hourly: float = 0.0  # SP: H x (1 - upfront share); RI: per reservation-hour
    nf: float = 0.0  # RI normalization factor
    fee_sku: int = -1
    subscription_id: str = ""
    target_utilisation: str = ""
    sp_rate: np.ndarray | None = None  # per SKU (NaN = not eligible)
    engine: str | None = None
    os: str | None = None

    @property
    def term_hours(self) -> int:
        return self.end_h - self.start_h

    @property
    def payment_key(self) -> str:
        return self.payment_option.replace(" ", "")


SP_DISCOUNT = {"C1": 0.50, "EI": 0.40}


def _family_factor(fam: str) -> float:
    return 0.9 + 0.2 * ((stable_int("spfam", fam) % 1000) / 1000.0)


def sp_rates(t: SkuTable, c: Commitment, base_discount: float) -> np.ndarray:
    """SP rate per SKU for the SKUs this plan may cover (NaN elsewhere)."""
    out = np.full(len(t.items), np.nan)
    for i, s in enumerate(t.items):
        if s.key[0] == "ec2" and not s.spot:
            itype, region, os_ = s.key[1], s.key[2], s.key[3]
            fam = itype.split(".")[0]
            if c.offering == "EC2InstanceSavingsPlans" and not (fam == c.instance_family and region == c.region):
                continue
            info = ec2_type_info(itype)
            rr = t.regions[t.region_index[region]]
            linux = round(info["linux_od"] * rr[3], 4)
            d = base_discount * _family_factor(fam)
            out[i] = round(linux * (1.0 - d) + (s.od - linux), 8)
        elif s.key[0] == "fargate" and c.offering == "ComputeSavingsPlans":
            out[i] = round(s.od * (1.0 - 0.9 * base_discount), 8)
    return out


# ------------------------------------------------------------------------------------------ organisation


@dataclass
class Account:
    account_id: str
    name: str
    env: str = "prod"
    business_unit: str | None = None
    owner: str = ""
    team: str = ""
    weight: float = 1.0
    tax_rate: float = 0.0


@dataclass
class Organisation:
    seed: int
    line_items_per_month: int
    anchor_period: str
    granularity: str
    scale: float
    payer_account_id: str
    payer_account_name: str
    accounts: list[Account]
    all_accounts: list[Account]
    regions: list[tuple]
    skus: SkuTable
    hr: dict  # hourly resources: name -> numpy array (or list)
    dr: dict  # daily resources
    commitments: list[Commitment]
    tag_profiles: list[dict]
    iam_principals: list[str]
    pods: dict  # host resource -> pod ids
    cache: dict = field(default_factory=dict)

    @property
    def slot_hours(self) -> int:
        return 1 if self.granularity == "HOURLY" else 24

    @property
    def edp_daily(self) -> bool:
        return self.granularity == "HOURLY" and self.line_items_per_month >= 100_000

    def invoice_id(self, period: str) -> str:
        return str(1_000_000_000 + stable_int("invoice", self.seed, self.payer_account_id, period) % 8_999_999_999)

    def account_index(self, account_id: str) -> int:
        return next(i for i, a in enumerate(self.all_accounts) if a.account_id == account_id)

    # ---- contract for the COH / carbon generators
    def simulate(self, period: str, revision: int | None = None) -> dict:
        """The period's simulation result (cached): catalogue, spend, answer-key fragment.

        `revision=None` means the revision last written for that period (0 if none)."""
        if revision is None:
            revision = self.cache.get("_current", {}).get(period, 0)
        key = (period, revision)
        if key not in self.cache:
            from infralyzer.exports.generate import cur  # lazy: cur imports this module

            sim = cur.PeriodSim(self, period, revision)
            for _ in sim.blocks():
                pass
            self.cache[key] = sim.result()
        return self.cache[key]

    def resource_catalogue(self, period: str, revision: int | None = None) -> pl.DataFrame:
        """One row per resource with usage charges in the period (columns: `catalogue_schema()`).

        Resources are EC2 instances, EBS volumes and snapshots, S3 buckets, RDS instances, Lambda
        functions, DynamoDB tables, Fargate services and EKS clusters (data transfer, other services
        and marketplace rows have no catalogue entry). Sums over the resource's Usage,
        DiscountedUsage and SavingsPlanCoveredUsage rows of the CUR (negation and split-cost rows
        excluded, data transfer excluded): `public_on_demand_cost` = sum of
        `pricing_public_on_demand_cost`, `unblended_cost` = sum of `line_item_unblended_cost` (so 0
        for RI-covered hours and the On-Demand cost for SP-covered hours). `purchase_option` is the
        option with the largest usage amount; `instance_type` is the EC2/RDS instance type or the
        EBS volume type; `processor` is the vendor of EC2, RDS, Fargate and Lambda; `tags` is a JSON
        string of the `resource_tags` map (`user_` keys) or null when untagged."""
        return self.simulate(period, revision)["catalogue"]

    def spend_by_service(self, period: str, revision: int | None = None) -> pl.DataFrame:
        """Usage spend (Usage, DiscountedUsage, SavingsPlanCoveredUsage; AWS-billed; negation and split
        rows excluded) by account, region (null for global services) and product code."""
        return self.simulate(period, revision)["spend"]

    def accounts_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {"account_id": [a.account_id for a in self.all_accounts], "name": [a.name for a in self.all_accounts]}
        )


# ------------------------------------------------------------------------------------------ building


def _lifetimes(rng, n: int, core_share: float, life_mean_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(birth, death, core) for n resources: core ones (born 2016-2020, never die) first."""
    n_core = int(round(n * core_share))
    birth = np.empty(n, dtype=np.int64)
    death = np.empty(n, dtype=np.int64)
    birth[:n_core] = rng.integers(CORE_FROM_H, WINDOW_START_H, n_core)
    death[:n_core] = INF_H
    m = n - n_core
    if m:
        span = CHURN_TO_H - CHURN_FROM_H
        b = CHURN_FROM_H + ((np.arange(m) + rng.random(m)) * span / m).astype(np.int64)
        life = (life_mean_h * rng.uniform(0.25, 1.75, m)).astype(np.int64) + 1
        birth[n_core:] = b
        death[n_core:] = b + life
    core = np.zeros(n, dtype=bool)
    core[:n_core] = True
    return birth, death, core


def _churn_births(n_alive: float, life_mean_h: float) -> int:
    """How many churn resources to create so that ~n_alive are alive at any time."""
    return int(round(n_alive * (CHURN_TO_H - CHURN_FROM_H) / life_mean_h))


class _Builder:
    """Draws the resource population for a given scale k (deterministic in (seed, k))."""

    def __init__(self, seed: int, k: float, n_regions: int, accounts: list[Account], regions: list[tuple],
                 granularity: str):
        self.seed, self.k = seed, k
        self.rng = rng_for(seed, 2, int(k * 1000))
        self.accounts = accounts  # all accounts, payer first
        self.linked = accounts[1:]
        self.regions = regions
        self.granularity = granularity
        self.t = SkuTable(regions)
        self.hr: dict[str, list] = {}
        self.dr: dict[str, list] = {}
        self.hr_parts: list[dict] = []
        self.dr_parts: list[dict] = []
        w = np.array([a.weight for a in self.linked])
        self.acct_p = w / w.sum()
        rw = np.array(REGION_WEIGHTS[: len(regions)])
        self.region_p = rw / rw.sum()

    def n(self, c: float, lo: int = 1) -> int:
        return max(lo, int(round(c * self.k)))

    def pick_accounts(self, n: int) -> np.ndarray:
        return 1 + self.rng.choice(len(self.linked), size=n, p=self.acct_p)

    def pick_regions(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.regions), size=n, p=self.region_p)

    def az(self, region_idx: np.ndarray) -> np.ndarray:
        return region_idx * 3 + self.rng.integers(0, 3, len(region_idx))

    # ---------------------------------------------------------------- hourly resources
    def hourly(self, kind, acct, region, az, birth, death, sched, sku0, q0, sku1=None, q1=None, ri=-1, sp_ok=True,
               host=0, role="generic", core=None, **extra):
        n = len(acct)
        part = dict(
            kind=np.full(n, kind, np.int8), acct=np.asarray(acct, np.int16), region=np.asarray(region, np.int16),
            az=np.asarray(az, np.int32), birth=np.asarray(birth, np.int64), death=np.asarray(death, np.int64),
            sched=np.asarray(sched, np.int8),
            sku=np.stack([np.asarray(sku0, np.int32),
                          np.asarray(sku1 if sku1 is not None else np.full(n, -1), np.int32)], axis=1),
            q=np.stack([np.asarray(q0, np.float64),
                        np.asarray(q1 if q1 is not None else np.zeros(n), np.float64)], axis=1),
            ri=np.full(n, ri, np.int16) if np.isscalar(ri) else np.asarray(ri, np.int16),
            sp_ok=np.full(n, sp_ok, bool) if np.isscalar(sp_ok) else np.asarray(sp_ok, bool),
            host=np.full(n, host, np.int8) if np.isscalar(host) else np.asarray(host, np.int8),
            role=np.full(n, role, object),
            core=np.asarray(core if core is not None else (death >= INF_H), bool),
        )
        for key, v in extra.items():
            part[key] = np.asarray(v)
        self.hr_parts.append(part)

    def ec2_population(self, n: int, core_share: float, life_h: float, types=None, type_w=None,
                       windows_p=0.12, spot_p=0.12, bh_core=0.15, bh_churn=0.35, role="generic"):
        rng = self.rng
        birth, death, core = _lifetimes(rng, n, core_share, life_h)
        types = types or [t for t, _ in GENERIC_TYPES]
        w = np.array(type_w or [wt for _, wt in GENERIC_TYPES], dtype=float)
        ti = rng.choice(len(types), size=n, p=w / w.sum())
        acct = self.pick_accounts(n)
        reg = self.pick_regions(n)
        az = self.az(reg)
        grav = np.array([EC2_FAMILIES[types[i].split(".")[0]][0] == "Graviton" for i in ti])
        win = (rng.random(n) < windows_p) & ~grav
        spot = (rng.random(n) < spot_p) & ~win
        if role == "generic":  # archetypes present at any scale: Spot, Windows AMD, Graviton, previous generation
            for j, (itype, w, sp) in enumerate([("c5.large", False, True), ("m5a.large", True, False),
                                                ("m6g.large", False, False), ("m4.large", False, False)]):
                if j < n and core[j]:
                    ti[j], win[j], spot[j] = types.index(itype), w, sp
        sched = np.where(core, rng.random(n) < bh_core, rng.random(n) < bh_churn).astype(np.int8)
        sku = np.array([ec2_sku(self.t, types[ti[i]], self.regions[reg[i]][0], "Windows" if win[i] else "Linux",
                                bool(spot[i])) for i in range(n)], dtype=np.int32)
        self.hourly(K_EC2, acct, reg, az, birth, death, sched, sku, np.ones(n), role=role, core=core,
                    sp_ok=~spot)
        return dict(birth=birth, death=death, core=core, acct=acct, reg=reg, az=az, sku=sku, sched=sched, spot=spot)

    def build(self):
        rng, k = self.rng, self.k
        life_ec2 = 24 * 120.0
        n_alive_churn = 0.22 * k
        n_core = self.n(1.0, 4)
        n_churn = _churn_births(n_alive_churn, life_ec2) if k >= 2 else 0
        pop = self.ec2_population(n_core + n_churn, n_core / max(1, n_core + n_churn), life_ec2)
        self.generic = pop
        reg_idx = {r[0]: i for i, r in enumerate(self.regions)}
        acct_by_name = {a.name: i for i, a in enumerate(self.accounts)}

        def acct_named(name: str, fallback: int) -> int:
            return acct_by_name.get(name, fallback)

        core_birth = lambda m: rng.integers(CORE_FROM_H, WINDOW_START_H, m)  # noqa: E731
        # --- RI / SP pools (core, dedicated), all shared tenancy Linux
        self.pool = {}
        for name, itype, region, acct_name, n_ao, n_bh, os_ in [
            ("RI-A", "m5.xlarge", "us-east-1", "prod-platform", self.n(0.03), 0, "Linux"),
            ("RI-B", "c5.2xlarge", "eu-west-1", "prod-data", self.n(0.02), self.n(0.02), "Linux"),
            ("SP-EI", "r5.xlarge", "us-west-2", "prod-payments", self.n(0.04), self.n(0.04), "Linux"),
        ]:
            m = n_ao + n_bh
            ri_i = reg_idx[region]
            a = acct_named(acct_name, 1)
            sku = ec2_sku(self.t, itype, region, os_, False)
            if name == "SP-EI":  # mixed sizes and OS inside the EC2 Instance SP family
                skus = [ec2_sku(self.t, ("r5.large", "r5.xlarge", "r5.2xlarge")[j % 3], region,
                                "Windows" if j % 5 == 4 else "Linux", False) for j in range(m)]
            else:
                skus = [sku] * m
            sched = np.array([0] * n_ao + [1] * n_bh, np.int8)
            self.hourly(K_EC2, np.full(m, a), np.full(m, ri_i), self.az(np.full(m, ri_i)), core_birth(m),
                        np.full(m, INF_H), sched, skus, np.ones(m), role=name, core=np.ones(m, bool))
            self.pool[name] = (n_ao, n_bh, skus)
        # --- container hosts (never covered by commitments) with EKS / ECS split cost allocation
        n_hosts = self.n(0.08, 2)
        hi = rng.integers(0, len(HOST_TYPES), n_hosts)
        h_acct = self.pick_accounts(n_hosts)
        h_reg = self.pick_regions(n_hosts)
        h_spot = rng.random(n_hosts) < 0.5
        host_kind = np.where(rng.random(n_hosts) < 0.7, 1, 2).astype(np.int8)  # 1 EKS, 2 ECS
        host_kind[0], host_kind[1] = 1, 2
        h_spot[0], h_spot[1] = True, False
        h_sku = [ec2_sku(self.t, HOST_TYPES[hi[i]], self.regions[h_reg[i]][0], "Linux", bool(h_spot[i]))
                 for i in range(n_hosts)]
        npods = rng.integers(2, 5, n_hosts).astype(np.int16)
        npods[:2] = 2
        util = rng.uniform(0.55, 0.9, n_hosts)
        self.hourly(K_EC2, h_acct, h_reg, self.az(h_reg), core_birth(n_hosts), np.full(n_hosts, INF_H),
                    np.zeros(n_hosts, np.int8), h_sku, np.ones(n_hosts), host=host_kind, sp_ok=False,
                    role="host", core=np.ones(n_hosts, bool), npods=npods, util=util)
        # --- EKS clusters (one per account x region with EKS hosts)
        clusters = sorted({(int(h_acct[i]), int(h_reg[i])) for i in range(n_hosts) if host_kind[i] == 1})
        if clusters:
            m = len(clusters)
            ca = np.array([c[0] for c in clusters])
            cr = np.array([c[1] for c in clusters])
            self.hourly(K_EKS, ca, cr, np.full(m, -1), core_birth(m), np.full(m, INF_H), np.zeros(m, np.int8),
                        [eks_cluster_sku(self.t, self.regions[r][0]) for r in cr], np.ones(m), sp_ok=False,
                        role="eks", core=np.ones(m, bool))
        # --- Fargate services (ECS and EKS), some ARM
        nf = self.n(0.12, 2)
        fb, fd, fcore = _lifetimes(rng, nf, max(0.8, 2 / nf), 24 * 200.0)
        f_acct = self.pick_accounts(nf)
        f_reg = self.pick_regions(nf)
        arm = rng.random(nf) < 0.25
        arm[0], arm[1] = False, True
        prod = np.where(rng.random(nf) < 0.7, "AmazonECS", "AmazonEKS")
        prod[0], prod[1] = "AmazonECS", "AmazonEKS"  # both kinds even in a tiny organisation
        vcpu = rng.choice([0.25, 0.5, 1.0, 2.0, 4.0], nf, p=[0.15, 0.3, 0.3, 0.15, 0.1])
        gb = vcpu * rng.choice([2.0, 4.0, 8.0], nf)
        tasks = rng.integers(1, 4, nf)
        f_sched = (rng.random(nf) < 0.2).astype(np.int8)
        f_sched[0], f_sched[1] = 0, 1  # the EKS one runs business hours only
        self.hourly(
            K_FARGATE, f_acct, f_reg, np.full(nf, -1), fb, fd, f_sched,
            [fargate_sku(self.t, "vcpu", self.regions[f_reg[i]][0], bool(arm[i]), prod[i]) for i in range(nf)],
            vcpu * tasks,
            [fargate_sku(self.t, "gb", self.regions[f_reg[i]][0], bool(arm[i]), prod[i]) for i in range(nf)],
            gb * tasks, role="fargate", core=fcore,
        )
        # --- RDS instances
        nr = self.n(0.12, 3)
        rb, rd, rcore = _lifetimes(rng, nr, max(0.85, 3 / nr), 24 * 240.0)
        r_acct = self.pick_accounts(nr)
        r_reg = self.pick_regions(nr)
        engines = list(RDS_ENGINES)
        ew = np.array([RDS_ENGINES[e][5] for e in engines])
        eng = rng.choice(len(engines), nr, p=ew / ew.sum())
        eng[:3] = [engines.index("Oracle"), engines.index("SQL Server"), engines.index("MySQL")]
        rtypes = list(RDS_TYPES)
        r_sku, r_az = [], []
        multi = rng.random(nr) < 0.3
        for i in range(nr):
            e = engines[eng[i]]
            choices = [t for t in rtypes if RDS_ENGINES[e][4] or RDS_TYPES[t][2] != "Graviton"]
            if e == "Aurora PostgreSQL":
                choices = [t for t in choices if ".r" in t]
            itype = choices[rng.integers(0, len(choices))]
            r_sku.append(rds_sku(self.t, itype, self.regions[r_reg[i]][0], e, bool(multi[i])))
        r_az = np.where(multi, -1, self.az(r_reg))
        self.hourly(K_RDS, r_acct, r_reg, r_az, rb, rd, np.zeros(nr, np.int8), r_sku, np.ones(nr), sp_ok=False,
                    role="rds", core=rcore)
        # RDS RI pool
        n_rp = self.n(0.02)
        ue1 = reg_idx["us-east-1"]
        rp_sku = rds_sku(self.t, "db.r6g.large", "us-east-1", "PostgreSQL", False)
        self.hourly(K_RDS, np.full(n_rp, acct_named("prod-payments", 1)), np.full(n_rp, ue1),
                    self.az(np.full(n_rp, ue1)), core_birth(n_rp), np.full(n_rp, INF_H),
                    np.zeros(n_rp, np.int8), np.full(n_rp, rp_sku), np.ones(n_rp), sp_ok=False, role="RI-RDS",
                    core=np.ones(n_rp, bool))
        self.pool["RI-RDS"] = (n_rp, 0, [rp_sku])
        self._build_daily()

    # ---------------------------------------------------------------- daily resources
    def daily(self, kind, acct, region, az, birth, death, skus, base, core=None, **extra):
        n = len(acct)
        part = dict(
            kind=np.full(n, kind, np.int8), acct=np.asarray(acct, np.int16), region=np.asarray(region, np.int16),
            az=np.asarray(az, np.int32), birth=np.asarray(birth, np.int64), death=np.asarray(death, np.int64),
            sku=np.asarray(skus, np.int32), base=np.asarray(base, np.float64),
            core=np.asarray(core if core is not None else (np.asarray(death) >= INF_H), bool),
        )
        for key, v in extra.items():
            part[key] = np.asarray(v)
        self.dr_parts.append(part)

    def _lines(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full((n, DAILY_LINES), -1, np.int32), np.zeros((n, DAILY_LINES), np.float64)

    def _build_daily(self):
        rng, t = self.rng, self.t
        # --- EBS volumes: one root volume per EC2 instance (incl. pools and hosts), 25 % a data volume
        ec2 = [p for p in self.hr_parts if p["kind"][0] == K_EC2]
        acct = np.concatenate([p["acct"] for p in ec2])
        reg = np.concatenate([p["region"] for p in ec2])
        az = np.concatenate([p["az"] for p in ec2])
        birth = np.concatenate([p["birth"] for p in ec2])
        death = np.concatenate([p["death"] for p in ec2])
        n_inst = len(acct)
        data = rng.random(n_inst) < 0.25
        idx = np.concatenate([np.arange(n_inst), np.nonzero(data)[0]])
        is_data = np.concatenate([np.zeros(n_inst, bool), np.ones(int(data.sum()), bool)])
        n_std = max(3, int(round(0.05 * self.k)))  # standalone (often unattached) volumes
        nv = len(idx) + n_std
        v_acct = np.concatenate([acct[idx], self.pick_accounts(n_std)])
        v_reg = np.concatenate([reg[idx], self.pick_regions(n_std)])
        v_az = np.concatenate([az[idx], np.zeros(n_std, np.int32)])
        v_az[len(idx):] = self.az(v_reg[len(idx):])
        sb, sd, _ = _lifetimes(rng, n_std, max(0.6, 3 / n_std), 24 * 150.0)
        v_birth = np.concatenate([birth[idx], sb])
        v_death = np.concatenate([death[idx], sd])
        # 10 % of data volumes outlive their instance (detached) by 1-6 months
        outlive = np.concatenate([is_data & (rng.random(len(idx)) < 0.1), np.zeros(n_std, bool)])
        finite = v_death < INF_H
        v_death = np.where(outlive & finite, v_death + rng.integers(720, 4320, nv), v_death)
        vtype = np.where(np.concatenate([is_data, np.ones(n_std, bool)]),
                         rng.choice(3, nv, p=[0.4, 0.45, 0.15]), rng.choice(2, nv, p=[0.6, 0.4]))
        size = np.where(np.concatenate([is_data, np.ones(n_std, bool)]),
                        np.round(np.exp(rng.normal(5.5, 0.9, nv))).clip(50, 4000),
                        rng.choice([8, 20, 30, 50, 100], nv)).astype(float)
        iops = np.where(vtype == 2, rng.integers(10, 100, nv) * 100, np.where(
            (vtype == 1) & (rng.random(nv) < 0.3), rng.integers(31, 80, nv) * 100, 3000)).astype(float)
        tput = np.where((vtype == 1) & (rng.random(nv) < 0.2), rng.choice([250, 500], nv), 125).astype(float)
        j0 = len(idx)
        vtype[j0:j0 + 3] = [0, 1, 2]
        iops[j0 + 1], tput[j0 + 1], iops[j0 + 2] = 6000.0, 250.0, 4000.0
        skus, base = self._lines(nv)
        names = ["gp2", "gp3", "io1"]
        for i in range(nv):
            region = self.regions[v_reg[i]][0]
            vt = names[vtype[i]]
            skus[i, 0] = ebs_sku(t, vt, region)
            base[i, 0] = size[i]
            j = 1
            if vt == "io1":
                skus[i, j], base[i, j] = ebs_sku(t, "io1_iops", region), iops[i]
                j += 1
            if vt == "gp3" and iops[i] > 3000:
                skus[i, j], base[i, j] = ebs_sku(t, "gp3_iops", region), iops[i] - 3000
                j += 1
            if vt == "gp3" and tput[i] > 125:
                skus[i, j], base[i, j] = ebs_sku(t, "gp3_tp", region), (tput[i] - 125) / 1024.0
        self.daily(K_EBS, v_acct, v_reg, v_az, v_birth, v_death, skus, base,
                   core=v_death >= INF_H, vtype=vtype, size=size,
                   attached=np.concatenate([np.ones(len(idx), bool), np.zeros(n_std, bool)]))
        # --- EBS snapshots: legacy (created before 2020, kept) and rolling
        ns = self.n(3.0)
        n_leg = max(1, int(round(ns * 0.03)))
        m = ns - n_leg
        life = 24 * 30.0 * rng.uniform(2, 16, m)
        span = CHURN_TO_H - _h(2018, 1)
        b = _h(2018, 1) + ((np.arange(m) + rng.random(m)) * span / m).astype(np.int64)
        s_birth = np.concatenate([rng.integers(_h(2015, 1), WINDOW_START_H, n_leg), b])
        s_death = np.concatenate([np.full(n_leg, INF_H), b + life.astype(np.int64)])
        n_chain = max(1, int(round(0.02 * self.k)))
        step, keep = 730, 24 * 90
        per = (CHURN_TO_H - CHURN_FROM_H) // step
        cb = (CHURN_FROM_H + rng.integers(0, step, n_chain)[:, None] + np.arange(per)[None, :] * step).ravel()
        s_birth = np.concatenate([s_birth, cb])
        s_death = np.concatenate([s_death, cb + keep])
        ns = len(s_birth)
        s_acct = self.pick_accounts(ns)
        s_reg = self.pick_regions(ns)
        skus, base = self._lines(ns)
        for i in range(ns):
            skus[i, 0] = ebs_sku(t, "snap", self.regions[s_reg[i]][0])
        base[:, 0] = np.round(np.exp(rng.normal(4.0, 1.0, ns))).clip(1, 2000)
        self.daily(K_SNAP, s_acct, s_reg, np.full(ns, -1), s_birth, s_death, skus, base)
        # --- S3 buckets
        nb = self.n(0.3)
        bb, bd, bcore = _lifetimes(rng, nb, 0.85, 24 * 300.0)
        b_acct = self.pick_accounts(nb)
        b_reg = self.pick_regions(nb)
        skus, base = self._lines(nb)
        std_gb = np.exp(rng.normal(5.3, 1.4, nb))
        for i in range(nb):
            region = self.regions[b_reg[i]][0]
            lines = [("std", std_gb[i])]
            if rng.random() < 0.4:
                lines.append(("sia", std_gb[i] * rng.uniform(0.3, 3)))
            if rng.random() < 0.15:
                lines.append(("gir", std_gb[i] * rng.uniform(0.5, 5)))
            if rng.random() < 0.15:
                lines.append(("gda", std_gb[i] * rng.uniform(2, 20)))
            if rng.random() < 0.2:
                lines.append(("int_fa", std_gb[i] * rng.uniform(0.2, 1)))
                lines.append(("int_ia", std_gb[i] * rng.uniform(0.2, 2)))
            lines.append(("req1", np.exp(rng.normal(6.5, 1.3))))
            lines.append(("req2", np.exp(rng.normal(8.5, 1.3))))
            if any(x[0] == "sia" for x in lines):
                lines.append(("ret_sia", np.exp(rng.normal(-1.5, 1.0))))
            for j, (line, q) in enumerate(lines[:DAILY_LINES]):
                skus[i, j], base[i, j] = s3_sku(t, line, region), q
        self.daily(K_S3, b_acct, b_reg, np.full(nb, -1), bb, bd, skus, base, core=bcore)
        # --- Lambda functions
        nl = self.n(0.5, 2)
        lb, ld, lcore = _lifetimes(rng, nl, max(0.85, 2 / nl), 24 * 180.0)
        l_acct = self.pick_accounts(nl)
        l_reg = self.pick_regions(nl)
        arm = rng.random(nl) < 0.3
        arm[0], arm[1] = True, False
        skus, base = self._lines(nl)
        base[:, 0] = np.exp(rng.normal(6.0, 1.3, nl))
        base[:, 1] = np.exp(rng.normal(8.0, 1.3, nl))
        for i in range(nl):
            region = self.regions[l_reg[i]][0]
            skus[i, 0] = lambda_sku(t, "gbs", region, bool(arm[i]))
            skus[i, 1] = lambda_sku(t, "req", region, bool(arm[i]))
        self.daily(K_LAMBDA, l_acct, l_reg, np.full(nl, -1), lb, ld, skus, base, core=lcore, arm=arm,
                   memory=rng.choice([128, 256, 512, 1024, 2048], nl))
        # --- DynamoDB tables
        nd = self.n(0.15, 2)
        db, dd, dcore = _lifetimes(rng, nd, max(0.85, 2 / nd), 24 * 300.0)
        d_acct = self.pick_accounts(nd)
        d_reg = self.pick_regions(nd)
        prov = rng.random(nd) < 0.5
        prov[0], prov[1] = True, False
        skus, base = self._lines(nd)
        for i in range(nd):
            region = self.regions[d_reg[i]][0]
            if prov[i]:
                skus[i, 0], base[i, 0] = ddb_sku(t, "rcu", region), float(rng.integers(5, 500))
                skus[i, 1], base[i, 1] = ddb_sku(t, "wcu", region), float(rng.integers(5, 200))
            else:
                skus[i, 0], base[i, 0] = ddb_sku(t, "rru", region), float(np.exp(rng.normal(9, 1.5)))
                skus[i, 1], base[i, 1] = ddb_sku(t, "wru", region), float(np.exp(rng.normal(7.5, 1.5)))
            skus[i, 2], base[i, 2] = ddb_sku(t, "storage", region), float(np.exp(rng.normal(2.5, 1.3)))
        self.daily(K_DDB, d_acct, d_reg, np.full(nd, -1), db, dd, skus, base, core=dcore)
        # --- data transfer of generic On-Demand instances (30 %), keyed by the instance id
        g = self.generic
        sel = np.nonzero(rng.random(len(g["acct"])) < 0.3)[0]
        if len(sel) == 0 or not g["core"][sel].any():  # at least one long-lived instance with data transfer
            sel = np.union1d(sel, np.nonzero(g["core"])[0][:1])
        ndt = len(sel)
        skus, base = self._lines(ndt)
        nreg = len(self.regions)
        for j, i in enumerate(sel):
            region = self.regions[g["reg"][i]][0]
            skus[j, 0], base[j, 0] = dt_sku(t, "out", region), float(np.exp(rng.normal(-1.0, 1.2)))
            c = 1
            if rng.random() < 0.4:
                other = self.regions[(g["reg"][i] + 1 + rng.integers(0, nreg - 1)) % nreg][0]
                skus[j, c], base[j, c] = dt_sku(t, "interregion", region, other), float(np.exp(rng.normal(-1.5, 1)))
                c += 1
            if rng.random() < 0.5:
                skus[j, c], base[j, c] = dt_sku(t, "interaz", region), float(np.exp(rng.normal(-0.5, 1)))
        self.daily(K_DT, g["acct"][sel], g["reg"][sel], g["az"][sel], g["birth"][sel], g["death"][sel], skus, base,
                   core=g["core"][sel], generic_index=sel)
        # --- other services per (account, region), no resource id
        combos = [(a, r, p) for a in range(1, len(self.accounts)) for r in range(len(self.regions))
                  for p in MISC_SERVICES if not (MISC_SERVICES[p][6] and r > 0)]
        nm = min(len(combos), self.n(0.15, 4))
        pick = rng.choice(len(combos), nm, replace=False)
        r53 = next(i for i, c in enumerate(combos) if c[2] == "AmazonRoute53")
        if r53 not in pick:
            pick[0] = r53
        skus, base = self._lines(nm)
        m_acct = np.array([combos[i][0] for i in pick])
        m_reg = np.array([combos[i][1] for i in pick])
        for j, i in enumerate(pick):
            a, r, p = combos[i]
            skus[j, 0] = misc_sku(t, p, self.regions[r][0])
            base[j, 0] = {"AmazonCloudWatch": 40.0, "awskms": 6.0, "AWSQueueService": 20000.0,
                          "AmazonRoute53": 2.0}[p] * float(np.exp(rng.normal(0, 0.7)))
        self.daily(K_MISC, m_acct, m_reg, np.full(nm, -1), np.full(nm, CORE_FROM_H), np.full(nm, INF_H), skus, base)
        # --- marketplace subscription (one or two accounts)
        nmp = 2 if len(self.linked) > 6 else 1
        skus, base = self._lines(nmp)
        skus[:, 0] = marketplace_sku(t)
        base[:, 0] = np.maximum(1.0, np.round(self.k * rng.uniform(0.05, 0.15, nmp)))  # monitored hosts
        self.daily(K_MP, np.arange(1, nmp + 1), np.zeros(nmp, int), np.full(nmp, -1), np.full(nmp, CORE_FROM_H),
                   np.full(nmp, INF_H), skus, base)

    # ---------------------------------------------------------------- assemble
    @staticmethod
    def _concat(parts: list[dict]) -> dict:
        keys = set().union(*(p.keys() for p in parts))
        out = {}
        n = sum(len(p["kind"]) for p in parts)
        for k in keys:
            arrs = []
            for p in parts:
                if k in p:
                    arrs.append(p[k])
                else:
                    m = len(p["kind"])
                    ref = next(q[k] for q in parts if k in q)
                    fill = np.zeros((m,) + ref.shape[1:], dtype=ref.dtype)
                    if ref.dtype.kind in "iu":
                        fill[...] = -1 if k not in ("npods",) else 0
                    elif ref.dtype.kind == "f":
                        fill[...] = np.nan if k not in ("util",) else 0.0
                    elif ref.dtype.kind == "O":
                        fill[...] = None
                    arrs.append(fill)
            out[k] = np.concatenate(arrs)
        assert all(len(v) == n for v in out.values())
        return out


def _make_accounts(seed: int) -> tuple[str, list[Account]]:
    rng = rng_for(seed, 1)
    n_linked = int(rng.integers(6, 11))
    ids = set()
    accounts = []
    payer_id = f"{int(rng.integers(10**11, 10**12)):012d}"
    ids.add(payer_id)
    accounts.append(Account(payer_id, PAYER_NAME, "prod", None, "finops-team", "sre", 0.0, PAYER_TAX_RATE))
    for i in range(n_linked):
        name, env, bu, owner, team, w, tax = ACCOUNT_POOL[i]
        while True:
            aid = f"{int(rng.integers(10**10, 10**11)):012d}" if i == 1 else f"{int(rng.integers(10**11, 10**12)):012d}"
            if aid not in ids:
                break
        ids.add(aid)
        accounts.append(Account(aid, name, env, bu, owner, team, w, tax))
    return payer_id, accounts


def _tag_profiles(rng, accounts: list[Account], acct: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Per resource a tag profile index; profile 0 = untagged."""
    n = len(acct)
    env_of = np.array([["prod", "staging", "dev"].index(accounts[a].env) for a in acct])
    untag_p = np.array([0.45 if accounts[a].name == "dev-sandbox" else (0.1 if accounts[a].env == "prod" and
                        accounts[a].name.startswith("prod") else 0.2) for a in acct])
    untagged = rng.random(n) < untag_p
    team_default = np.array([TEAMS.index(accounts[a].team) if accounts[a].team in TEAMS else 0 for a in acct])
    team = np.where(rng.random(n) < 0.7, team_default, rng.integers(0, len(TEAMS), n))
    team_key = (rng.random(n) < 0.15).astype(int)
    has_cc = rng.random(n) < 0.85
    cc = np.where(rng.random(n) < 0.9, team, rng.integers(0, len(COST_CENTERS), n))
    cc_key = (rng.random(n) < 0.2).astype(int)
    has_env = rng.random(n) < 0.9
    env_key = (rng.random(n) < 0.25).astype(int)
    env_val = np.empty(n, dtype=np.int64)
    for e, name in enumerate(["prod", "staging", "dev"]):
        m = env_of == e
        vals, p = ENV_VALUES[name]
        env_val[m] = e * 10 + rng.choice(len(vals), int(m.sum()), p=p)
    has_app = rng.random(n) < 0.7
    app = rng.integers(0, len(APPS), n)
    code = np.stack([
        np.where(untagged, -1, team), team_key, np.where(has_cc, cc, -1), cc_key, np.where(has_env, env_val, -1),
        env_key, np.where(has_app, app, -1),
    ], axis=1)
    code[untagged] = -1
    uniq, inv = np.unique(code, axis=0, return_inverse=True)
    profiles = []
    for row in uniq:
        t, tk, c, ck, ev, ek, ap = (int(x) for x in row)
        d: dict[str, str] = {}
        if t >= 0:
            d["user_Team" if tk else "user_team"] = TEAMS[t]
            if c >= 0:
                d["user_costcenter" if ck else "user_cost_center"] = COST_CENTERS[c]
            if ev >= 0:
                vals, _ = ENV_VALUES[["prod", "staging", "dev"][ev // 10]]
                d["user_env" if ek else "user_environment"] = vals[ev % 10]
            if ap >= 0:
                d["user_application"] = APPS[ap]
        profiles.append(d)
    # make the empty profile index 0
    order = sorted(range(len(profiles)), key=lambda i: (len(profiles[i]) > 0, i))
    remap = np.empty(len(order), np.int64)
    remap[np.array(order)] = np.arange(len(order))
    profiles = [profiles[i] for i in order]
    if not profiles or profiles[0]:
        profiles.insert(0, {})
        remap += 1
    return remap[inv.ravel()].astype(np.int32), profiles


def _estimate_rows(b: _Builder, hourly: bool, edp_daily: bool, cover_units: float) -> float:
    """Expected CUR rows of a 730-hour month (alive fractions taken at REFERENCE_PERIOD).

    `cover_units` = Savings-Plan-covered usage lines per slot (each adds a negation row)."""
    p0, p1 = period_hours(REFERENCE_PERIOD)
    ph = p1 - p0
    hr = _Builder._concat(b.hr_parts)
    dr = _Builder._concat(b.dr_parts)
    slots = REF_HOURS if hourly else REF_HOURS / 24
    alive = np.clip(np.minimum(hr["death"], p1) - np.maximum(hr["birth"], p0), 0, None) / ph
    sched = np.where(hr["sched"] == 1, (60 / 168) if hourly else (5 / 7), 1.0)
    lines = (hr["sku"] >= 0).sum(axis=1)
    pods = np.where(hr["host"] > 0, hr["npods"], 0) if "npods" in hr else 0
    rows = float((alive * sched * (lines + pods)).sum() * slots)
    rows += cover_units * slots + 2 * 2 * slots  # negations; per SP a fee row and a boundary split per slot
    dalive = np.clip(np.minimum(dr["death"], p1) - np.maximum(dr["birth"], p0), 0, None) / ph
    dlines = (dr["sku"] >= 0).sum(axis=1)
    rows += float((dalive * dlines).sum() * REF_HOURS / 24)
    pairs = set()
    for part in (hr, dr):
        al = np.clip(np.minimum(part["death"], p1) - np.maximum(part["birth"], p0), 0, None) > 0
        prod = np.array([b.t.items[s].product_code if s >= 0 else "" for s in part["sku"][al].ravel()])
        acc = np.repeat(part["acct"][al], part["sku"].shape[1])
        pairs.update(zip(acc.tolist(), prod.tolist()))
    n_pairs = len([p for p in pairs if p[1]]) + 3
    n_acct = len(b.accounts)
    rows += 3 + 2 + n_acct + n_pairs + 5 + n_pairs * ((REF_HOURS / 24) if edp_daily else 1)
    return rows


def build_organisation(seed: int, line_items_per_month: int, anchor_period: str | None = None) -> Organisation:
    """The organisation for (seed, line_items_per_month); commitments are placed relative to
    `anchor_period` (the last generated billing period; default DEFAULT_ANCHOR)."""
    anchor = anchor_period or DEFAULT_ANCHOR
    target = max(1000, int(line_items_per_month))
    granularity = "HOURLY" if target >= HOURLY_THRESHOLD else "DAILY"
    payer_id, all_accounts = _make_accounts(seed)
    rng0 = rng_for(seed, 3)
    n_regions = int(rng0.integers(4, 6))
    regions = REGIONS[:n_regions]
    edp_daily = granularity == "HOURLY" and target >= 100_000

    def trial(k: float) -> tuple[_Builder, float]:
        b = _Builder(seed, k, n_regions, all_accounts, regions, granularity)
        b.build()
        g = b.generic
        core_ao = int((g["core"] & (g["sched"] == 0) & ~g["spot"]).sum())
        ei_ao, ei_bh, _ = b.pool["SP-EI"]
        cover = 0.35 * core_ao + ei_ao + 0.5 * ei_bh
        return b, _estimate_rows(b, granularity == "HOURLY", edp_daily, cover)

    per_k_guess = 1800.0 if granularity == "HOURLY" else 260.0
    k = max(0.5, target / per_k_guess)
    best = None
    for _ in range(7):
        b, est = trial(k)
        err = abs(est - target) / target
        if best is None or err < best[2]:
            best = (b, k, err, est)
        if err < 0.02:
            break
        k_new = k * target / max(est, 1.0)
        k = max(0.3, 0.5 * k + 0.5 * k_new) if est > 0 else k * 2
    b, k, _err, _est = best
    org = _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b)
    if target >= DRY_RUN_BELOW:
        return org
    # Small organisations: fixed rows (commitments near the anchor, minimum counts) dominate, so the
    # scale is refined with a dry simulation of the anchor period (cheap at this size).
    tried = []
    for _ in range(5):
        rows = _dry_rows(org)
        err = abs(rows - target) / target
        tried.append((err, k, org))
        if err < 0.03:
            break
        k = max(0.3, k * (target / rows) ** (1.0 if len(tried) < 3 else 0.6))
        b, _ = trial(k)
        org = _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b)
    return min(tried, key=lambda x: x[0])[2]


DRY_RUN_BELOW = 300_000


def _dry_rows(org: "Organisation") -> float:
    """CUR rows of the anchor period, scaled to a 730-hour month."""
    from infralyzer.exports.generate import cur  # lazy: cur imports this module

    sim = cur.PeriodSim(org, org.anchor_period, 0)
    for _ in sim.blocks():
        pass
    return sim.row_count * REF_HOURS / sim.ph


def _finish(seed, target, anchor, granularity, k, payer_id, all_accounts, regions, b: _Builder) -> Organisation:
    rng = rng_for(seed, 4)
    t = b.t
    hr = _Builder._concat(b.hr_parts)
    dr = _Builder._concat(b.dr_parts)
    # commitments ----------------------------------------------------------------
    a0, a1 = period_hours(anchor)
    commitments: list[Commitment] = []
    payer = payer_id

    def sp_arn(label):
        u = token("sp", seed, label, n=32, alphabet=b"0123456789abcdef")
        return f"arn:aws:savingsplans::{payer}:savingsplan/{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"

    def ri_ec2_arn(label, region):
        u = token("ri", seed, label, n=32, alphabet=b"0123456789abcdef")
        return f"arn:aws:ec2:{region}:{payer}:reserved-instances/{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"

    def hour_of(base_h: int, days: int, hour: int) -> int:
        return base_h + days * 24 + hour

    hr["ri"] = np.full(len(hr["kind"]), -1, np.int16)
    role = hr["role"]
    # RI-A: m5.xlarge us-east-1 No Upfront standard 1yr, expires 50 days after the anchor month
    n_a = int((role == "RI-A").sum())
    end_a = hour_of(a1, 50, 0)
    sku_a = b.pool["RI-A"][2][0]
    od_a = t.items[sku_a].od
    ri_a = Commitment(0, ri_ec2_arn("RI-A", "us-east-1"), "ReservedInstance", "RI-A", "standard", "No Upfront", "1yr",
                      end_a - TERM_1Y_H, end_a, "AmazonEC2", "us-east-1", "m5", "m5.xlarge", n=n_a,
                      nf=8.0, target_utilisation="100% used", os="Linux")
    ri_a.recurring_hourly = round(od_a * 0.63, 6)
    ri_a.upfront_hourly = 0.0
    ri_a.hourly = ri_a.recurring_hourly
    commitments.append(ri_a)
    # RI-B: c5.2xlarge eu-west-1 Partial Upfront convertible 3yr, bought in anchor-2
    n_ao, n_bh, skus_b = b.pool["RI-B"]
    start_b = hour_of(period_hours(add_months(anchor, -2))[0], 5, 13)
    od_b = t.items[skus_b[0]].od
    eff_b = od_b * 0.5
    ri_b = Commitment(1, ri_ec2_arn("RI-B", "eu-west-1"), "ReservedInstance", "RI-B", "convertible",
                      "Partial Upfront", "3yr", start_b, start_b + TERM_3Y_H, "AmazonEC2", "eu-west-1", "c5",
                      "c5.2xlarge", n=n_ao + (n_bh + 1) // 2, nf=16.0, target_utilisation="partly used", os="Linux")
    ri_b.upfront = round(eff_b * 0.5 * TERM_3Y_H, 2)  # per reservation
    ri_b.upfront_hourly = ri_b.upfront / TERM_3Y_H
    ri_b.recurring_hourly = round(eff_b * 0.5, 6)
    ri_b.hourly = ri_b.upfront_hourly + ri_b.recurring_hourly
    commitments.append(ri_b)
    # RI-RDS: db.r6g.large PostgreSQL us-east-1 All Upfront 1yr, 4 reservations per running instance
    n_rp = int((role == "RI-RDS").sum())
    end_r = hour_of(a1, 80, 0)
    od_r = t.items[b.pool["RI-RDS"][2][0]].od
    ri_r = Commitment(2, "", "ReservedInstance", "RI-RDS", "standard", "All Upfront", "1yr", end_r - TERM_1Y_H,
                      end_r, "AmazonRDS", "us-east-1", "r6g", "db.r6g.large", n=4 * n_rp, nf=4.0,
                      target_utilisation="largely unused", engine="PostgreSQL")
    ri_r.arn = f"arn:aws:rds:us-east-1:{payer}:ri:{token('rdsri', seed, n=12, alphabet=b'abcdefghijklmnopqrstuvwxyz').lower()}-pg-r6g"
    ri_r.upfront = round(od_r * 0.58 * TERM_1Y_H, 2)
    ri_r.upfront_hourly = ri_r.upfront / TERM_1Y_H
    ri_r.recurring_hourly = 0.0
    ri_r.hourly = ri_r.upfront_hourly
    commitments.append(ri_r)
    for c, label in ((ri_a, "RI-A"), (ri_b, "RI-B"), (ri_r, "RI-RDS")):
        hr["ri"][role == label] = c.idx
    # SP-EI: EC2 Instance SP r5 us-west-2 Partial Upfront 1yr, bought mid-month in anchor-1
    start_ei = hour_of(period_hours(add_months(anchor, -1))[0], 14, 9)
    sp_ei = Commitment(3, sp_arn("SP-EI"), "SavingsPlan", "SP-EI", "EC2InstanceSavingsPlans", "Partial Upfront",
                       "1yr", start_ei, start_ei + TERM_1Y_H, "ComputeSavingsPlans", "us-west-2", "r5",
                       target_utilisation="partly used")
    sp_ei.sp_rate = sp_rates(t, sp_ei, SP_DISCOUNT["EI"])
    ei_mask = role == "SP-EI"
    ei_cost = sp_ei.sp_rate[hr["sku"][ei_mask, 0]]
    ei_ao = ei_cost[hr["sched"][ei_mask] == 0].sum()
    ei_bh = ei_cost[hr["sched"][ei_mask] == 1].sum()
    sp_ei.hourly = max(0.001, round(ei_ao + 0.5 * ei_bh, 3))
    commitments.append(sp_ei)
    # SP-C1: Compute SP No Upfront 3yr, expires 20 days after the anchor month, always fully used
    end_c1 = hour_of(a1, 20, 0)
    sp_c1 = Commitment(4, sp_arn("SP-C1"), "SavingsPlan", "SP-C1", "ComputeSavingsPlans", "No Upfront", "3yr",
                       end_c1 - TERM_3Y_H, end_c1, "ComputeSavingsPlans", None, target_utilisation="100% used")
    sp_c1.sp_rate = sp_rates(t, sp_c1, SP_DISCOUNT["C1"])
    gen = (role == "generic") & hr["core"] & (hr["sched"] == 0) & hr["sp_ok"]
    base_cost = np.nansum(sp_c1.sp_rate[hr["sku"][gen, 0]])
    sp_c1.hourly = max(0.001, round(0.35 * base_cost, 3))
    commitments.append(sp_c1)
    for c in commitments:
        if c.kind == "SavingsPlan":
            share = {"No Upfront": 0.0, "Partial Upfront": 0.5, "All Upfront": 1.0}[c.payment_option]
            c.upfront_hourly = c.hourly * share
            c.recurring_hourly = c.hourly - c.upfront_hourly
            c.upfront = round(c.upfront_hourly * c.term_hours, 10)
            label = "ComputeSP" if c.offering == "ComputeSavingsPlans" else "EC2InstanceSP"
            c.fee_sku = t.add(Sku(
                key=("spfee", c.idx), product_code="ComputeSavingsPlans", servicecode="ComputeSavingsPlans",
                product_name=PRODUCT_NAMES["ComputeSavingsPlans"], family=None,
                usage_type=f"{label}:{c.term}{c.payment_key}", operation=None, region=None, unit="Hrs",
                rate=c.recurring_hourly, od=None,
                pmap={"product_name": PRODUCT_NAMES["ComputeSavingsPlans"], "servicecode": "ComputeSavingsPlans",
                      "purchase_option": c.payment_option, "term": c.term},
                desc=f"{c.term} {c.payment_option} {'Compute' if label == 'ComputeSP' else 'EC2 Instance'} "
                     f"Savings Plan", sku_meter="Savings Plan Commitment", focus_resource_type="Savings Plan",
            ))
        else:
            s = t.items[b.pool[c.name][2][0]]
            rr = regions[[r[0] for r in regions].index(c.region)]
            ut = f"{rr[1]}-HeavyUsage:{c.instance_type}"
            osd = "Linux/UNIX (Amazon VPC)" if c.product_code == "AmazonEC2" else f"{c.engine}, Single-AZ"
            c.fee_sku = t.add(Sku(
                key=("rifee", c.idx), product_code=c.product_code, servicecode=c.product_code,
                product_name=PRODUCT_NAMES[c.product_code], family=s.family, usage_type=ut, operation=s.operation,
                region=c.region, unit="Hrs", rate=c.recurring_hourly, od=None, pmap=dict(s.pmap),
                desc=f"USD {c.recurring_hourly:g} hourly fee per {osd}, {c.instance_type} instance",
                instance_type=c.instance_type, instance_family=s.instance_family, nf=c.nf,
                processor=s.processor, os=s.os, sku_meter="Reserved Instance", focus_resource_type="Reserved Instance",
            ))
        c.subscription_id = str(stable_int("sub", seed, c.name) % 10_000_000_000)
    # pseudo SKUs for non-usage rows
    for code in list(t.products) + ["AWSSupportBusiness", "ComputeSavingsPlans"]:
        product_sku(t, code)
    support_sku(t)
    t.freeze()
    for c in commitments:  # SKUs added after the rates were computed are not eligible
        if c.sp_rate is not None and len(c.sp_rate) < t.n:
            c.sp_rate = np.concatenate([c.sp_rate, np.full(t.n - len(c.sp_rate), np.nan)])
    # tags, IAM principals -------------------------------------------------------------
    all_acct = np.concatenate([hr["acct"], dr["acct"]])
    prof_idx, profiles = _tag_profiles(rng, all_accounts, all_acct)
    nh = len(hr["kind"])
    hr["tag"] = prof_idx[:nh]
    dr["tag"] = prof_idx[nh:]
    # data transfer rows carry their instance's tags
    if "generic_index" in dr:
        gidx = dr["generic_index"]
        dt_rows = np.nonzero(dr["kind"] == K_DT)[0]
        generic_rows = np.nonzero(hr["role"] == "generic")[0]
        dr["tag"][dt_rows] = hr["tag"][generic_rows[gidx[dt_rows]]]
    iam = [f"arn:aws:iam::{a.account_id}:role/{team}-deployer" for a in all_accounts for team in TEAMS]
    def principals(acct, tag):
        n = len(acct)
        team_of = np.array([next((TEAMS.index(v) for kk, v in profiles[p].items() if kk.lower() == "user_team"),
                                  -1) for p in tag]) if n else np.zeros(0, int)
        has = (rng.random(n) < 0.7) & (team_of >= 0)
        return np.where(has, acct.astype(np.int64) * len(TEAMS) + np.maximum(team_of, 0), -1).astype(np.int32)
    hr["iam"] = principals(hr["acct"], hr["tag"])
    dr["iam"] = principals(dr["acct"], dr["tag"])
    # resource ids ----------------------------------------------------------------------
    _resource_ids(seed, hr, dr, all_accounts, regions, t)
    pods = _pod_ids(seed, hr, all_accounts, regions)
    org = Organisation(
        seed=seed, line_items_per_month=target, anchor_period=anchor, granularity=granularity, scale=k,
        payer_account_id=payer, payer_account_name=PAYER_NAME, accounts=all_accounts[1:], all_accounts=all_accounts,
        regions=regions, skus=t, hr=hr, dr=dr, commitments=commitments, tag_profiles=profiles,
        iam_principals=iam, pods=pods,
    )
    return org


def _resource_ids(seed, hr, dr, accounts, regions, t: SkuTable) -> None:
    nh, nd = len(hr["kind"]), len(dr["kind"])
    hx = hex_strings(np.arange(nh), 17, salt=stable_int("hr", seed))
    ids = np.empty(nh, dtype=object)
    names = np.empty(nh, dtype=object)
    for i in range(nh):
        kind = int(hr["kind"][i])
        a = accounts[hr["acct"][i]].account_id
        r = regions[hr["region"][i]][0]
        h = hx[i]
        if kind == K_EC2:
            ids[i] = f"i-{h}"
        elif kind == K_FARGATE:
            if t.items[hr["sku"][i, 0]].product_code == "AmazonECS":
                ids[i] = f"arn:aws:ecs:{r}:{a}:service/{APPS[int(h[:4], 16) % len(APPS)]}-cluster/svc-{h[4:14]}"
            else:
                ids[i] = f"arn:aws:eks:{r}:{a}:pod/fargate-cluster/default/{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:14]}"
        elif kind == K_RDS:
            ids[i] = f"arn:aws:rds:{r}:{a}:db:{APPS[int(h[:4], 16) % len(APPS)]}-db-{h[4:10]}"
        elif kind == K_EKS:
            ids[i] = f"arn:aws:eks:{r}:{a}:cluster/{['platform', 'data', 'web', 'ml'][int(h[:2], 16) % 4]}-eks-{h[2:6]}"
    hr["rid"] = ids
    dx = hex_strings(np.arange(nd), 17, salt=stable_int("dr", seed))
    dids = np.empty(nd, dtype=object)
    generic_rows = np.nonzero(hr["role"] == "generic")[0]
    for i in range(nd):
        kind = int(dr["kind"][i])
        a = accounts[dr["acct"][i]].account_id
        r = regions[dr["region"][i]][0]
        h = dx[i]
        if kind == K_EBS:
            dids[i] = f"vol-{h}"
        elif kind == K_SNAP:
            dids[i] = f"arn:aws:ec2:{r}:{a}:snapshot/snap-{h}"
        elif kind == K_S3:
            app = APPS[int(h[:4], 16) % len(APPS)]
            dids[i] = f"{app}-{['logs', 'data', 'assets', 'backup', 'archive', 'exports'][int(h[4:6], 16) % 6]}-{h[6:12]}"
        elif kind == K_LAMBDA:
            dids[i] = f"arn:aws:lambda:{r}:{a}:function:{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:10]}"
        elif kind == K_DDB:
            dids[i] = f"arn:aws:dynamodb:{r}:{a}:table/{APPS[int(h[:4], 16) % len(APPS)]}-{h[4:10]}"
        elif kind == K_DT:
            dids[i] = hr["rid"][generic_rows[dr["generic_index"][i]]]
        else:
            dids[i] = None
    dr["rid"] = dids


def _pod_ids(seed, hr, accounts, regions) -> dict:
    hosts = np.nonzero(hr["host"] > 0)[0]
    off = np.zeros(len(hr["kind"]) + 1, np.int64)
    npods = np.where(hr["host"] > 0, hr["npods"], 0).astype(np.int64)
    off[1:] = np.cumsum(npods)
    total = int(off[-1])
    hx = hex_strings(np.arange(total), 16, salt=stable_int("pod", seed))
    rng = rng_for(seed, 5)
    ratios = np.zeros(total)
    ids = np.empty(total, dtype=object)
    for i in hosts:
        m = int(npods[i])
        r = rng.dirichlet(np.ones(m)) * hr["util"][i]
        ratios[off[i]:off[i] + m] = r
        a = accounts[hr["acct"][i]].account_id
        reg = regions[hr["region"][i]][0]
        for j in range(m):
            h = hx[off[i] + j]
            app = APPS[int(h[:4], 16) % len(APPS)]
            if hr["host"][i] == 1:
                ids[off[i] + j] = f"arn:aws:eks:{reg}:{a}:pod/{app}-eks/{app}/{app}-{h[4:9]}-{h[9:14]}/{h}"
            else:
                ids[off[i] + j] = f"arn:aws:ecs:{reg}:{a}:task/{app}-ecs/{h}"
    return {"offset": off, "ratio": ratios, "ids": ids}


def catalogue_schema() -> dict:
    return {
        "resource_id": pl.String, "account_id": pl.String, "region": pl.String, "product_code": pl.String,
        "resource_type": pl.String, "instance_type": pl.String, "usage_type": pl.String, "processor": pl.String,
        "operating_system": pl.String, "purchase_option": pl.String, "public_on_demand_cost": pl.Float64,
        "unblended_cost": pl.Float64, "tags": pl.String,
    }


def tags_json(profile: dict) -> str | None:
    return json.dumps(profile, sort_keys=True) if profile else None
