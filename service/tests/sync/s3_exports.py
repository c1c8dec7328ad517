"""A bucket of AWS Data Exports built from the project's own generated sample, for the sync tests
(and for an end-to-end `sync && dbt build` test; the fixtures are in conftest.py beside this).

`build_export_bucket` uploads each generated export under an AWS-style name (not the generator's
folder name), with AWS's file naming (`<export-name>-00001.snappy.parquet`, overwritten in place
by a re-delivery), and adds a second CUR 2.0 export as gzip CSV in CREATE_NEW_REPORT mode with two
executions of its last period (manifests in the object `billingPeriod` shape, without
`exportCreationTime`). `ExportBucket.put_delivery` uploads further deliveries the same way.
"""

from __future__ import annotations

import gzip
import io
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from infralyzer.exports.layout import read_manifest

PERIODS = ["2026-08", "2026-09"]
PREFIX = "billing/exports"
# the generator's export -> the name the user gave it in AWS (all overwrite mode, Parquet)
OVERWRITE_EXPORTS = {"cur2": "acme-cur", "focus": "acme-focus", "coh": "acme-coh", "carbon": "acme-carbon"}
CSV_EXPORT = "payer2-cur-csv"  # CUR 2.0, gzip CSV, CREATE_NEW_REPORT


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def generated_table(generated_dir: Path, export: str, period: str) -> pa.Table:
    """The rows of one generated delivery, read from the files its manifest lists."""
    manifest = read_manifest(generated_dir, export, period)
    folder = Path(generated_dir) / export / "data" / f"BILLING_PERIOD={period}"
    return pa.concat_tables([pq.read_table(folder / uri.rsplit("/", 1)[1]) for uri in manifest["dataFiles"]])


def _csv_gz(table: pa.Table) -> bytes:
    """AWS's gzip CSV: map columns as JSON text, a header row."""
    columns = []
    for column in table.columns:
        if pa.types.is_map(column.type):
            column = pa.array([None if v is None else json.dumps(dict(v)) for v in column.to_pylist()], pa.string())
        columns.append(column)
    buffer = io.BytesIO()
    pacsv.write_csv(pa.table(columns, names=table.column_names), buffer)
    return gzip.compress(buffer.getvalue(), mtime=0)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    return buffer.getvalue()


@dataclass
class UploadedDelivery:
    export_name: str
    period: str
    manifest_key: str
    data_keys: list[str]
    execution_id: str


@dataclass
class ExportBucket:
    """What build_export_bucket uploaded: bucket, prefix and each export's latest deliveries."""

    s3: object
    bucket: str
    prefix: str
    generated_dir: Path
    types: dict[str, str] = field(default_factory=dict)  # export name -> export type
    latest: dict[tuple[str, str], UploadedDelivery] = field(default_factory=dict)

    def put_delivery(self, export_name: str, period: str, table: pa.Table, *, chunks: int = 3,
                     file_format: str = "parquet", create_new: bool = False, manifest_style: str = "string",
                     created_at: datetime | None = None) -> UploadedDelivery:
        """Upload one delivery as AWS does: data files first, the manifest last."""
        execution_id = uuid.uuid4().hex
        root = f"{self.prefix}/{export_name}"
        folder = f"BILLING_PERIOD={period}" + (f"/{execution_id}" if create_new else "")
        extension, encode = ("csv.gz", _csv_gz) if file_format == "csv" else ("snappy.parquet", _parquet)
        step = -(-table.num_rows // chunks) if table.num_rows else 1
        data_keys = []
        for i in range(chunks):
            key = f"{root}/data/{folder}/{export_name}-{i + 1:05d}.{extension}"
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=encode(table.slice(i * step, step)))
            data_keys.append(key)
        manifest = {
            "executionId": execution_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:111122223333:export/{export_name}-{execution_id[:8]}",
            "exportName": export_name,
            "dataFiles": [f"s3://{self.bucket}/{key}" for key in data_keys],
            "columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
        }
        if manifest_style == "object":  # the shape real AWS manifests have; no exportCreationTime
            start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
            manifest["billingPeriod"] = {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ")}
        else:
            manifest["billingPeriod"] = period
            manifest["exportCreationTime"] = (created_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        manifest_key = f"{root}/metadata/{folder}/{export_name}-Manifest.json"
        self.s3.put_object(Bucket=self.bucket, Key=manifest_key, Body=json.dumps(manifest, indent=2).encode())
        delivery = UploadedDelivery(export_name, period, manifest_key, data_keys, execution_id)
        self.latest[(export_name, period)] = delivery
        return delivery

    def objects(self) -> dict[str, bytes]:
        """Every object of the bucket under the prefix, by key."""
        keys = [o["Key"] for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                                         Prefix=self.prefix)
                for o in page.get("Contents", [])]
        return {key: self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read() for key in keys}


def build_export_bucket(s3, bucket: str, generated_dir: Path, *, prefix: str = PREFIX) -> ExportBucket:
    """A bucket holding the generated exports under AWS-style names (see the module docstring)."""
    s3.create_bucket(Bucket=bucket)
    layout = ExportBucket(s3, bucket, prefix, Path(generated_dir))
    for generated, export_name in OVERWRITE_EXPORTS.items():
        layout.types[export_name] = generated
        for period in PERIODS:
            layout.put_delivery(export_name, period, generated_table(generated_dir, generated, period))
    layout.types[CSV_EXPORT] = "cur2"
    for period in PERIODS:
        table = generated_table(generated_dir, "cur2", period)
        if period == PERIODS[-1]:  # an earlier, smaller refresh of the open period, then the full one
            layout.put_delivery(CSV_EXPORT, period, table.slice(0, table.num_rows // 2), chunks=1, file_format="csv",
                                create_new=True, manifest_style="object")
            next_second(s3, bucket)
        layout.put_delivery(CSV_EXPORT, period, table, chunks=2, file_format="csv", create_new=True,
                            manifest_style="object")
    return layout


def next_second(s3, bucket: str) -> None:
    """Wait until S3's clock (second resolution in listings) has moved on from the last upload, so
    the next delivery's manifest is newer, as AWS's hours-apart refreshes are."""
    newest = max(o["LastModified"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                 for o in page.get("Contents", []))
    time.sleep(max(0.0, (newest.replace(microsecond=0) + timedelta(seconds=1.05) - datetime.now(UTC)).total_seconds()))


def drop_last_rows(table: pa.Table, n: int = 1) -> pa.Table:
    """Changed contents for a re-delivery (fewer rows)."""
    return table.slice(0, max(table.num_rows - n, 0))
