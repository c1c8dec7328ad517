"""FOCUS exports of two other clouds, Microsoft Azure and Google Cloud, beside the AWS exports.

A few hundred rows a billing period each (CI time barely moves), deterministic in (seed, period,
revision), shaped as each provider delivers its FOCUS data (docs/multicloud.md):

* **Azure** (Cost Management export, dataset `FocusCost` 1.0r2): gzip CSV files named
  `part_0_0001.csv.gz`, the 43 FOCUS 1.0 columns plus Microsoft's `x_` columns (`x_SkuMeterCategory`,
  `x_ResourceGroupName`, `x_BilledCostInUsd`, ...). Quirks kept: `ServiceName` and `ServiceCategory`
  are empty on rounding adjustments; `Tags` is a JSON object; ids are ARM paths
  (`/subscriptions/<guid>`). A reservation bought monthly gives a Purchase row (billed, effective 0),
  covered usage (billed 0, effective = its share) and an Unused row.
* **Google Cloud** (the BigQuery FOCUS table, exported to Parquet files named
  `focus-000000000000.parquet`): FOCUS 1.0 columns plus Google's `x_` columns; `ServiceCategory`
  is a list such as `[GCP, Network, Cloud Load Balancing, ...]` whose second element is the
  category (Google's own words: `Network`); sustained-use discounts are Credit rows.

Each is one export folder in the landing layout (`<export>/data/BILLING_PERIOD=YYYY-MM/` and the
manifest last), recognised as FOCUS by its columns like AWS's. The answer key per provider holds
billed and effective cost per billing period x billing account x sub-account x service, summed from
the values as written (`key_fragment`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import uuid
from calendar import monthrange
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from infralyzer.exports.layout import MANIFEST_SUFFIX, manifest_path, partition_dir
from infralyzer.exports.schemas import FOCUS12_SCHEMA

AZURE_EXPORT = "azure-focus-cost"
GCP_EXPORT = "gcp-focus-billing"
EXPORT_NAMES = {"azure_focus": AZURE_EXPORT, "gcp_focus": GCP_EXPORT}

# FOCUS 1.0 = the 1.2 columns minus those added in 1.1 and 1.2 (and AWS's x_ columns)
_ADDED_AFTER_1_0 = {"CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
                    "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails",
                    "BillingAccountType", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
                    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "SubAccountType"}
FOCUS10_COLUMNS = [f.name for f in FOCUS12_SCHEMA if f.name not in _ADDED_AFTER_1_0 and not f.name.startswith("x_")]
_FOCUS_TYPES = {f.name: f.type for f in FOCUS12_SCHEMA}

AZURE_X_COLUMNS = ["x_AccountName", "x_BilledCostInUsd", "x_BillingAccountId", "x_BillingExchangeRate",
                   "x_BillingProfileId", "x_EffectiveCostInUsd", "x_InvoiceSectionName", "x_ListCostInUsd",
                   "x_PricingCurrency", "x_PricingSubcategory", "x_ResourceGroupName", "x_SkuMeterCategory",
                   "x_SkuMeterName", "x_SkuMeterSubcategory", "x_SkuRegion"]
GCP_X_COLUMNS = ["x_CostType", "x_ExportTime", "x_ServiceId", "x_Location"]

_AZURE_BILLING = "/providers/Microsoft.Billing/billingAccounts/7a1f2c3d-0000-4e5f-9abc-0123456789ab:e1d2c3b4_2019-05-31"
_AZURE_SUBSCRIPTIONS = [("/subscriptions/3f6c1a2e-8d4b-4c7a-9e1f-2b3c4d5e6f70", "shop-prod"),
                        ("/subscriptions/9b8a7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d", "data-platform")]
# (ServiceName, ServiceCategory, x_SkuMeterCategory, x_SkuMeterSubcategory, PricingUnit, list unit price, region)
_AZURE_SERVICES = [("Virtual Machines", "Compute", "Virtual Machines", "Dv5 Series", "1 Hour", 0.192, "eastus"),
                   ("Storage Accounts", "Storage", "Storage", "Hot Block Blob", "1 GB/Month", 0.0184, "eastus"),
                   ("Azure SQL Database", "Databases", "SQL Database", "General Purpose", "1 Hour", 0.5044,
                    "westeurope"),
                   ("Azure DNS", "Networking", "Azure DNS", "Public Zones", "1/Month", 0.5, None)]
_GCP_BILLING = "01A2B3-C4D5E6-F7A8B9"
_GCP_PROJECTS = [("shop-web-prod-4821", "shop-web-prod"), ("analytics-lake-1107", "analytics-lake")]
# (ServiceName, x_ServiceId, ServiceCategory list, PricingUnit, list unit price, region)
_GCP_SERVICES = [("Compute Engine", "6F81-5844-456A", ["GCP", "Compute", "Compute Engine", "N2 Instance Core"],
                  "hour", 0.031611, "us-central1"),
                 ("Cloud Storage", "95FF-2EF5-5EA1", ["GCP", "Storage", "Cloud Storage", "Standard Storage"],
                  "gibibyte month", 0.02, "us-central1"),
                 ("BigQuery", "24E6-581D-38E5", ["GCP", "Analytics", "BigQuery", "Analysis"], "tebibyte", 6.25,
                  "europe-west1"),
                 ("Networking", "E505-1604-58F8", ["GCP", "Network", "Cloud Load Balancing", "Forwarding Rule"],
                  "hour", 0.025, "europe-west1")]


def _rng(seed: int, provider: str, period: str, revision: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}/{provider}/{period}/{revision}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _period_bounds(period: str) -> tuple[datetime, datetime, int]:
    year, month = (int(x) for x in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    days = monthrange(year, month)[1]
    return start, start + timedelta(days=days), days


def _money(x: float) -> float:
    return round(float(x), 6)


def _row(period: str, day: int | None, **values) -> dict:
    """A FOCUS 1.0 row: charge period one day (day index) or the whole billing period (None)."""
    start, end, _ = _period_bounds(period)
    charge_start = start if day is None else start + timedelta(days=day)
    charge_end = end if day is None else charge_start + timedelta(days=1)
    row = dict.fromkeys(FOCUS10_COLUMNS)
    row.update(BillingPeriodStart=start, BillingPeriodEnd=end, ChargePeriodStart=charge_start,
               ChargePeriodEnd=charge_end, BillingCurrency="USD", ChargeFrequency="Usage-Based")
    row.update(values)
    return row


def azure_rows(seed: int, period: str, revision: int) -> list[dict]:
    rng = _rng(seed, "azure", period, revision)
    _, _, days = _period_bounds(period)
    common = dict(BillingAccountId=_AZURE_BILLING, BillingAccountName="Contoso", ProviderName="Microsoft",
                  PublisherName="Microsoft", InvoiceIssuerName="Microsoft")
    reservation = _AZURE_SUBSCRIPTIONS[0][0] + "/providers/Microsoft.Capacity/reservationOrders/5f1e/reservations/a0b1"
    reserved_hours_per_day = 24.0
    rows: list[dict] = []
    covered = Decimal(0)
    for sub_id, sub_name in _AZURE_SUBSCRIPTIONS:
        for name, category, meter_cat, meter_sub, unit, price, region in _AZURE_SERVICES:
            for day in range(days):
                quantity = round(float(rng.uniform(20, 60)) * (2 if sub_name == "shop-prod" else 1), 4)
                list_cost = _money(quantity * price)
                is_covered = sub_name == "shop-prod" and name == "Virtual Machines"
                effective = _money(reserved_hours_per_day * price * 0.6) if is_covered else list_cost
                billed = 0.0 if is_covered else list_cost
                if is_covered:
                    covered += Decimal(str(effective))
                resource_group = f"rg-{sub_name}"
                rows.append(_row(
                    period, day, **common, SubAccountId=sub_id, SubAccountName=sub_name,
                    ChargeCategory="Usage", ChargeDescription=f"{meter_sub} {unit}", PricingCategory=(
                        "Committed" if is_covered else "Standard"),
                    BilledCost=billed, EffectiveCost=effective, ListCost=list_cost, ContractedCost=list_cost,
                    ListUnitPrice=price, ContractedUnitPrice=price, PricingQuantity=quantity, PricingUnit=unit,
                    ConsumedQuantity=quantity, ConsumedUnit=unit.split(" ", 1)[-1],
                    CommitmentDiscountId=reservation if is_covered else None,
                    CommitmentDiscountName="vm-dv5-1y" if is_covered else None,
                    CommitmentDiscountCategory="Usage" if is_covered else None,
                    CommitmentDiscountType="Reservation" if is_covered else None,
                    CommitmentDiscountStatus="Used" if is_covered else None,
                    RegionId=region, RegionName={"eastus": "East US", "westeurope": "West Europe"}.get(region),
                    ResourceId=f"{sub_id}/resourcegroups/{resource_group}/providers/{meter_cat.lower()}/r{day % 3}",
                    ResourceName=f"r{day % 3}", ResourceType=meter_cat, ServiceName=name, ServiceCategory=category,
                    SkuId=f"DZH318Z0{meter_cat[:4].upper()}", SkuPriceId=f"DZH318Z0{meter_cat[:4].upper()}/0001",
                    Tags={"env": "prod" if sub_name == "shop-prod" else "dev", "team": sub_name},
                    x_ResourceGroupName=resource_group, x_SkuMeterCategory=meter_cat, x_SkuMeterName=meter_sub,
                    x_SkuMeterSubcategory=meter_sub, x_SkuRegion=region, x_PricingSubcategory=(
                        "Committed Usage" if is_covered else "Standard")))
    # the reservation: one monthly purchase; what the covered usage did not use is an Unused row
    purchase = _money(reserved_hours_per_day * days * 0.192 * 0.6 * 1.25)
    unused = float(Decimal(str(purchase)) - covered)
    reservation_columns = dict(CommitmentDiscountId=reservation, CommitmentDiscountName="vm-dv5-1y",
                               CommitmentDiscountCategory="Usage", CommitmentDiscountType="Reservation",
                               ServiceName="Virtual Machines", ServiceCategory="Compute",
                               SubAccountId=_AZURE_SUBSCRIPTIONS[0][0], SubAccountName=_AZURE_SUBSCRIPTIONS[0][1],
                               x_SkuMeterCategory="Virtual Machines")
    rows.append(_row(period, None, **common, **reservation_columns, ChargeCategory="Purchase",
                     ChargeFrequency="Recurring", ChargeDescription="Reserved VM Instance, Dv5, 1 year",
                     PricingCategory="Standard", BilledCost=purchase, EffectiveCost=0.0, ListCost=purchase,
                     ContractedCost=purchase, ResourceId=reservation, x_PricingSubcategory="Committed Spend"))
    rows.append(_row(period, None, **common, **reservation_columns, ChargeCategory="Usage",
                     ChargeDescription="Unused reservation", PricingCategory="Committed", BilledCost=0.0,
                     EffectiveCost=unused, ListCost=0.0, ContractedCost=0.0, ResourceId=reservation,
                     CommitmentDiscountStatus="Unused", x_PricingSubcategory="Committed Usage"))
    # Azure's quirk: a rounding adjustment with neither service name nor category
    rounding = _money(rng.uniform(-0.02, 0.02))
    rows.append(_row(period, None, **common, SubAccountId=_AZURE_SUBSCRIPTIONS[1][0],
                     SubAccountName=_AZURE_SUBSCRIPTIONS[1][1], ChargeCategory="Adjustment", ChargeFrequency="One-Time",
                     ChargeDescription="RoundingAdjustment", BilledCost=rounding, EffectiveCost=rounding,
                     ListCost=rounding, ContractedCost=rounding, ServiceName="", ServiceCategory=""))
    for row in rows:
        row.update(x_AccountName="Contoso EA", x_BillingAccountId=_AZURE_BILLING.rsplit("/", 1)[-1],
                   x_BillingProfileId="ABCD-EFGH-IJK-LMN", x_BillingExchangeRate=1.0, x_InvoiceSectionName="Main",
                   x_PricingCurrency="USD", x_BilledCostInUsd=row["BilledCost"],
                   x_EffectiveCostInUsd=row["EffectiveCost"], x_ListCostInUsd=row["ListCost"])
    return rows


def gcp_rows(seed: int, period: str, revision: int) -> list[dict]:
    rng = _rng(seed, "gcp", period, revision)
    _, end, days = _period_bounds(period)
    common = dict(BillingAccountId=_GCP_BILLING, BillingAccountName="Example Org billing",
                  ProviderName="Google Cloud", PublisherName="Google Cloud", InvoiceIssuerName="Google Cloud")
    export_time = end + timedelta(days=2, hours=3)
    rows: list[dict] = []
    for project_id, project_name in _GCP_PROJECTS:
        for name, service_id, category, unit, price, region in _GCP_SERVICES:
            if name == "BigQuery" and project_name != "analytics-lake":
                continue
            for day in range(days):
                quantity = round(float(rng.uniform(5, 40)), 4)
                cost = _money(quantity * price)
                rows.append(_row(
                    period, day, **common, SubAccountId=project_id, SubAccountName=project_name,
                    ChargeCategory="Usage", ChargeDescription=category[-1], PricingCategory="Standard",
                    BilledCost=cost, EffectiveCost=cost, ListCost=cost, ContractedCost=cost, ListUnitPrice=price,
                    ContractedUnitPrice=price, PricingQuantity=quantity, PricingUnit=unit, ConsumedQuantity=quantity,
                    ConsumedUnit=unit, RegionId=region, RegionName=region, ServiceName=name, ServiceCategory=category,
                    SkuId=f"{service_id[:4]}-SKU", SkuPriceId=f"{service_id[:4]}-SKU-P", Tags={"app": project_name},
                    x_CostType="regular", x_ServiceId=service_id, x_Location=region))
                if name == "Compute Engine":  # sustained-use discount: a Credit row of the same service
                    credit = _money(-cost * 0.2)
                    rows.append(_row(
                        period, day, **common, SubAccountId=project_id, SubAccountName=project_name,
                        ChargeCategory="Credit", ChargeFrequency="Usage-Based", ChargeDescription="Sustained usage discount",
                        PricingCategory="Other", BilledCost=credit, EffectiveCost=credit, ListCost=0.0,
                        ContractedCost=0.0, RegionId=region, RegionName=region, ServiceName=name,
                        ServiceCategory=category, x_CostType="regular", x_ServiceId=service_id, x_Location=region))
    for row in rows:
        row["x_ExportTime"] = export_time
    return rows


def key_fragment(provider: str, export: str, rows: list[dict]) -> dict:
    """Billed and effective cost per billing account x sub-account x service (the FOCUS ServiceName,
    null when the provider left it empty), summed exactly from the values written."""
    groups: dict[tuple, list[Decimal]] = {}
    for row in rows:
        group = (row["BillingAccountId"], row["SubAccountId"], row["ServiceName"] or None)
        sums = groups.setdefault(group, [Decimal(0), Decimal(0)])
        sums[0] += Decimal(str(row["BilledCost"]))
        sums[1] += Decimal(str(row["EffectiveCost"]))
    return {
        "provider": provider,
        "export": export,
        "focus_version": "1.0",
        "row_count": len(rows),
        "billed_cost": str(sum((s[0] for s in groups.values()), Decimal(0))),
        "effective_cost": str(sum((s[1] for s in groups.values()), Decimal(0))),
        "by_sub_account_service": [
            {"billing_account_id": g[0], "sub_account_id": g[1], "service_name": g[2],
             "billed_cost": str(s[0]), "effective_cost": str(s[1])}
            for g, s in sorted(groups.items(), key=lambda item: tuple(v or "" for v in item[0]))
        ],
    }


def _azure_table(rows: list[dict]) -> pa.Table:
    """Azure's CSV columns: FOCUS 1.0 then the x_ columns, dates as 1.0r2 ISO strings with seconds."""
    columns = FOCUS10_COLUMNS + AZURE_X_COLUMNS
    out: dict[str, list] = {c: [] for c in columns}
    for row in rows:
        for c in columns:
            v = row.get(c)
            if isinstance(v, datetime):
                v = v.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif isinstance(v, dict):
                v = json.dumps(v, sort_keys=True)
            out[c].append(None if v is None else str(v))
    return pa.table({c: pa.array(out[c], pa.string()) for c in columns})


