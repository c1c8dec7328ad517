"""What `dbt build --target athena` reads, maintained in Glue over the exports' S3 layout.

* One Glue table per export type, named like its dbt source table (`cur2`, `focus`, …) with the
  columns the source declares, partitioned by (`export_name`, `billing_period`): every export of
  that type is a set of partitions, each pointing at its latest complete delivery's data folder
  (with CREATE_NEW_REPORT, the newest execution folder), so a query never mixes two deliveries.
* The deliveries table (source `aws_data_exports.deliveries`, same columns as its YAML declares):
  one row per export and billing period, written as one Parquet object that the sync uploads
  (a single PUT, so readers see the old or the new table, never half of one).
No Athena query is run; Glue and S3 calls only.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq

from infralyzer.settings import get_settings
from infralyzer.sync.config import SyncConfig
from infralyzer.sync.export_types import SourceTable, source_table
from infralyzer.sync.remote import Delivery, SyncError, explain

_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                  "Parameters": {"serialization.format": "1"}},
}
# AWS's gzip CSV exports: a header row, quoted fields (Athena reads .gz text transparently).
# OpenCSVSerde reads text, so map columns (product, tags, …) stay JSON text: Parquet exports are
# the ones to use with Athena.
_CSV = {
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                  "Parameters": {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\",
                                 "skip.header.line.count": "1"}},
}
PARTITION_KEYS = [{"Name": "export_name", "Type": "string"}, {"Name": "billing_period", "Type": "string"}]
_SIMPLE_TYPES = {"varchar": "string", "text": "string", "string": "string", "double": "double", "float": "float",
                 "integer": "int", "int": "int", "bigint": "bigint", "boolean": "boolean", "date": "date",
                 "timestamp": "timestamp", "timestamp with time zone": "timestamp"}
_ARROW_TYPES = {"string": pa.string(), "int": pa.int32(), "bigint": pa.int64(), "double": pa.float64(),
                "timestamp": pa.timestamp("ms"), "date": pa.date32(), "boolean": pa.bool_()}


def hive_type(duckdb_type: str) -> str:
    """The Glue (Hive) type of a source column's declared DuckDB type: `map(varchar, double)` -> `map<string,double>`."""
    text = duckdb_type.strip().lower()
    if text in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[text]
    if match := re.fullmatch(r"map\s*\(\s*(\w[\w ]*?)\s*,\s*(\w[\w ]*?)\s*\)", text):
        return f"map<{hive_type(match[1])},{hive_type(match[2])}>"
    if re.fullmatch(r"decimal\s*\(\s*\d+\s*,\s*\d+\s*\)", text):
        return text.replace(" ", "")
    raise ValueError(f"no Glue type for the declared column type {duckdb_type!r}")


def file_format(delivery: Delivery) -> str:
    """`csv` (AWS's gzip CSV) or `parquet`, from the data files' names, as the landing names it."""
    return "csv" if delivery.data_files[0].relpath.endswith((".csv.gz", ".csv")) else "parquet"


def _format_of(delivery: Delivery) -> dict:
    return _CSV if file_format(delivery) == "csv" else _PARQUET


def absent_optional_columns(delivery: Delivery) -> str | None:
    """The optional columns of the delivery's type its manifest does not list, comma-separated
    in declared order (as the DuckDB landing writes them); null when none is missing."""
    present = {c.lower() for c in delivery.columns}
    absent = [c for c in delivery.export_type.optional_columns if c.lower() not in present]
    return ", ".join(absent) or None


def _storage(columns: list[dict], location: str, fmt: dict) -> dict:
    return {"Columns": columns, "Location": location, **fmt}


def _partition_shape(storage: dict) -> tuple:
    """What a partition update must change: where it points, how the files are read, its columns."""
    return (storage.get("Location"), storage.get("SerdeInfo", {}).get("SerializationLibrary"),
            [(c["Name"], c["Type"]) for c in storage.get("Columns", [])])


def _glue(config: SyncConfig):
    athena = config.athena
    settings = get_settings()
    first = config.sources[0]
    session = boto3.Session(profile_name=athena.profile or settings.athena_profile or first.profile,
                            region_name=athena.region or settings.athena_region or first.region)
    return session.client("glue", endpoint_url=athena.endpoint_url), session


def _ensure_database(glue, database: str) -> None:
    try:
        glue.get_database(Name=database)
    except glue.exceptions.EntityNotFoundException:
        glue.create_database(DatabaseInput={"Name": database, "Description": "AWS Data Exports (infralyzer sync)"})


def _put_table(glue, database: str, table_input: dict) -> None:
    try:
        glue.get_table(DatabaseName=database, Name=table_input["Name"])
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=table_input)
    else:
        glue.update_table(DatabaseName=database, TableInput=table_input)


