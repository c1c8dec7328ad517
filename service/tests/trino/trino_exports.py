"""The exports as external Hive tables on the Trino server, laid out as `infralyzer sync` lays them
out in Glue for Athena (infralyzer.sync.athena):

* one table per export type, named like its dbt source table, with the columns the source YAML
  declares, partitioned by (export_name, billing_period); each partition points at the data folder
  of that export's latest complete delivery of the period (the one its manifest lists);
* `deliveries`: one row per export and billing period, from the manifests, with the columns the
  source declares.
"""

from __future__ import annotations

from pathlib import Path

from infralyzer.exports.layout import delivered_periods, partition_dir, read_manifest
from infralyzer.settings import Settings
from infralyzer.sync.export_types import export_types, source_table

EXPORTS_SCHEMA = "cid_data_export"  # the sources' default Athena schema


def trino_type(declared: str) -> str:
    """Trino's Hive column type for a source column's declared type. The declarations use DuckDB's
    names, which Trino shares, but Hive has no zoned timestamp: Parquet's UTC timestamps read as
    `timestamp`, as in Athena."""
    text = declared.strip().lower()
    return "timestamp(3)" if text.startswith("timestamp") else text


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_exports(cursor, exports_dir: Path, schema: str = EXPORTS_SCHEMA,
                     project_dir: Path | None = None) -> None:
    """(Re)creates the export tables and the deliveries table in the `hive` catalog. An export's
    folder under `exports_dir` is named like its source table (as the sample generator writes them)."""
    exports_dir = Path(exports_dir).resolve()
    project_dir = project_dir or Settings().project_dir

    def run(sql: str) -> list:
        cursor.execute(sql)
        return cursor.fetchall()

    run(f"create schema if not exists hive.{schema}")
    delivery_rows = []
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
            manifest = read_manifest(exports_dir, export, period)
            delivery_rows.append({
                "export_name": export,
                "billing_period": period,
                "execution_id": manifest["executionId"],
                "delivered_at": manifest["exportCreationTime"].replace("T", " ").rstrip("Z"),
                "file_count": len(manifest["dataFiles"]),
            })
    deliveries = source_table(project_dir, "aws_data_exports", "deliveries")
    run(f"drop table if exists hive.{schema}.{deliveries.identifier}")
    values = ", ".join(
        "(" + ", ".join(f"cast({_sql_string(str(row[name]))} as {trino_type(data_type)})"
                        for name, data_type in deliveries.columns) + ")"
        for row in delivery_rows)
    names = ", ".join(name for name, _ in deliveries.columns)
    run(f"create table hive.{schema}.{deliveries.identifier} as "
        f"select * from (values {values}) as deliveries ({names})")
