"""`infralyzer sync --target athena` against moto's S3 and Glue: export tables, partitions over the
latest deliveries, and the deliveries table dbt's Athena build reads."""

from __future__ import annotations

import io
import json

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from s3_exports import CSV_EXPORT, PERIODS, generated_table, next_second

from infralyzer.settings import get_settings
from infralyzer.sync import AthenaTarget, Source, SyncConfig, SyncError, sync
from infralyzer.sync.athena import hive_type
from infralyzer.sync.export_types import export_types, source_table

PROJECT_DIR = get_settings().project_dir


def _database(bucket) -> str:
    return f"exports_{bucket.bucket.replace('-', '_')}"


def _run(bucket, endpoint: str) -> list[str]:
    config = SyncConfig(
        sources=[Source(bucket=bucket.bucket, prefix=bucket.prefix, region="us-east-1", endpoint_url=endpoint)],
        athena=AthenaTarget(database=_database(bucket), region="us-east-1", endpoint_url=endpoint,
                            deliveries_location=f"s3://{bucket.bucket}/infralyzer/deliveries"),
    )
    lines: list[str] = []
    sync(config, exports_dir=PROJECT_DIR / "unused", project_dir=PROJECT_DIR, target="athena", echo=lines.append)
    return lines


def _partitions(glue, database: str, table: str) -> dict[tuple[str, str], dict]:
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return {tuple(p["Values"]): p["StorageDescriptor"] for page in pages for p in page["Partitions"]}


def test_glue_tables_partitions_and_deliveries(export_bucket, moto_endpoint):
    glue = boto3.client("glue", endpoint_url=moto_endpoint, region_name="us-east-1")
    # one delivery without two optional columns (its manifest lists the columns its files hold)
    without_optional = generated_table(export_bucket.generated_dir, "cur2", PERIODS[0]).drop_columns(
        ["split_line_item_split_cost", "line_item_resource_id"])
    export_bucket.put_delivery("acme-cur", PERIODS[0], without_optional)
    _run(export_bucket, moto_endpoint)

    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=_database(export_bucket))["TableList"]}
    assert set(tables) == {"cur2", "focus", "coh", "carbon", "deliveries"}
    for kind in export_types(PROJECT_DIR):
        table = tables[kind.identifier]
        assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
            (name, hive_type(data_type)) for name, data_type in kind.columns]
        assert [k["Name"] for k in table["PartitionKeys"]] == ["export_name", "billing_period"]

    root = f"s3://{export_bucket.bucket}/{export_bucket.prefix}"
    cur2 = _partitions(glue, _database(export_bucket), "cur2")
    assert set(cur2) == {(name, p) for name in ("acme-cur", CSV_EXPORT) for p in PERIODS}
    assert cur2[("acme-cur", PERIODS[0])]["Location"] == f"{root}/acme-cur/data/BILLING_PERIOD={PERIODS[0]}/"
    assert cur2[("acme-cur", PERIODS[0])]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    newest = export_bucket.latest[(CSV_EXPORT, PERIODS[-1])].execution_id
    assert cur2[(CSV_EXPORT, PERIODS[-1])]["Location"] == f"{root}/{CSV_EXPORT}/data/BILLING_PERIOD={PERIODS[-1]}/{newest}/"
    assert cur2[(CSV_EXPORT, PERIODS[-1])]["SerdeInfo"]["SerializationLibrary"].endswith("OpenCSVSerde")
    assert set(_partitions(glue, _database(export_bucket), "focus")) == {("acme-focus", p) for p in PERIODS}

    # the deliveries table: a Glue table over the one Parquet object, with the source's columns
    declared = source_table(PROJECT_DIR, "aws_data_exports", "deliveries")
    location = tables["deliveries"]["StorageDescriptor"]["Location"]
    assert location == f"s3://{export_bucket.bucket}/infralyzer/deliveries/"
    assert [(c["Name"], c["Type"]) for c in tables["deliveries"]["StorageDescriptor"]["Columns"]] == [
        (name, hive_type(data_type)) for name, data_type in declared.columns]
    body = export_bucket.s3.get_object(Bucket=export_bucket.bucket, Key="infralyzer/deliveries/deliveries.parquet")
    deliveries = pq.read_table(io.BytesIO(body["Body"].read()))
    assert deliveries.schema.names == [name for name, _ in declared.columns]
    assert deliveries.schema.field("delivered_at").type == pa.timestamp("ms")
    assert deliveries.schema.field("file_count").type == pa.int32()
    rows = {(r["export_name"], r["billing_period"]): r for r in deliveries.to_pylist()}
    assert set(rows) == set(export_bucket.latest)
    for key, uploaded in export_bucket.latest.items():
        assert rows[key]["execution_id"] == uploaded.execution_id
        assert rows[key]["file_count"] == len(uploaded.data_keys)
        assert rows[key]["export_type"] == export_bucket.types[uploaded.export_name]
        assert rows[key]["file_format"] == ("csv" if uploaded.export_name == CSV_EXPORT else "parquet")
        # as the DuckDB landing writes it: declared order, comma-separated, null when none is absent
        assert rows[key]["absent_optional_columns"] == (
            "line_item_resource_id, split_line_item_split_cost" if key == ("acme-cur", PERIODS[0]) else None)
    manifest = json.loads(export_bucket.objects()[export_bucket.latest[("acme-cur", PERIODS[0])].manifest_key])
    assert rows[("acme-cur", PERIODS[0])]["delivered_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == manifest["exportCreationTime"]


def test_a_new_execution_moves_its_partition(export_bucket, moto_endpoint):
    glue = boto3.client("glue", endpoint_url=moto_endpoint, region_name="us-east-1")
    _run(export_bucket, moto_endpoint)
    period = PERIODS[-1]
    next_second(export_bucket.s3, export_bucket.bucket)
    new = export_bucket.put_delivery(CSV_EXPORT, period, generated_table(export_bucket.generated_dir, "cur2", period),
                                     chunks=1, file_format="csv", create_new=True, manifest_style="object")

    lines = _run(export_bucket, moto_endpoint)

    location = _partitions(glue, _database(export_bucket), "cur2")[(CSV_EXPORT, period)]["Location"]
    assert location.endswith(f"/{CSV_EXPORT}/data/BILLING_PERIOD={period}/{new.execution_id}/")
    assert any(line.startswith(f"glue {_database(export_bucket)}.cur2: 4 partition(s), 1 new or moved") for line in lines)


def test_a_broken_delivery_leaves_glue_unchanged(export_bucket, moto_endpoint):
    glue = boto3.client("glue", endpoint_url=moto_endpoint, region_name="us-east-1")
    export_bucket.s3.delete_object(Bucket=export_bucket.bucket,
                                   Key=export_bucket.latest[("acme-cur", PERIODS[0])].data_keys[0])
    with pytest.raises(SyncError, match="acme-cur"):
        _run(export_bucket, moto_endpoint)
    assert _database(export_bucket) not in {d["Name"] for d in glue.get_databases()["DatabaseList"]}