def _sync_export_table(glue, database: str, table: SourceTable, deliveries: list[Delivery]) -> int:
    columns = [{"Name": name, "Type": hive_type(data_type)} for name, data_type in table.columns]
    first = deliveries[0]
    _put_table(glue, database, {
        "Name": table.identifier,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", "classification": "csv" if _format_of(first) is _CSV else "parquet",
                       "infralyzer.export_type": table.export_type or ""},
        "PartitionKeys": PARTITION_KEYS,
        "StorageDescriptor": _storage(columns, f"s3://{first.source.bucket}/{first.export_root}data/",
                                      _format_of(first)),
    })
    existing = {}
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table.identifier):
        for partition in page["Partitions"]:
            existing[tuple(partition["Values"])] = partition["StorageDescriptor"]
    new = []
    changed = 0
    for delivery in deliveries:
        values = [delivery.export_name, delivery.billing_period]
        storage = _storage(columns, f"s3://{delivery.source.bucket}/{delivery.data_prefix}", _format_of(delivery))
        partition = {"Values": values, "StorageDescriptor": storage}
        current = existing.get(tuple(values))
        if current is None:
            new.append(partition)
        elif _partition_shape(current) != _partition_shape(storage):
            glue.update_partition(DatabaseName=database, TableName=table.identifier, PartitionValueList=values,
                                  PartitionInput=partition)
            changed += 1
    for start in range(0, len(new), 100):
        result = glue.batch_create_partition(DatabaseName=database, TableName=table.identifier,
                                             PartitionInputList=new[start:start + 100])
        if result.get("Errors"):
            raise SyncError(f"Glue refused partitions of {database}.{table.identifier}: {result['Errors']}")
    return len(new) + changed


def deliveries_table(table: SourceTable, deliveries: list[Delivery]) -> pa.Table:
    """One row per export and billing period, with exactly the columns the source YAML declares."""
    rows = [{
        "export_name": d.export_name,
        "export_type": d.export_type.export_type if d.export_type else None,
        "billing_period": d.billing_period,
        "execution_id": d.execution_id,
        "delivered_at": d.delivered_at.replace(tzinfo=None) if d.delivered_at else None,  # UTC, no zone
        "file_count": len(d.data_files),
        "file_format": file_format(d),
        "absent_optional_columns": absent_optional_columns(d),
    } for d in deliveries]
    schema = pa.schema([(name, _ARROW_TYPES[hive_type(data_type)]) for name, data_type in table.columns])
    known = {"export_name", "export_type", "billing_period", "execution_id", "delivered_at", "file_count",
             "file_format", "absent_optional_columns"}
    if unknown := [name for name in schema.names if name not in known]:
        raise SyncError(f"the deliveries source declares column(s) the sync does not know how to fill: {unknown}")
    return pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)


def publish_to_glue(config: SyncConfig, deliveries: list[Delivery], project_dir: Path, *,
                    echo: Callable[[str], None] = print) -> None:
    """Create or update the export tables, their partitions and the deliveries table in Glue."""
    database = config.athena.database
    recognised = [d for d in deliveries if d.export_type is not None]
    try:
        glue, session = _glue(config)
        _ensure_database(glue, database)
        by_type: dict[SourceTable, list[Delivery]] = defaultdict(list)
        for delivery in recognised:
            by_type[delivery.export_type].append(delivery)
        for table, group in sorted(by_type.items(), key=lambda item: item[0].identifier):
            count = _sync_export_table(glue, database, table, group)
            echo(f"glue {database}.{table.identifier}: {len(group)} partition(s), {count} new or moved")

        table = source_table(project_dir, "aws_data_exports", "deliveries")
        location = (config.athena.deliveries_location
                    or f"s3://{config.sources[0].bucket}/infralyzer/deliveries/").rstrip("/") + "/"
        bucket, _, key_prefix = location.removeprefix("s3://").partition("/")
        buffer = io.BytesIO()
        pq.write_table(deliveries_table(table, recognised), buffer, coerce_timestamps="ms",
                       allow_truncated_timestamps=True)
        first = config.sources[0]
        s3 = session.client("s3", endpoint_url=first.endpoint_url)
        s3.put_object(Bucket=bucket, Key=f"{key_prefix}deliveries.parquet", Body=buffer.getvalue())
        columns = [{"Name": name, "Type": hive_type(data_type)} for name, data_type in table.columns]
        _put_table(glue, database, {
            "Name": table.identifier,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"EXTERNAL": "TRUE", "classification": "parquet"},
            "StorageDescriptor": _storage(columns, location, _PARQUET),
        })
        echo(f"glue {database}.{table.identifier}: {len(recognised)} delivery row(s) at {location}")
    except SyncError:
        raise
    except Exception as error:  # noqa: BLE001
        raise explain(error, f"maintaining the Glue database {database}") from error