def _gcp_table(rows: list[dict]) -> pa.Table:
    fields = []
    for c in FOCUS10_COLUMNS:
        if c == "ServiceCategory":
            fields.append(pa.field(c, pa.list_(pa.string())))
        else:
            fields.append(pa.field(c, _FOCUS_TYPES[c]))
    fields += [pa.field("x_CostType", pa.string()), pa.field("x_ExportTime", pa.timestamp("us", tz="UTC")),
               pa.field("x_ServiceId", pa.string()), pa.field("x_Location", pa.string())]
    schema = pa.schema(fields)
    data = {f.name: [row.get(f.name) for row in rows] for f in schema}
    data["Tags"] = [list((row.get("Tags") or {}).items()) for row in rows]
    return pa.table(data, schema=schema)


def _deliver(exports_dir: Path, export: str, period: str, files: dict[str, bytes], row_count: int,
             provider: str) -> None:
    """Data files first, then the manifest (atomic rename), then files of older deliveries removed:
    the landing's protocol (infralyzer.exports.layout)."""
    execution_id = uuid.uuid4().hex
    data_dir = partition_dir(exports_dir, export, "data", period)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        tmp = data_dir / f".{name}.{execution_id}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, data_dir / name)
    manifest = {
        "exportName": export,
        "provider": provider,
        "executionId": execution_id,
        "billingPeriod": period,
        "exportCreationTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dataFiles": [f"{export}/data/BILLING_PERIOD={period}/{name}" for name in files],
        "rowCount": row_count,
    }
    target = manifest_path(exports_dir, export, period)
    target.parent.mkdir(parents=True, exist_ok=True)
    assert target.name == f"{export}{MANIFEST_SUFFIX}"
    tmp = target.with_name(f".{target.name}.{execution_id}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, target)
    for stale in data_dir.iterdir():
        if stale.is_file() and stale.name not in files:
            stale.unlink()


def write_period(exports_dir: Path, export_type: str, period: str, *, seed: int, revision: int = 0) -> dict:
    """Write one provider's FOCUS export for a billing period; return its answer-key fragment."""
    exports_dir = Path(exports_dir)
    export = EXPORT_NAMES[export_type]
    if export_type == "azure_focus":
        rows = azure_rows(seed, period, revision)
        buffer = io.BytesIO()
        pacsv.write_csv(_azure_table(rows), buffer)
        files = {"part_0_0001.csv.gz": gzip.compress(buffer.getvalue(), mtime=0)}
        provider = "Microsoft"
    else:
        rows = gcp_rows(seed, period, revision)
        buffer = io.BytesIO()
        pq.write_table(_gcp_table(rows), buffer, compression="snappy")
        files = {"focus-000000000000.parquet": buffer.getvalue()}
        provider = "Google Cloud"
    _deliver(exports_dir, export, period, files, len(rows), provider)
    return key_fragment(provider, export, rows)
