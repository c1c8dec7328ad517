"""Faults of deliveries and of the publish folder: each is refused with a clear error (or survived),
loses nothing served, and leaves the build database able to build correct marts next time.

Every test works on a copy of the session build (database and snapshot: the `rebuilt` fixture)
and runs dbt on a small selection: the landing (on-run-start) and the publish hook (on-run-end)
run on any selection.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.layout import manifest_path, open_delivery, partition_dir, read_manifest
from infralyzer.publish import latest_snapshot, list_snapshots

from sample_build import SAMPLE_PERIODS

pytestmark = pytest.mark.e2e

# any one node: the landing and the publish run whatever is selected
SMALL = ("run", "--select", "stg_aws_data_exports__deliveries")
INCREMENTAL = ("run", "--select", "config.materialized:incremental")


def output_of(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def cur2_file(exports: Path, period: str) -> Path:
    (path,) = sorted(partition_dir(exports, "cur2", "data", period).glob("*.parquet"))
    return path


def incremental_models(run: subprocess.CompletedProcess) -> list[str]:
    """The incremental models a `dbt run` built, as schema.table."""
    models = re.findall(r"OK created sql incremental model (\S+) ", run.stdout)
    assert len(models) >= 9, run.stdout[-2000:]
    return sorted(set(models))


# the FOCUS mart names its period and delivery columns as FOCUS custom columns
PERIOD_AND_DELIVERY = {"marts.fct_focus_costs": ("x_BillingPeriod", "x_DeliveryExecutionId")}


def period_and_delivery(model: str) -> tuple[str, str]:
    return PERIOD_AND_DELIVERY.get(model, ("billing_period", "delivery_execution_id"))


def incremental_tables(db: Path, models: list[str]) -> dict[str, list[tuple]]:
    """The models' rows, without the delivery id they carry."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {model: con.execute(f"select * exclude ({period_and_delivery(model)[1]}) from {model} "
                                   "order by all").fetchall()
                for model in models}
    finally:
        con.close()


def test_an_empty_redelivery_is_refused_and_the_next_good_build_is_correct(built, sample_exports, rebuilt):
    period = SAMPLE_PERIODS[1]
    exports = rebuilt.exports_dir
    payer = read_manifest(exports, "cur2", period)["exportArn"].split(":")[4]
    before = latest_snapshot(rebuilt.publish_dir)
    with open_delivery(exports, "cur2", period, payer):
        pass  # a re-delivery of the period with no row: one empty file and its manifest

    refused = run_dbt(rebuilt, *INCREMENTAL, check=False, capture=True)

    assert refused.returncode != 0
    assert f"billing period {period}" in output_of(refused) and "holds no rows" in output_of(refused)
    assert latest_snapshot(rebuilt.publish_dir).path == before.path

    # the period is re-delivered whole (a new execution): the marts are the session build's
    shutil.rmtree(partition_dir(exports, "cur2", "data", period))
    shutil.copytree(partition_dir(sample_exports, "cur2", "data", period), partition_dir(exports, "cur2", "data", period))
    manifest = json.loads(manifest_path(sample_exports, "cur2", period).read_text())
    manifest["executionId"] = uuid.uuid4().hex
    manifest_path(exports, "cur2", period).write_text(json.dumps(manifest))
    good_build = run_dbt(rebuilt, *INCREMENTAL, capture=True)
    assert f"rebuilding billing period(s) {period}" in good_build.stdout
    models = incremental_models(good_build)
    assert incremental_tables(rebuilt.build_db, models) == incremental_tables(built.build_db, models)


def test_no_incremental_mart_keeps_the_rows_of_a_period_no_longer_delivered(rebuilt):
    """The delivery a mart's rows were built from is gone (a period deliberately removed): its rows
    go too, though no rebuilt period replaces them."""
    gone = SAMPLE_PERIODS[-1]
    for kind in ("data", "metadata"):
        shutil.rmtree(partition_dir(rebuilt.exports_dir, "cur2", kind, gone))

    run = run_dbt(rebuilt, *INCREMENTAL, "--vars", "{allow_fewer_periods: true}", capture=True)

    con = duckdb.connect(str(rebuilt.build_db), read_only=True)
    for model in incremental_models(run):
        period = period_and_delivery(model)[0]
        periods = [row[0] for row in con.execute(f"select distinct {period} from {model} order by 1").fetchall()]
        assert periods == SAMPLE_PERIODS[:-1], model
    con.close()
    # the publish started from the served snapshot and deleted the period, inserting nothing for it
    assert "whose rows of unchanged billing periods" in run.stdout
    con = duckdb.connect(str(latest_snapshot(rebuilt.publish_dir).path), read_only=True)
    for model in ("marts.fct_spend_daily", "marts.fct_focus_costs"):
        period = period_and_delivery(model)[0]
        periods = [row[0] for row in con.execute(f"select distinct {period} from {model} order by 1").fetchall()]
        assert periods == SAMPLE_PERIODS[:-1], model
    con.close()


