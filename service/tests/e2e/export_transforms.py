"""Reshape the generator's exports into the shapes real AWS accounts (and other FOCUS providers)
deliver, for the landing's end-to-end tests: a renamed export folder, varying manifests, timestamps
without a time zone, gzip CSV, the CREATE_NEW_REPORT layout, a FOCUS 1.0 export, columns left out.

Every transform works in place on an exports folder laid out as AWS does
(<export>/data/BILLING_PERIOD=YYYY-MM/..., <export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json)
and keeps each manifest's file list true to the files on disk.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from infralyzer.settings import Settings

MANIFEST_SUFFIX = "-Manifest.json"

# FOCUS columns added after 1.0 (1.1: 7, 1.2: 7) and the AWS extension columns of FOCUS_1_2_AWS:
# dropping them from the generated FOCUS 1.2 export leaves the 43 FOCUS 1.0 columns.
FOCUS_ADDED_AFTER_1_0 = [
    "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity", "CommitmentDiscountUnit",
    "ServiceSubcategory", "SkuMeter", "SkuPriceDetails",
    "BillingAccountType", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "SubAccountType",
]
FOCUS_AWS_EXTENSIONS = ["x_Discounts", "x_Operation", "x_ServiceCode"]


def settings_for(root: Path, exports_dir: Path, publish_dir: Path | None = None) -> Settings:
    return Settings(exports_dir=exports_dir, build_db=root / "build" / "infralyzer.duckdb",
                    publish_dir=publish_dir or root / "publish")


def manifests(exports: Path, export: str) -> list[Path]:
    return sorted((exports / export / "metadata").glob(f"BILLING_PERIOD=*/**/*{MANIFEST_SUFFIX}"))


def data_files(exports: Path, export: str, period: str | None = None) -> list[Path]:
    partitions = f"BILLING_PERIOD={period}" if period else "BILLING_PERIOD=*"
    return sorted(p for p in (exports / export / "data").glob(f"{partitions}/**/*") if p.is_file())


def _rewrite_manifest(path: Path, change) -> None:
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2))


def _replace_listed_file(exports: Path, export: str, old: Path, new: Path) -> None:
    """Point the manifest that lists `old` to `new` (same folder, another name)."""
    for manifest in manifests(exports, export):
        def swap(m: dict) -> None:
            m["dataFiles"] = [f.rsplit("/", 1)[0] + "/" + new.name if f.endswith("/" + old.name) else f
                              for f in m["dataFiles"]]
        _rewrite_manifest(manifest, swap)


def _rename_manifests(exports: Path, old: str, new: str) -> None:
    for manifest in manifests(exports, new):
        def rename(m: dict) -> None:
            m["exportName"] = new
            m["dataFiles"] = [f.replace(f"/{old}/data/", f"/{new}/data/") for f in m["dataFiles"]]
        _rewrite_manifest(manifest, rename)
        manifest.rename(manifest.with_name(manifest.name.replace(f"{old}{MANIFEST_SUFFIX}", f"{new}{MANIFEST_SUFFIX}")))


def rename_export(exports: Path, old: str, new: str) -> None:
    """The export as its owner named it in AWS: folder, manifest names and contents."""
    (exports / old).rename(exports / new)
    _rename_manifests(exports, old, new)


def copy_cur_for_another_payer(exports: Path, source: str, new: str, payer_account_id: str) -> None:
    """A second CUR export, of another payer: the same charges under other line item ids."""
    shutil.copytree(exports / source, exports / new)
    _rename_manifests(exports, source, new)
    for path in data_files(exports, new):
        def other_payer(table: pa.Table) -> pa.Table:
            ids = pc.binary_join_element_wise(table["identity_line_item_id"], pa.scalar("-" + payer_account_id), "")
            table = table.set_column(table.schema.get_field_index("identity_line_item_id"), "identity_line_item_id", ids)
            payer = pa.array([payer_account_id] * table.num_rows, pa.string())
            return table.set_column(table.schema.get_field_index("bill_payer_account_id"), "bill_payer_account_id", payer)
        _rewrite_parquet(path, other_payer)


def object_billing_period_without_ids(exports: Path, export: str) -> None:
    """Manifests whose billingPeriod is an object and that lack exportCreationTime and executionId."""
    for manifest in manifests(exports, export):
        def reshape(m: dict) -> None:
            year, month = map(int, m["billingPeriod"].split("-"))
            following = f"{year + month // 12}-{month % 12 + 1:02d}"
            m["billingPeriod"] = {"start": f"{m['billingPeriod']}-01T00:00:00Z", "end": f"{following}-01T00:00:00Z"}
            m.pop("exportCreationTime", None)
            m.pop("executionId", None)
        _rewrite_manifest(manifest, reshape)


def _rewrite_parquet(path: Path, change) -> None:
    table = change(pq.read_table(path))
    pq.write_table(table, path, compression="snappy")


def drop_time_zones(exports: Path, export: str) -> None:
    """Timestamps as `timestamp[ms]` without a time zone (UTC wall time), as some exports hold them."""
    def naive(table: pa.Table) -> pa.Table:
        fields = [pa.field(f.name, pa.timestamp("ms")) if pa.types.is_timestamp(f.type) else f for f in table.schema]
        columns = [pc.cast(c, pa.timestamp("ms", tz="UTC")).cast(pa.timestamp("ms")) if pa.types.is_timestamp(c.type) else c
                   for c in table.columns]
        return pa.Table.from_arrays(columns, schema=pa.schema(fields))
    for path in data_files(exports, export):
        _rewrite_parquet(path, naive)


def drop_columns(exports: Path, export: str, columns: list[str], period: str | None = None, files: int | None = None) -> list[Path]:
    """Remove columns from the data files (of one period, or its first `files` files); returns the files changed."""
    changed = data_files(exports, export, period)[:files]
    for path in changed:
        _rewrite_parquet(path, lambda t: t.drop_columns([c for c in columns if c in t.column_names]))
    return changed


def to_gzip_csv(exports: Path, export: str) -> None:
    """Parquet files to gzip CSV as AWS writes them: a header, ISO timestamps, maps as JSON objects."""
    con = duckdb.connect()
    for path in data_files(exports, export):
        schema = pq.read_schema(path)
        columns = []
        for field in schema:
            name = f'"{field.name}"'
            if pa.types.is_map(field.type):
                columns.append(f"to_json({name}) as {name}")
            elif pa.types.is_timestamp(field.type):
                columns.append(f"strftime({name}, '%Y-%m-%dT%H:%M:%SZ') as {name}")
            else:
                columns.append(name)
        target = path.with_name(path.name.replace(".snappy.parquet", ".csv.gz"))
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"copy (select {', '.join(columns)} from read_parquet('{path}')) "
                    f"to '{target}' (format csv, header true, compression gzip)")
        path.unlink()
        _replace_listed_file(exports, export, path, target)
    con.close()


def create_new_report_layout(exports: Path, export: str, period: str, older_rows: int = 10) -> None:
    """CREATE_NEW_REPORT: each execution of `period` in its own subfolder. The current delivery
    becomes the newest execution; an older, different execution (its first `older_rows` rows)
    sits beside it and must not be read."""
    data = exports / export / "data" / f"BILLING_PERIOD={period}"
    metadata = exports / export / "metadata" / f"BILLING_PERIOD={period}"
    manifest_file = next(metadata.glob(f"*{MANIFEST_SUFFIX}"))
    current = json.loads(manifest_file.read_text())
    for execution, created, subset in (("exec-old", "2020-01-01T00:00:00Z", older_rows), ("exec-new", None, None)):
        (data / execution).mkdir()
        (metadata / execution).mkdir()
        names = []
        for path in sorted(data.glob("*.parquet")):
            table = pq.read_table(path)
            pq.write_table(table.slice(0, subset) if subset else table, data / execution / path.name)
            names.append(path.name)
        manifest = dict(current, executionId=execution,
                        exportCreationTime=created or current["exportCreationTime"],
                        dataFiles=[f.rsplit("/", 1)[0] + f"/{execution}/{n}" for f, n in zip(current["dataFiles"], names)])
        (metadata / execution / manifest_file.name).write_text(json.dumps(manifest, indent=2))
    for path in data.glob("*.parquet"):
        path.unlink()
    manifest_file.unlink()


def focus_1_0_with_oracle_rows(exports: Path, export: str = "focus", period: str | None = None) -> None:
    """The FOCUS export as FOCUS 1.0 (43 columns) with, in one period, rows written the way Oracle
    Cloud's FOCUS 1.0 export writes them: other enum case ('Usage-based'), no contracted price and
    cost, a non-AWS provider."""
    files = data_files(exports, export)
    oracle_file = next(p for p in files if period is None or f"BILLING_PERIOD={period}" in str(p))
    for path in files:
        def to_1_0(table: pa.Table) -> pa.Table:
            table = table.drop_columns([c for c in FOCUS_ADDED_AFTER_1_0 + FOCUS_AWS_EXTENSIONS if c in table.column_names])
            if path != oracle_file:
                return table
            template = table.slice(0, 3).to_pylist()
            for i, row in enumerate(template):
                row.update(
                    ProviderName="Oracle", PublisherName="Oracle", InvoiceIssuerName="Oracle",
                    BillingAccountId="ocid1.tenancy.oc1..example", SubAccountId=f"ocid1.compartment.oc1..c{i}",
                    ChargeCategory="Usage", ChargeFrequency="Usage-based", PricingCategory="standard",
                    ChargeClass=None, CommitmentDiscountId=None, CommitmentDiscountStatus=None,
                    CommitmentDiscountCategory=None, CommitmentDiscountName=None, CommitmentDiscountType=None,
                    ContractedCost=None, ContractedUnitPrice=None, ServiceName="Compute", ServiceCategory="compute",
                    BilledCost=1.25, EffectiveCost=1.25, ListCost=1.5,
                )
            return pa.concat_tables([table, pa.Table.from_pylist(template, schema=table.schema)])
        _rewrite_parquet(path, to_1_0)
    for manifest in manifests(exports, export):
        def columns_1_0(m: dict) -> None:
            m["table"] = "FOCUS_1_0"
            m["columns"] = [c for c in m.get("columns", []) if c["name"] not in FOCUS_ADDED_AFTER_1_0 + FOCUS_AWS_EXTENSIONS]
        _rewrite_manifest(manifest, columns_1_0)


def nest_under_prefix(exports: Path, prefix: str) -> None:
    """Every export one folder too deep (<exports>/<prefix>/<export>/...): a sync from the wrong prefix."""
    children = [p for p in exports.iterdir() if not p.name.startswith("_")]
    (exports / prefix).mkdir()
    for child in children:
        shutil.move(str(child), exports / prefix / child.name)


def remove_period(exports: Path, export: str, period: str) -> None:
    shutil.rmtree(exports / export / "data" / f"BILLING_PERIOD={period}")
    shutil.rmtree(exports / export / "metadata" / f"BILLING_PERIOD={period}")
