"""End to end, as a user with AWS Data Exports runs it: exports in S3 (a moto server on loopback,
real boto3 HTTP) -> `infralyzer sync` (the CLI) -> `dbt build` -> the published marts equal the
generator's answer key. Then a second sync downloads nothing, a re-delivery downloads only its
billing period, and the rebuild equals the re-delivered answer key.

The bucket holds one generator run as real accounts deliver it, under names of the user's choosing:
a CUR 2.0 export in Parquet (overwrite mode) for the first periods, a second CUR 2.0 export in gzip
CSV (CREATE_NEW_REPORT) for the last one with an older, smaller execution beside the newest (reading
it would be wrong), FOCUS 1.0 (the generator's FOCUS 1.2 without the later columns) and FOCUS 1.2
exports, Cost Optimization Hub and carbon.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner
from s3_exports import ExportBucket, generated_table, next_second, s3_client

from infralyzer.cli import main
from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import generate, redeliver
from infralyzer.publish import latest_snapshot
from infralyzer.settings import Settings

from sample_build import SAMPLE_PERIODS, SAMPLE_SEED

# the answer-key checks of the e2e build (int/staging totals per period, basis, line item type, FOCUS)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import test_e2e_build as answer_checks  # noqa: E402
from export_transforms import FOCUS_ADDED_AFTER_1_0, FOCUS_AWS_EXTENSIONS  # noqa: E402

pytestmark = pytest.mark.e2e

PERIODS = SAMPLE_PERIODS  # three closed periods
LINE_ITEMS = 5_000
PREFIX = "exports/acme-org"
CUR_PARQUET = "acme-cur"  # CUR 2.0, Parquet, overwrite: every period but the last
CUR_CSV = "payer2-cur-gzip-csv"  # CUR 2.0, gzip CSV, CREATE_NEW_REPORT: the last period, two executions
FOCUS_1_0 = "org-focus-v1-0"  # every period but the last
FOCUS_1_2 = "org-focus-v1-2"  # the last period
COH = "acme-savings-recommendations"
CARBON = "acme-emissions"
TYPES = {CUR_PARQUET: "cur2", CUR_CSV: "cur2", FOCUS_1_0: "focus", FOCUS_1_2: "focus", COH: "coh", CARBON: "carbon"}
ALL_TYPES = "cur2,focus,coh,carbon"
REDELIVERED = PERIODS[1]  # re-delivered in place (overwrite mode): same keys, new contents


def _focus_1_0(table):
    return table.drop_columns([c for c in FOCUS_ADDED_AFTER_1_0 + FOCUS_AWS_EXTENSIONS if c in table.column_names])


def _put_period(bucket: ExportBucket, period: str) -> list:
    """Upload every export's delivery of `period` from the generated exports; returns the deliveries."""
    generated = bucket.generated_dir
    early = period != PERIODS[-1]
    deliveries = []
    if early:
        deliveries.append(bucket.put_delivery(CUR_PARQUET, period, generated_table(generated, "cur2", period)))
        deliveries.append(bucket.put_delivery(FOCUS_1_0, period, _focus_1_0(generated_table(generated, "focus", period))))
    else:
        cur = generated_table(generated, "cur2", period)
        # an older execution of the period holding a third of the rows: reading it would be wrong
        bucket.put_delivery(CUR_CSV, period, cur.slice(0, cur.num_rows // 3), chunks=1, file_format="csv",
                            create_new=True, manifest_style="object")
        next_second(bucket.s3, bucket.bucket)
        deliveries.append(bucket.put_delivery(CUR_CSV, period, cur, chunks=2, file_format="csv", create_new=True,
                                              manifest_style="object"))
        deliveries.append(bucket.put_delivery(FOCUS_1_2, period, generated_table(generated, "focus", period)))
    deliveries.append(bucket.put_delivery(COH, period, generated_table(generated, "coh", period), chunks=1))
    deliveries.append(bucket.put_delivery(CARBON, period, generated_table(generated, "carbon", period), chunks=1))
    return deliveries


def _answer_key(generated: Path) -> dict:
    return json.loads((generated / "_answer_key" / "answer_key.json").read_text())


def _sync(config: Path) -> int:
    """`infralyzer sync --config <config>`; returns the bytes it says it downloaded."""
    result = CliRunner().invoke(main, ["sync", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return int(re.search(r"downloaded \d+ file\(s\), .* \((\d+) bytes\)", result.output)[1])


def _build(settings: Settings) -> Path:
    result = run_dbt(settings, "build", check=False, capture=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return latest_snapshot(settings.publish_dir).path


def _local_tree(exports_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(exports_dir)): p.read_bytes() for p in sorted(exports_dir.rglob("*"))
            if p.is_file() and ".sync" not in p.relative_to(exports_dir).parts}


def _assert_equals_the_answer_key(settings: Settings, snapshot: Path, key: dict) -> None:
    """The build's line items and FOCUS charges (the e2e build's checks), and the published
    snapshot's spend mart, per period and basis, equal the answer key to the cent."""
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        answer_checks.test_every_period_and_basis_equals_the_answer_key(con, key)
        answer_checks.test_staged_row_counts_equal_the_answer_key(con, key)
        answer_checks.test_staged_totals_by_line_item_type(con, key)
        answer_checks.test_focus_totals_equal_the_answer_key(con, key)
        answer_checks.test_cur_effective_cost_equals_focus_effective_cost(con)
    finally:
        con.close()
    bases = list(answer_checks.BASES)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute(f"select billing_period, {', '.join(f'sum({b})' for b in bases)} "
                           "from marts.fct_spend_daily group by 1").fetchall()
        focus = dict(con.execute("select billing_period, sum(row_count) from marts.fct_export_deliveries "
                                 "where export_type = 'focus' group by 1").fetchall())
    finally:
        con.close()
    published = {row[0]: dict(zip(bases, map(answer_checks.cents, row[1:]))) for row in rows}
    assert published == {period: {b: answer_checks.cents(expected["cur2"][b]) for b in bases}
                         for period, expected in key["periods"].items()}
    assert focus == {period: expected["focus"]["row_count"] for period, expected in key["periods"].items()}


def test_sync_then_build_publishes_the_answer_key(moto_endpoint, tmp_path):
    generated = tmp_path / "generated"
    generate(generated, periods=PERIODS, line_items_per_month=LINE_ITEMS, seed=SAMPLE_SEED)
    s3 = s3_client(moto_endpoint)
    bucket = ExportBucket(s3, f"acme-billing-{uuid.uuid4().hex[:8]}", PREFIX, generated)
    s3.create_bucket(Bucket=bucket.bucket)
    for period in PERIODS:
        _put_period(bucket, period)

    exports_dir = tmp_path / "exports"
    config = tmp_path / "infralyzer.yml"
    config.write_text(yaml.safe_dump({
        "exports_dir": str(exports_dir),
        "sources": [{"bucket": bucket.bucket, "prefix": PREFIX, "region": "us-east-1", "endpoint_url": moto_endpoint,
                     "exports": list(TYPES)}],
    }))
    settings = Settings(exports_dir=exports_dir, build_db=tmp_path / "build" / "infralyzer.duckdb",
                        publish_dir=tmp_path / "publish", required_exports=ALL_TYPES)

    # first sync: every export's latest delivery; the build publishes the answer key
    assert _sync(config) > 0
    snapshot = _build(settings)
    key = _answer_key(generated)
    _assert_equals_the_answer_key(settings, snapshot, key)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        delivered = con.execute("select export_name, export_type, billing_period, execution_id "
                                "from marts.fct_export_deliveries order by all").fetchall()
    finally:
        con.close()
    assert delivered == sorted((d.export_name, TYPES[d.export_name], d.period, d.execution_id)
                               for d in bucket.latest.values())

    # nothing new: nothing downloaded, nothing changed
    before = _local_tree(exports_dir)
    assert _sync(config) == 0
    assert _local_tree(exports_dir) == before

    # a re-delivery of one period: only its files are downloaded; the rebuild equals the new key
    redeliver(generated, period=REDELIVERED, seed=SAMPLE_SEED, revision=1)
    next_second(s3, bucket.bucket)
    redelivered = _put_period(bucket, REDELIVERED)
    objects = bucket.objects()
    expected_bytes = sum(len(objects[k]) for d in redelivered for k in [d.manifest_key, *d.data_keys])
    assert _sync(config) == expected_bytes
    after = _local_tree(exports_dir)
    changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    assert changed and all(f"BILLING_PERIOD={REDELIVERED}" in path for path in changed)

    new_key = _answer_key(generated)
    assert new_key["periods"][REDELIVERED] != key["periods"][REDELIVERED]
    _assert_equals_the_answer_key(settings, _build(settings), new_key)
