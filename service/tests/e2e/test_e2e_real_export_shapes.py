"""Exports shaped as real AWS accounts deliver them land, and give the marts the generator's shape
gives: folders of any name, varying manifests, timestamps without a time zone, gzip CSV,
CREATE_NEW_REPORT, optional columns left out, FOCUS 1.0 from another provider."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import export_transforms as shapes
from infralyzer.dbt_runner import run_dbt
from infralyzer.publish import latest_snapshot

pytestmark = pytest.mark.e2e

SPEND_DAILY = ("select * exclude (delivery_execution_id) from marts.fct_spend_daily order by all")
HOURLY = ("select * exclude (delivery_execution_id) from marts.fct_compute_on_demand_hourly order by all")
COMMITMENTS = "select * from marts.dim_commitments order by all"


def query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def marts(settings, sql: str) -> list[tuple]:
    """Mart rows with float sums (usage amounts) to 1e-6: summing doubles in another order (CSV vs
    Parquet row order) changes their last bits. Money is decimal and compared exactly."""
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in query(settings, sql)]


def build(settings, *select: str):
    args = ["build", "--select", *select, "--indirect-selection", "buildable"] if select else ["build"]
    return run_dbt(settings, *args, check=False, capture=True)


def assert_built(result) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


@pytest.fixture
def exports(sample_exports: Path, tmp_path: Path) -> Path:
    target = tmp_path / "exports"
    shutil.copytree(sample_exports, target)
    return target


@pytest.fixture
def fresh(exports: Path, tmp_path: Path):
    """Settings over the private exports copy, with a new build database and publish folder."""
    return shapes.settings_for(tmp_path / "work", exports)


def test_export_folder_of_any_name_with_object_billing_period_and_no_ids(built, exports, fresh):
    shapes.rename_export(exports, "cur2", "business_group_a_cur")
    shapes.object_billing_period_without_ids(exports, "business_group_a_cur")

    assert_built(build(fresh, "+fct_spend_daily", "stg_aws_data_exports__deliveries"))

    assert query(fresh, SPEND_DAILY) == query(built, SPEND_DAILY)
    landed = query(fresh, "select export_name, export_type, count(*), min(length(execution_id)) "
                          "from staging.stg_aws_data_exports__deliveries where export_type = 'cur2' group by all")
    assert landed == [("business_group_a_cur", "cur2", 3, 32)]  # ids fall back to the manifest's md5
    assert query(fresh, "select distinct export_name from staging.stg_aws_cur__line_items") == [("business_group_a_cur",)]


def test_two_exports_of_one_type_are_unioned_keeping_their_names(built, exports, fresh):
    """One CUR per payer: a second export (another payer, the same charges) doubles every period."""
    shapes.copy_cur_for_another_payer(exports, "cur2", "payer_b_cur", "999999999999")

    assert_built(build(fresh, "+fct_spend_daily"))

    single = dict(query(built, "select billing_period, sum(unblended_cost) from marts.fct_spend_daily group by 1"))
    double = dict(query(fresh, "select billing_period, sum(unblended_cost) from marts.fct_spend_daily group by 1"))
    assert double == {period: 2 * total for period, total in single.items()}
    assert query(fresh, "select sum(unblended_cost) from marts.fct_spend_daily where payer_account_id = '999999999999'") \
        == query(built, "select sum(unblended_cost) from marts.fct_spend_daily")
    names = query(fresh, "select distinct export_name from staging.stg_aws_cur__line_items order by 1")
    assert names == [("cur2",), ("payer_b_cur",)]
    ids = query(fresh, "select execution_id from intermediate.int_billing_period_deliveries where export_type = 'cur2'")
    assert len(ids) == 3 and all("+" in row[0] for row in ids)  # a period's delivery is both exports' together


def test_timestamps_without_time_zone_keep_the_contracts(built, exports, fresh):
    shapes.drop_time_zones(exports, "cur2")

    assert_built(build(fresh, "+fct_compute_on_demand_hourly", "+dim_commitments"))

    assert query(fresh, HOURLY) == query(built, HOURLY)
    assert query(fresh, COMMITMENTS) == query(built, COMMITMENTS)


def test_gzip_csv_gives_the_marts_parquet_gives(built, exports, fresh):
    shapes.to_gzip_csv(exports, "cur2")
    assert not shapes.data_files(exports, "cur2")[0].name.endswith(".parquet")

    assert_built(build(fresh, "+fct_spend_daily", "+fct_compute_on_demand_hourly", "+dim_commitments",
                       "stg_aws_data_exports__deliveries"))

    assert marts(fresh, SPEND_DAILY) == marts(built, SPEND_DAILY)
    assert marts(fresh, HOURLY) == marts(built, HOURLY)
    assert marts(fresh, COMMITMENTS) == marts(built, COMMITMENTS)
    assert query(fresh, "select distinct file_format from landing.deliveries where export_type = 'cur2'") == [("csv",)]


def test_create_new_report_reads_the_newest_execution_only(built, exports, fresh):
    period = query(built, "select max(billing_period) from marts.fct_spend_daily")[0][0]
    shapes.create_new_report_layout(exports, "cur2", period)

    assert_built(build(fresh, "+fct_spend_daily"))

    assert query(fresh, SPEND_DAILY) == query(built, SPEND_DAILY)
    assert query(fresh, f"select execution_id from landing.deliveries where export_type = 'cur2' "
                        f"and billing_period = '{period}'") == [("exec-new",)]


def test_optional_columns_left_out_are_typed_nulls_with_a_warning(built, exports, fresh):
    optional = ["line_item_resource_id", "cost_category", "discount", "discount_bundled_discount",
                "discount_total_discount", "split_line_item_split_cost", "split_line_item_parent_resource_id"]
    shapes.drop_columns(exports, "cur2", optional)

    output = assert_built(build(fresh, "+fct_spend_daily", "stg_aws_data_exports__deliveries"))

    assert "optional column(s)" in output and "line_item_resource_id" in output and "read as nulls" in output
    types = dict(query(fresh, "select column_name, data_type from information_schema.columns "
                              "where table_schema = 'landing' and table_name = 'cur2'"))
    assert types["line_item_resource_id"] == "VARCHAR" and types["discount"] == "MAP(VARCHAR, DOUBLE)"
    assert query(fresh, "select count(line_item_resource_id), count(discount) from landing.cur2") == [(0, 0)]
    absent = query(fresh, "select distinct absent_optional_columns from landing.deliveries where export_type = 'cur2'")
    assert "line_item_resource_id" in absent[0][0]


def test_focus_1_0_from_another_provider_lands_and_never_blocks_the_cur_marts(built, exports, fresh):
    shapes.focus_1_0_with_oracle_rows(exports, "focus")
    shapes.rename_export(exports, "focus", "oci_and_aws_focus_1_0")

    result = build(fresh)

    output = assert_built(result)
    charges = query(fresh, "select focus_version, provider_name, charge_frequency, pricing_category, "
                           "service_category, count(*), count(contracted_cost), count(invoice_id) "
                           "from staging.stg_aws_focus__charges where provider_name = 'Oracle' group by all")
    assert charges == [("1.0", "Oracle", "Usage-Based", "Standard", "Compute", 3, 0, 0)]
    assert query(fresh, "select distinct focus_version from staging.stg_aws_focus__charges") == [("1.0",)]
    # the CUR marts are those of the generated exports, and the snapshot was published
    assert query(fresh, SPEND_DAILY) == query(built, SPEND_DAILY)
    snapshot = latest_snapshot(fresh.publish_dir)
    assert snapshot is not None
    assert "Publishing" in output


def test_a_failing_focus_test_warns_and_the_cur_marts_still_publish(built, exports, fresh):
    """A FOCUS row outside the spec (an unknown ChargeCategory) fails its test as a warning; the
    snapshot is published and names the warning."""
    shapes.focus_1_0_with_oracle_rows(exports, "focus")
    path = shapes.data_files(exports, "focus")[0]
    con = duckdb.connect()
    con.execute(f"copy (select * replace (case when row_number() over () = 1 then 'Refund' else ChargeCategory end "
                f"as ChargeCategory) from read_parquet('{path}')) to '{path}.tmp' (format parquet)")
    con.close()
    Path(f"{path}.tmp").replace(path)

    output = assert_built(build(fresh))

    assert "Publishing despite" in output and "accepted_values_stg_aws_focus__charges_charge_category" in output
    con = duckdb.connect(str(latest_snapshot(fresh.publish_dir).path), read_only=True)
    warnings = con.execute("select warnings from main.snapshot_info").fetchone()[0]
    con.close()
    assert "accepted_values_stg_aws_focus__charges_charge_category" in warnings
