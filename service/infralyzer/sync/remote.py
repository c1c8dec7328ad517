"""The exports in S3: finding every delivery under a source, and reading its manifest.

AWS Data Exports layout (the export folder carries the name the user gave the export):

    <prefix>/<export-name>/data/<partition>/[<execution>/]<export-name>-00001.snappy.parquet
    <prefix>/<export-name>/metadata/<partition>/[<execution>/]<export-name>-Manifest.json

`<partition>` is `BILLING_PERIOD=YYYY-MM`; the `<execution>` folder exists only when the export
keeps every refresh (CREATE_NEW_REPORT). The manifest is written after the data files, so a
manifest marks a complete delivery; the newest manifest of a partition is its latest delivery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from infralyzer.exports.layout import MANIFEST_SUFFIX
from infralyzer.sync.config import Source
from infralyzer.sync.export_types import SourceTable, recognise

_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")


class SyncError(Exception):
    """A problem the user must fix, with the export, period and key it concerns."""


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    etag: str  # without quotes
    last_modified: datetime

    @property
    def etag_is_md5(self) -> bool:
        """Single-part uploads have the MD5 as ETag (except with SSE-KMS, checked on download)."""
        return bool(_MD5_ETAG.match(self.etag))


@dataclass(frozen=True)
class DataFile:
    obj: S3Object
    relpath: str  # path under the export folder, e.g. data/BILLING_PERIOD=2026-08/x-00001.snappy.parquet


@dataclass
class Delivery:
    """The latest complete delivery of one partition of one export."""

    source: Source
    export_name: str
    export_root: str  # key prefix of the export folder, ending in "/"
    partition: str  # e.g. BILLING_PERIOD=2026-08
    execution_folder: str | None
    manifest: S3Object
    manifest_body: bytes | None = None
    execution_id: str | None = None
    delivered_at: datetime | None = None
    data_files: list[DataFile] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    export_type: SourceTable | None = None

    @property
    def billing_period(self) -> str:
        values = dict(part.split("=", 1) for part in self.partition.split("/") if "=" in part)
        return values.get("BILLING_PERIOD", self.partition)

    @property
    def manifest_relpath(self) -> str:
        return self.manifest.key[len(self.export_root):]

    @property
    def data_prefix(self) -> str:
        """Key prefix of this delivery's data folder (what a Glue partition points at)."""
        folder = f"{self.partition}/{self.execution_folder}" if self.execution_folder else self.partition
        return f"{self.export_root}data/{folder}/"

    @property
    def total_bytes(self) -> int:
        return self.manifest.size + sum(f.obj.size for f in self.data_files)

    def where(self, key: str | None = None) -> str:
        """'export <name>, period <p>[, key <k>]' for error messages."""
        text = f"export {self.export_name!r} ({self.source.label}), billing period {self.billing_period}"
        return f"{text}, key s3://{self.source.bucket}/{key}" if key else text


def s3_client(source: Source):
    try:
        session = boto3.Session(profile_name=source.profile, region_name=source.region)
        return session.client("s3", endpoint_url=source.endpoint_url,
                              config=Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=64))
    except Exception as error:  # noqa: BLE001 - an unknown profile, a malformed endpoint
        raise explain(error, f"connecting to {source.label}") from error


def explain(error: Exception, what: str) -> SyncError:
    """A boto3 error as a sentence that says what was being read and what to do."""
    if isinstance(error, NoCredentialsError):
        return SyncError(f"{what}: no AWS credentials (set AWS_PROFILE or the source's `profile`).")
    if isinstance(error, EndpointConnectionError):
        return SyncError(f"{what}: cannot reach {error.kwargs.get('endpoint_url')}.")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket",):
            return SyncError(f"{what}: the bucket does not exist.")
        if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return SyncError(f"{what}: access denied ({code}); the sync needs s3:ListBucket on the bucket and "
                             "s3:GetObject on the export prefix.")
        if code in ("NoSuchKey", "404"):
            return SyncError(f"{what}: the object does not exist.")
        if code in ("PreconditionFailed", "412"):
            return SyncError(f"{what}: the object changed while it was read (AWS is re-delivering); run the sync again.")
        return SyncError(f"{what}: {code or error}")
    return SyncError(f"{what}: {error}")


