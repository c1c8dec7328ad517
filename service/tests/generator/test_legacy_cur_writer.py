"""The legacy CUR writer: AWS's legacy names, both layouts, and a manifest naming the current assembly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from infralyzer.exports.generate import generate
from infralyzer.exports.generate.legacy_cur import (
    CUR2_ONLY_COLUMNS,
    athena_name,
    legacy_column_name,
    legacy_map_column_name,
    read_cur2_month,
    write_legacy_cur,
)
from infralyzer.exports.schemas import EXPORTS

PERIOD = "2026-09"


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    exports = tmp_path_factory.mktemp("legacy_writer") / "exports"
    generate(exports, periods=[PERIOD], line_items_per_month=1_500, seed=5, exports=("cur2",))
    return exports


@pytest.mark.parametrize(("legacy", "athena"), [
    ("lineItem/UsageAmount", "line_item_usage_amount"),
    ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
    ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
    ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
    ("product/ProductName", "product_product_name"),
    ("resourceTags/user:Cost Center", "resource_tags_user_cost_center"),
    ("resourceTags/aws:createdBy", "resource_tags_aws_created_by"),
])
def test_athena_names_follow_aws(legacy: str, athena: str) -> None:
    assert athena_name(legacy) == athena


def test_every_cur2_column_has_a_legacy_name_that_maps_back() -> None:
    _, schema = EXPORTS["cur2"]
    for field in schema:
        if field.name in CUR2_ONLY_COLUMNS or str(field.type).startswith("map"):
            continue
        assert athena_name(legacy_column_name(field.name)) == field.name
    assert legacy_column_name("line_item_usage_amount") == "lineItem/UsageAmount"
    assert legacy_map_column_name("resource_tags", "user_Team") == "resourceTags/user:Team"
    assert legacy_map_column_name("product", "instance_type_family") == "product/instanceTypeFamily"


def test_csv_report_in_assembly_folders(exports: Path, tmp_path: Path) -> None:
    month = read_cur2_month(exports, PERIOD)
    write_legacy_cur(exports, PERIOD, tmp_path, assembly_id="first", rows_per_file=1_000)
    manifest_path = write_legacy_cur(exports, PERIOD, tmp_path, assembly_id="second", rows_per_file=1_000)

    assert manifest_path == tmp_path / "cur" / "legacy-cur" / "20260901-20261001" / "legacy-cur-Manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["assemblyId"] == "second"
    assert manifest["reportKeys"] == [f"cur/legacy-cur/20260901-20261001/second/legacy-cur-{n}.csv.gz"
                                      for n in range(1, -(-month.num_rows // 1_000) + 1)]
    assert (manifest_path.parent / "first").is_dir()  # the older assembly stays, as AWS leaves it
    with gzip.open(tmp_path / manifest["reportKeys"][0], "rb") as handle:
        header = pacsv.read_csv(handle).column_names
    assert {"identity/LineItemId", "lineItem/UnblendedCost", "bill/PayerAccountId",
            "product/productName", "costCategory/business_unit"} <= set(header)
    assert any(name.startswith("resourceTags/user:") for name in header)
    assert not set(CUR2_ONLY_COLUMNS) & set(header)
    rows = sum(pacsv.read_csv(tmp_path / key).num_rows for key in manifest["reportKeys"])
    assert rows == month.num_rows


def test_parquet_report_in_the_athena_layout(exports: Path, tmp_path: Path) -> None:
    manifest = json.loads(write_legacy_cur(exports, PERIOD, tmp_path, file_format="parquet").read_text())

    (key,) = manifest["reportKeys"]
    assert key == "cur/legacy-cur/legacy-cur/year=2026/month=9/legacy-cur-00001.snappy.parquet"
    table = pq.read_table(tmp_path / key)
    assert table.num_rows == read_cur2_month(exports, PERIOD).num_rows
    assert {"line_item_unblended_cost", "product_product_name", "resource_tags_user_team"} <= set(table.column_names)
    assert str(table.schema.field("line_item_usage_start_date").type) == "timestamp[ms]"
