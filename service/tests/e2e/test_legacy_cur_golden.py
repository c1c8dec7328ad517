"""Legacy CUR (CUR 1.0) gives the marts CUR 2.0 gives: the same charges, delivered once as CUR 2.0
and once as legacy Cost and Usage Reports in the AWS legacy layouts (GZIP CSV with slash names in
assembly folders, Parquet in the Athena year=/month= layout), build identical marts.

The CUR 2.0 side holds what a legacy report can hold (`legacy_expressible`: no account names, no
IAM principal, tags = resource tags, and in Parquet the tag keys as AWS's Parquet names them), so
every difference left would be a mapping error of the legacy landing (macros/sources/land_legacy_cur.sql).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import generate
from infralyzer.exports.generate.legacy_cur import legacy_expressible, read_cur2_month, write_legacy_cur
from infralyzer.exports.layout import open_delivery
from infralyzer.publish import latest_snapshot
from infralyzer.settings import Settings

pytestmark = pytest.mark.e2e

# one period per legacy format: the CSV report and the Parquet report are two reports of one payer
FORMAT_OF_PERIOD = {"2026-08": "csv", "2026-09": "parquet"}
LINE_ITEMS = 4_000
SEED = 23
OTHER_EXPORTS = ("focus", "coh", "carbon")
# columns that name the delivery a row was built from (execution ids, report names, times, and the
# export type: cur1 for a legacy report), not the charges
# x_DeliveryExecutionId: the FOCUS mart's delivery id, a FOCUS custom column
DELIVERY_COLUMNS = {"delivery_execution_id", "x_DeliveryExecutionId", "execution_id", "delivered_at", "export_name",
                    "export_type"}


def settings_for(root: Path, exports_dir: Path) -> Settings:
    return Settings(exports_dir=exports_dir, build_db=root / "build" / "infralyzer.duckdb", publish_dir=root / "publish")


def copy_other_exports(source: Path, target: Path) -> None:
    for export in OTHER_EXPORTS:
        shutil.copytree(source / export, target / export)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    exports = tmp_path_factory.mktemp("legacy_generated") / "exports"
    generate(exports, periods=sorted(FORMAT_OF_PERIOD), line_items_per_month=LINE_ITEMS, seed=SEED)
    return exports


def write_cur2(exports_dir: Path, period: str, table: pa.Table) -> None:
    with open_delivery(exports_dir, "cur2", period, table["bill_payer_account_id"][0].as_py()) as delivery:
        delivery.write(table)


def marts(snapshot: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every marts.* table of a published snapshot: its columns and its rows (sorted), without the delivery columns."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [table]).fetchall()
            kept = [name for name, _ in columns if name not in DELIVERY_COLUMNS]
            # money is decimal and compared exactly; sums of doubles (usage amounts, ratios) depend on
            # the order DuckDB's threads add them in, so they are compared to 12 significant digits
            select_list = ", ".join(
                f"printf('%.12g', \"{name}\")" if data_type in ("DOUBLE", "FLOAT") else f'"{name}"'
                for name, data_type in columns if name not in DELIVERY_COLUMNS)
            rows = con.execute(f"select {select_list} from marts.{table} order by all").fetchall()
            out[table] = (kept, rows)
        return out
    finally:
        con.close()


def build_and_read_marts(root: Path, exports_dir: Path) -> dict:
    settings = settings_for(root, exports_dir)
    run_dbt(settings, "build")
    return marts(latest_snapshot(settings.publish_dir).path)


def test_legacy_cur_reports_give_the_marts_of_cur2(generated: Path, tmp_path: Path) -> None:
    cur2_exports, legacy_exports = tmp_path / "cur2_exports", tmp_path / "legacy_exports"
    for target in (cur2_exports, legacy_exports):
        copy_other_exports(generated, target)
    for period, file_format in FORMAT_OF_PERIOD.items():
        month = read_cur2_month(generated, period)
        write_cur2(cur2_exports, period, legacy_expressible(month, file_format))
        write_legacy_cur(generated, period, legacy_exports / "s3", file_format=file_format,
                         report_name=f"acme-{file_format}", prefix="billing/legacy")

    expected = build_and_read_marts(tmp_path / "cur2_build", cur2_exports)
    actual = build_and_read_marts(tmp_path / "legacy_build", legacy_exports)

    assert sorted(actual) == sorted(expected)
    assert sum(len(rows) for _, rows in expected.values()) > 0
    different = {}
    for table, (columns, rows) in expected.items():
        legacy_columns, legacy_rows = actual[table]
        assert legacy_columns == columns, table
        if legacy_rows != rows:
            only_cur2, only_legacy = set(rows) - set(legacy_rows), set(legacy_rows) - set(rows)
            different[table] = (len(rows), len(legacy_rows), sorted(only_cur2)[:2], sorted(only_legacy)[:2])
    assert not different, different
    # the line items really came from the legacy reports
    con = duckdb.connect(str(tmp_path / "legacy_build" / "build" / "infralyzer.duckdb"), read_only=True)
    try:
        delivered = con.execute("select export_name, export_type, billing_period from landing.deliveries "
                                "where export_type like 'cur%' order by billing_period").fetchall()
    finally:
        con.close()
    assert delivered == [("acme-csv", "cur1", "2026-08"), ("acme-parquet", "cur1", "2026-09")]


def landed(settings: Settings) -> tuple[list[tuple], list[tuple]]:
    """Land the exports (on-run-start) and read back the legacy deliveries and line items per period."""
    run_dbt(settings, "run", "-s", "stg_aws_data_exports__deliveries")
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        deliveries = con.execute("select export_type, billing_period, execution_id from landing.deliveries "
                                 "where export_type like 'cur%' order by all").fetchall()
        line_items = con.execute("select billing_period, count(*), sum(line_item_unblended_cost) from landing.cur1 "
                                 "group by all order by all").fetchall()
        return deliveries, line_items
    finally:
        con.close()


def test_the_manifest_names_the_assembly_read_and_cur2_wins_a_period_it_delivers(generated: Path,
                                                                                  tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    august, september = read_cur2_month(generated, "2026-08"), read_cur2_month(generated, "2026-09")
    # an older assembly of September (half the rows) stays on disk beside the current one
    write_legacy_cur(generated, "2026-09", exports, cur2=september.slice(0, september.num_rows // 2),
                     assembly_id="older-assembly")
    manifest = write_legacy_cur(generated, "2026-09", exports, assembly_id="newer-assembly")
    assert (manifest.parent / "older-assembly").is_dir()
    assert json.loads(manifest.read_text())["assemblyId"] == "newer-assembly"
    # August comes as CUR 2.0 and as a legacy report: CUR 2.0 is read, the legacy copy is not
    write_legacy_cur(generated, "2026-08", exports)
    write_cur2(exports, "2026-08", august)

    deliveries, line_items = landed(settings_for(tmp_path / "build", exports))

    assert ("cur1", "2026-09", "newer-assembly") in deliveries
    assert [d for d in deliveries if d[0] == "cur1"] == [("cur1", "2026-09", "newer-assembly")]
    assert line_items == [("2026-09", september.num_rows,
                           pytest.approx(sum(v for v in september["line_item_unblended_cost"].to_pylist() if v)))]
