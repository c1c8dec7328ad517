"""The exports as external Hive tables on the Trino server, the way Athena sees them through Glue.

Each export becomes `<schema>.<export>`: an external Parquet table over <exports>/<export>/data,
partitioned by `billing_period` from the BILLING_PERIOD=YYYY-MM folders, with the columns of the
export's Arrow schema (infralyzer.exports.schemas). `<schema>.deliveries` holds the latest
complete delivery of each export and period, read from the manifests: what `infralyzer sync`
maintains for Athena and the DuckDB landing writes at on-run-start.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from infralyzer.exports.layout import delivered_periods, read_manifest
from infralyzer.exports.schemas import EXPORTS

EXPORTS_SCHEMA = "cid_data_export"  # the sources' default Athena schema


def trino_type(arrow_type: pa.DataType) -> str:
    """The Hive column type Glue gives an Arrow (Parquet) column."""
    if pa.types.is_map(arrow_type):
        return f"map({trino_type(arrow_type.key_type)}, {trino_type(arrow_type.item_type)})"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp(3)"
    simple = {pa.string(): "varchar", pa.float64(): "double", pa.int32(): "integer", pa.int64(): "bigint",
              pa.bool_(): "boolean"}
    if arrow_type not in simple:
        raise ValueError(f"no Hive type for the Arrow type {arrow_type}")
    return simple[arrow_type]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_exports(cursor, exports_dir: Path, schema: str = EXPORTS_SCHEMA) -> None:
    """(Re)creates the export tables and the deliveries table in the `hive` catalog."""
    exports_dir = Path(exports_dir).resolve()

    def run(sql: str) -> list:
        cursor.execute(sql)
        return cursor.fetchall()

    run(f"create schema if not exists hive.{schema}")
    delivery_rows = []
    for export, (_, arrow_schema) in EXPORTS.items():
        run(f"drop table if exists hive.{schema}.{export}")
        columns = ",\n    ".join(f'"{f.name.lower()}" {trino_type(f.type)}' for f in arrow_schema)
        run(f"""create table hive.{schema}.{export} (
    {columns},
    billing_period varchar
) with (
    external_location = 'local://{exports_dir / export / "data"}',
    format = 'PARQUET',
    partitioned_by = array['billing_period']
)""")
        # Athena's MSCK REPAIR TABLE; the folders are named BILLING_PERIOD=, the column billing_period
        run(f"call hive.system.sync_partition_metadata('{schema}', '{export}', 'FULL', false)")
        for period in delivered_periods(exports_dir, export):
            manifest = read_manifest(exports_dir, export, period)
            created_at = manifest["exportCreationTime"].replace("T", " ").rstrip("Z")
            delivery_rows.append(
                f"({_sql_string(export)}, {_sql_string(period)}, {_sql_string(manifest['executionId'])}, "
                f"cast({_sql_string(created_at)} as timestamp(3)), {len(manifest['dataFiles'])})")
    run(f"drop table if exists hive.{schema}.deliveries")
    run(f"""create table hive.{schema}.deliveries as
select * from (values {", ".join(delivery_rows)})
    as deliveries (export_name, billing_period, execution_id, delivered_at, file_count)""")