def test_a_table_built_before_its_model_became_incremental_asks_for_a_full_refresh(rebuilt):
    """A database from before a model became incremental by billing period: its table has no
    delivery ids to compare, so the build names the model and the command that rebuilds it, and
    publishes nothing; the command given then builds it."""
    model = "intermediate.int_optimization_resource_lines"
    con = duckdb.connect(str(rebuilt.build_db))
    con.execute(f"alter table {model} drop column delivery_execution_id")
    con.close()
    before = latest_snapshot(rebuilt.publish_dir)

    select = ("run", "--select", "int_optimization_resource_lines")
    result = run_dbt(rebuilt, *select, check=False, capture=True)

    output = output_of(result)
    assert result.returncode != 0
    assert "built before it became incremental" in output
    assert "dbt build --full-refresh -s int_optimization_resource_lines+" in output
    assert latest_snapshot(rebuilt.publish_dir).path == before.path
    run_dbt(rebuilt, *select, "--full-refresh", capture=True)
    con = duckdb.connect(str(rebuilt.build_db), read_only=True)
    periods = con.execute(f"select distinct billing_period from {model} where delivery_execution_id is not null "
                          "order by 1").fetchall()
    con.close()
    assert [row[0] for row in periods] == SAMPLE_PERIODS


def test_a_cost_column_delivered_as_lossless_strings_is_cast(rebuilt):
    victim = cur2_file(rebuilt.exports_dir, SAMPLE_PERIODS[0])
    table = pq.read_table(victim)
    column = table.schema.get_field_index("line_item_unblended_cost")
    expected = pc.sum(table.column(column)).as_py()
    pq.write_table(table.set_column(column, "line_item_unblended_cost", pc.cast(table.column(column), pa.string())), victim)

    result = run_dbt(rebuilt, *SMALL, capture=True)

    assert victim.name in result.stdout and "every value converts exactly" in result.stdout
    con = duckdb.connect(str(rebuilt.build_db), read_only=True)
    landed = con.execute("select sum(line_item_unblended_cost) from landing.cur2 where billing_period = ?",
                         [SAMPLE_PERIODS[0]]).fetchone()[0]
    con.close()
    assert landed == pytest.approx(expected, abs=1e-6)


def test_a_column_that_cannot_be_cast_losslessly_is_named(rebuilt):
    before = latest_snapshot(rebuilt.publish_dir)
    victim = cur2_file(rebuilt.exports_dir, SAMPLE_PERIODS[0])
    table = pq.read_table(victim)
    column = "line_item_unblended_cost"
    index = table.schema.get_field_index(column)
    values = ["12,50"] + ["1.5"] * (table.num_rows - 1)  # one cost written with a decimal comma
    pq.write_table(table.set_column(index, column, pa.array(values, pa.string())), victim)

    result = run_dbt(rebuilt, *SMALL, check=False, capture=True)

    output = output_of(result)
    assert result.returncode != 0
    assert victim.name in output and f"delivers column {column} as BYTE_ARRAY UTF8" in output
    assert "1 value(s) cannot be cast without loss (e.g. 12,50)" in output
    assert latest_snapshot(rebuilt.publish_dir).path == before.path


def test_a_removed_publish_folder_is_recreated(rebuilt):
    shutil.rmtree(rebuilt.publish_dir)  # e.g. by an operator, under a running build
    # run_dbt would recreate the folder: run against one it does not know about
    result = run_dbt(rebuilt, *SMALL, capture=True, extra_env={"INFRALYZER_PUBLISH_DIR": str(rebuilt.publish_dir)})
    assert result.returncode == 0
    info = latest_snapshot(rebuilt.publish_dir)
    assert info is not None and info.path.parent == rebuilt.publish_dir


def mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_publish_that_fills_the_disk_leaves_no_partial_file(rebuilt, tmp_path):
    """A real full disk: the publish folder is a tmpfs with room for the served snapshot only."""
    small_disk = tmp_path / "small_disk"
    small_disk.mkdir()
    served = latest_snapshot(rebuilt.publish_dir).path
    room = served.stat().st_size + served.stat().st_size // 3
    if not mount_tmpfs(small_disk, str(room)):
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    try:
        for path in rebuilt.publish_dir.iterdir():
            shutil.copy(path, small_disk / path.name)
        before = sorted(p.name for p in small_disk.iterdir())

        result = run_dbt(rebuilt, *SMALL, check=False, capture=True,
                         extra_env={"INFRALYZER_PUBLISH_DIR": str(small_disk)})

        assert result.returncode != 0
        assert sorted(p.name for p in small_disk.iterdir()) == before  # no partial snapshot, no temp file
        assert [p.name for p in list_snapshots(small_disk)] == [served.name]
        assert latest_snapshot(small_disk).path == small_disk / served.name
    finally:
        subprocess.run(["umount", str(small_disk)], check=True)
