"""The Azure and Google Cloud FOCUS exports of the generator: shaped as the providers deliver them,
deterministic, and described exactly by their answer-key fragments."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from infralyzer.exports.generate.writers import other_clouds
from infralyzer.exports.layout import manifest_path

PERIOD = "2026-02"


def _files(exports: Path, export_type: str) -> list[Path]:
    export = other_clouds.EXPORT_NAMES[export_type]
    manifest = json.loads(manifest_path(exports, export, PERIOD).read_text())
    return [exports / f for f in manifest["dataFiles"]]


def _read(files: list[Path]) -> str:
    paths = ", ".join(f"'{f}'" for f in files)
    if files[0].name.endswith(".csv.gz"):
        return f"read_csv([{paths}], all_varchar = true, hive_partitioning = false)"
    return f"read_parquet([{paths}], hive_partitioning = false)"


@pytest.mark.parametrize("export_type", ["azure_focus", "gcp_focus"])
def test_the_key_is_what_the_files_add_up_to(tmp_path, export_type):
    key = other_clouds.write_period(tmp_path, export_type, PERIOD, seed=3)
    relation = _read(_files(tmp_path, export_type))
    rows = duckdb.sql(f"""
        select BillingAccountId, SubAccountId, nullif(ServiceName, ''),
               sum(cast(BilledCost as decimal(18, 8))), sum(cast(EffectiveCost as decimal(18, 8))), count(*)
        from {relation} group by all
    """).fetchall()
    got = {(r[0], r[1], r[2]): (Decimal(r[3]), Decimal(r[4])) for r in rows}
    expected = {(g["billing_account_id"], g["sub_account_id"], g["service_name"]):
                (Decimal(g["billed_cost"]), Decimal(g["effective_cost"])) for g in key["by_sub_account_service"]}
    assert got == expected
    assert sum(r[5] for r in rows) == key["row_count"] > 100
    # FOCUS: what is billed over the period equals what is effectively consumed (the reservation's
    # purchase is spread over its used and unused rows)
    assert Decimal(key["billed_cost"]) == Decimal(key["effective_cost"])


def test_the_exports_keep_each_providers_columns_and_quirks(tmp_path):
    other_clouds.write_period(tmp_path, "azure_focus", PERIOD, seed=3)
    other_clouds.write_period(tmp_path, "gcp_focus", PERIOD, seed=3)
    azure = _files(tmp_path, "azure_focus")
    assert [f.name for f in azure] == ["part_0_0001.csv.gz"]
    columns = [c for c, in duckdb.sql(f"select column_name from (describe select * from {_read(azure)})").fetchall()]
    assert columns == other_clouds.FOCUS10_COLUMNS + other_clouds.AZURE_X_COLUMNS
    assert "x_SkuMeterCategory" in columns and "ServiceSubcategory" not in columns  # FOCUS 1.0
    empty_service = duckdb.sql(f"select ChargeDescription, ServiceCategory from {_read(azure)} "
                               "where ServiceName is null").fetchall()
    assert empty_service == [("RoundingAdjustment", None)]
    statuses = {r[0] for r in duckdb.sql(f"select CommitmentDiscountStatus from {_read(azure)}").fetchall()}
    assert statuses == {None, "Used", "Unused"}

    gcp = _files(tmp_path, "gcp_focus")
    assert [f.name for f in gcp] == ["focus-000000000000.parquet"]
    schema = pq.read_schema(gcp[0])
    category = schema.field("ServiceCategory").type
    assert pa.types.is_list(category) and category.value_type == pa.string()
    assert {"x_ServiceId", "x_CostType", "x_ExportTime"} <= set(schema.names)


def test_same_arguments_give_the_same_rows_and_a_new_revision_other_ones(tmp_path):
    a = other_clouds.write_period(tmp_path / "a", "gcp_focus", PERIOD, seed=3)
    b = other_clouds.write_period(tmp_path / "b", "gcp_focus", PERIOD, seed=3)
    c = other_clouds.write_period(tmp_path / "c", "gcp_focus", PERIOD, seed=3, revision=1)
    assert a == b and a != c
    # a re-delivery replaces the period's files: one delivery, the old files gone
    other_clouds.write_period(tmp_path / "a", "gcp_focus", PERIOD, seed=3, revision=1)
    data = tmp_path / "a" / other_clouds.GCP_EXPORT / "data" / f"BILLING_PERIOD={PERIOD}"
    assert [p.name for p in data.iterdir()] == ["focus-000000000000.parquet"]
