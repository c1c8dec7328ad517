"""The exports as external Hive tables on the Trino server, laid out as `infralyzer sync` lays them
out in Glue for Athena (infralyzer.sync.athena):

* one table per export type, named like its dbt source table, with the columns the source YAML
  declares, partitioned by (export_name, billing_period); each partition points at the data folder
  of that export's latest complete delivery of the period (the one its manifest lists);
* `deliveries`: one row per export and billing period, written by the sync's own
  `deliveries_table` as one Parquet file, with an external table over it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from infralyzer.exports.layout import delivered_periods, manifest_path, partition_dir, read_manifest
from infralyzer.settings import Settings
from infralyzer.sync.athena import deliveries_table
from infralyzer.sync.config import Source
from infralyzer.sync.export_types import SourceTable, export_types, source_table
from infralyzer.sync.remote import DataFile, Delivery, S3Object

EXPORTS_SCHEMA = "cid_data_export"  # the sources' default Athena schema


def trino_type(declared: str) -> str:
    """Trino's Hive column type for a source column's declared type. The declarations use DuckDB's
    names, which Trino shares, but Hive has no zoned timestamp: Parquet's UTC timestamps read as
    `timestamp`, as in Athena."""
    text = declared.strip().lower()
    return "timestamp(3)" if text.startswith("timestamp") else text


def local_delivery(exports_dir: Path, table: SourceTable, period: str) -> Delivery:
    """The sample's delivery of one export and period as the sync reads it from S3 (remote.read_manifest)."""
    manifest = read_manifest(exports_dir, table.identifier, period)
    path = manifest_path(exports_dir, table.identifier, period)

    def s3_object(key: str) -> S3Object:
        return S3Object(key, 0, "", datetime.fromtimestamp(path.stat().st_mtime, UTC))

    export_root = f"{table.identifier}/"
    relpaths = ["data/" + uri.split("/data/", 1)[1] for uri in manifest["dataFiles"]]
    return Delivery(
        source=Source(bucket=manifest["bucket"]), export_name=table.identifier, export_root=export_root,
        partition=f"BILLING_PERIOD={period}", execution_folder=None,
        manifest=s3_object(export_root + str(path.relative_to(exports_dir / table.identifier))),
        execution_id=manifest["executionId"],
        delivered_at=datetime.fromisoformat(manifest["exportCreationTime"].replace("Z", "+00:00")),
        data_files=[DataFile(s3_object(export_root + relpath), relpath) for relpath in relpaths],
        columns=[column["name"] for column in manifest["columns"]],
        export_type=table,
    )


def register_exports(cursor, exports_dir: Path, deliveries_dir: Path, schema: str = EXPORTS_SCHEMA,
                     project_dir: Path | None = None) -> None:
    """(Re)creates the export tables and the deliveries table (its file under `deliveries_dir`)
    in the `hive` catalog. An export's folder under `exports_dir` is named like its source table
    (as the sample generator writes them)."""
    exports_dir = Path(exports_dir).resolve()
    project_dir = project_dir or Settings().project_dir

    def run(sql: str) -> list:
        cursor.execute(sql)
        return cursor.fetchall()

    run(f"create schema if not exists hive.{schema}")
    deliveries = []
    for table in export_types(project_dir):
        export = table.identifier
        columns = ",\n    ".join(f'"{name}" {trino_type(data_type)}' for name, data_type in table.columns)
        run(f"drop table if exists hive.{schema}.{export}")
        run(f"""create table hive.{schema}.{export} (
    {columns},
    export_name varchar,
    billing_period varchar
) with (
    external_location = 'local://{exports_dir / export / "data"}',
    format = 'PARQUET',
    partitioned_by = array['export_name', 'billing_period']
)""")
        for period in delivered_periods(exports_dir, export):
            run(f"call hive.system.register_partition('{schema}', '{export}', array['export_name', 'billing_period'], "
                f"array['{export}', '{period}'], 'local://{partition_dir(exports_dir, export, 'data', period)}')")
            deliveries.append(local_delivery(exports_dir, table, period))
    # as the sync uploads it: one Parquet object in a folder of its own, the table over the folder
    table = source_table(project_dir, "aws_data_exports", "deliveries")
    folder = deliveries_dir / schema
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(deliveries_table(table, deliveries), folder / "deliveries.parquet", coerce_timestamps="ms",
                   allow_truncated_timestamps=True)
    columns = ", ".join(f'"{name}" {trino_type(data_type)}' for name, data_type in table.columns)
    run(f"drop table if exists hive.{schema}.{table.identifier}")
    run(f"create table hive.{schema}.{table.identifier} ({columns}) "
        f"with (external_location = 'local://{folder}', format = 'PARQUET')")
