"""The AWS Data Exports folder layout, and deliveries that are complete or not there at all.

    <exports>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-<execution>-00001.snappy.parquet
    <exports>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json

AWS writes the manifest after the data files, so the manifest marks a complete delivery and lists
its data files. A delivery here follows the same protocol, which is what makes a re-delivered
billing period safe to read at any moment:

1. the new data files are written under names that carry the new execution id, next to the
   files of the previous delivery (which the old manifest still lists);
2. the manifest is written to a temporary name and renamed over the old one (atomic on POSIX);
3. data files that the new manifest does not list are deleted.

Readers (the dbt sources, see macros/sources/land_exports.sql) only read the files a manifest lists.
A billing period without a manifest is an incomplete delivery and is not read.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from infralyzer.exports.schemas import EXPORTS

MANIFEST_SUFFIX = "-Manifest.json"


def partition_dir(exports_dir: Path, export: str, kind: str, billing_period: str) -> Path:
    """`kind` is "data" or "metadata"."""
    return Path(exports_dir) / export / kind / f"BILLING_PERIOD={billing_period}"


def manifest_path(exports_dir: Path, export: str, billing_period: str) -> Path:
    return partition_dir(exports_dir, export, "metadata", billing_period) / f"{export}{MANIFEST_SUFFIX}"


def read_manifest(exports_dir: Path, export: str, billing_period: str) -> dict | None:
    path = manifest_path(exports_dir, export, billing_period)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def delivered_periods(exports_dir: Path, export: str) -> list[str]:
    """Billing periods of `export` that have a manifest (complete deliveries), sorted."""
    root = Path(exports_dir) / export / "metadata"
    if not root.is_dir():
        return []
    return sorted(
        p.name.split("=", 1)[1]
        for p in root.glob("BILLING_PERIOD=*")
        if (p / f"{export}{MANIFEST_SUFFIX}").exists()
    )


@dataclass
class Delivery:
    """One execution of an export for one billing period, written file by file.

    Use as `with open_delivery(...) as delivery: delivery.write(table)`; the manifest is written
    only when the block exits without an exception, so a crashed writer leaves the previous
    delivery (or none) in place.
    """

    exports_dir: Path
    export: str
    billing_period: str
    payer_account_id: str
    rows_per_file: int = 1_000_000
    execution_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    files: list[Path] = field(default_factory=list)
    row_count: int = 0
    _writer: pq.ParquetWriter | None = None
    _rows_in_file: int = 0

    @property
    def schema(self) -> pa.Schema:
        return EXPORTS[self.export][1]

    @property
    def data_dir(self) -> Path:
        return partition_dir(self.exports_dir, self.export, "data", self.billing_period)

    def _next_file(self) -> None:
        self._close_file()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self.export}-{self.execution_id[:12]}-{len(self.files) + 1:05d}.snappy.parquet"
        path = self.data_dir / name
        self._writer = pq.ParquetWriter(path, self.schema, compression="snappy")
        self.files.append(path)
        self._rows_in_file = 0

    def _close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Append rows; they must match the export's schema (cast first if needed)."""
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        table = table.select(self.schema.names).cast(self.schema)
        offset = 0
        while offset < table.num_rows:
            if self._writer is None or self._rows_in_file >= self.rows_per_file:
                self._next_file()
            take = min(self.rows_per_file - self._rows_in_file, table.num_rows - offset)
            self._writer.write_table(table.slice(offset, take))
            self._rows_in_file += take
            offset += take
        self.row_count += table.num_rows

    def commit(self, created_at: datetime | None = None) -> Path:
        """Close the data files, publish the manifest atomically, remove superseded files."""
        if not self.files:  # an empty period still gets one (empty) file, as AWS does
            self._next_file()
        self._close_file()
        table_name, schema = EXPORTS[self.export]
        created = (created_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        bucket = f"infralyzer-sample-{self.payer_account_id}"
        manifest = {
            "exportArn": (
                f"arn:aws:bcm-data-exports:us-east-1:{self.payer_account_id}:export/"
                f"{self.export}-{self.payer_account_id}"
            ),
            "exportName": self.export,
            "table": table_name,
            "executionId": self.execution_id,
            "billingPeriod": self.billing_period,
            "exportCreationTime": created,
            "bucket": bucket,
            "dataFiles": [
                f"s3://{bucket}/{self.export}/data/BILLING_PERIOD={self.billing_period}/{p.name}"
                for p in self.files
            ],
            "rowCount": self.row_count,
            "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
        }
        target = manifest_path(self.exports_dir, self.export, self.billing_period)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{self.execution_id}.tmp")
        tmp.write_text(json.dumps(manifest, indent=2))
        os.replace(tmp, target)
        keep = {p.name for p in self.files}
        for stale in self.data_dir.glob("*.parquet"):
            if stale.name not in keep:
                stale.unlink()
        return target

    def abort(self) -> None:
        """Drop the files of this unfinished delivery; the previous manifest stays valid."""
        self._close_file()
        for path in self.files:
            path.unlink(missing_ok=True)


@contextmanager
def open_delivery(
    exports_dir: Path,
    export: str,
    billing_period: str,
    payer_account_id: str,
    rows_per_file: int = 1_000_000,
    created_at: datetime | None = None,
) -> Iterator[Delivery]:
    delivery = Delivery(Path(exports_dir), export, billing_period, payer_account_id, rows_per_file)
    try:
        yield delivery
    except BaseException:
        delivery.abort()
        raise
    delivery.commit(created_at)