def list_objects(client, source: Source) -> dict[str, S3Object]:
    """Every object under the source's prefix (one paginated listing gives sizes and ETags of all files)."""
    prefix = f"{source.prefix}/" if source.prefix else ""
    objects: dict[str, S3Object] = {}
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=source.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                objects[item["Key"]] = S3Object(item["Key"], int(item["Size"]), item["ETag"].strip('"'),
                                                item["LastModified"])
    except Exception as error:  # noqa: BLE001 - every AWS failure becomes one clear message
        raise explain(error, f"listing {source.label}") from error
    return objects


def _split_manifest_key(key: str) -> tuple[str, str, str, str | None] | None:
    """(export root, export name, partition, execution folder) of a manifest key, or None."""
    parts = key.split("/")
    for i in range(len(parts) - 2, 0, -1):
        export = parts[i - 1]
        if parts[i] == "metadata" and parts[-1] == f"{export}{MANIFEST_SUFFIX}":
            inner = parts[i + 1:-1]
            partition = "/".join(p for p in inner if "=" in p)
            execution = "/".join(p for p in inner if "=" not in p) or None
            if not partition:
                return None
            return "/".join(parts[:i]) + "/", export, partition, execution
    return None


def latest_deliveries(source: Source, objects: dict[str, S3Object]) -> list[Delivery]:
    """The newest manifest of each (export, partition) under the source: its latest complete delivery."""
    newest: dict[tuple[str, str], Delivery] = {}
    for key, obj in objects.items():
        if not key.endswith(MANIFEST_SUFFIX) or (split := _split_manifest_key(key)) is None:
            continue
        root, export, partition, execution = split
        if source.exports is not None and export not in source.exports:
            continue
        current = newest.get((root, partition))
        if current is None or (obj.last_modified, key) > (current.manifest.last_modified, current.manifest.key):
            newest[(root, partition)] = Delivery(source, export, root, partition, execution, obj)
    deliveries = sorted(newest.values(), key=lambda d: (d.export_name, d.partition))
    if source.exports is not None:
        missing = sorted(set(source.exports) - {d.export_name for d in deliveries})
        if missing:
            raise SyncError(f"{source.label}: no complete delivery (no <export>/metadata/…/<export>{MANIFEST_SUFFIX}) "
                            f"of the expected export(s) {', '.join(missing)}.")
    return deliveries


def get_object(client, delivery: Delivery, obj: S3Object, **kwargs):
    try:
        return client.get_object(Bucket=delivery.source.bucket, Key=obj.key, IfMatch=f'"{obj.etag}"', **kwargs)
    except Exception as error:  # noqa: BLE001
        raise explain(error, f"reading {delivery.where(obj.key)}") from error


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _column_names(columns: Iterable) -> list[str]:
    return [c.get("name", "") if isinstance(c, dict) else str(c) for c in columns or ()]


def read_manifest(client, delivery: Delivery, objects: dict[str, S3Object], project_dir: Path) -> Delivery:
    """Fill in the delivery from its manifest: data files (each checked against the listing), type, ids."""
    body = get_object(client, delivery, delivery.manifest)["Body"].read()
    try:
        manifest = json.loads(body)
    except ValueError as error:
        raise SyncError(f"{delivery.where(delivery.manifest.key)}: the manifest is not JSON ({error}).") from error
    delivery.manifest_body = body
    delivery.execution_id = (manifest.get("executionId") or delivery.execution_folder or delivery.manifest.etag)
    delivery.delivered_at = (_parse_time(manifest.get("exportCreationTime"))
                             or delivery.manifest.last_modified.astimezone(UTC))
    marker = f"/{delivery.export_name}/data/"
    files = []
    for uri in manifest.get("dataFiles") or []:
        # The manifest names the bucket it was written to; a replicated bucket holds the same
        # layout, so the file is located by its path below the export folder.
        uri_key = str(uri).split("://", 1)[-1].split("/", 1)[-1]
        at = f"/{uri_key}".rfind(marker)
        if at < 0:
            raise SyncError(f"{delivery.where(uri_key)}: the manifest lists a file outside the export's data folder.")
        relpath = "data/" + f"/{uri_key}"[at + len(marker):]
        key = delivery.export_root + relpath
        if key not in objects:
            raise SyncError(f"{delivery.where(key)}: the manifest lists this data file, but it is not in the bucket.")
        files.append(DataFile(objects[key], relpath))
    if not files:
        raise SyncError(f"{delivery.where(delivery.manifest.key)}: the manifest lists no data files.")
    delivery.data_files = files
    delivery.columns = _column_names(manifest.get("columns"))
    try:
        delivery.export_type = recognise(project_dir, delivery.columns)
    except ValueError as error:
        raise SyncError(f"{delivery.where()}: {error}") from error
    return delivery
