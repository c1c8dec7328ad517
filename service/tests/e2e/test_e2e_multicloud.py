"""End to end: the Azure and Google Cloud FOCUS exports of the shared sample land beside AWS's, and
the multi-cloud union (fct_cloud_spend_daily) reconciles per provider to each provider's answer
key to the cent, AWS to the CUR's (docs/multicloud.md)."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate.writers.other_clouds import EXPORT_NAMES

from sample_build import SAMPLE_PERIODS, make_settings

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")
PROVIDER_OF = {"azure_focus": "azure", "gcp_focus": "gcp"}


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@pytest.mark.parametrize("export_type", sorted(PROVIDER_OF))
def test_each_provider_reconciles_to_its_answer_key_per_period_account_and_service(build_db, answer_key,
                                                                                   export_type):
    provider = PROVIDER_OF[export_type]
    rows = build_db.execute(
        """
        select billing_period, billing_account_id, sub_account_id, service, sum(billed_cost), sum(effective_cost)
        from marts.fct_cloud_spend_daily where provider = ? group by all
        """, [provider]).fetchall()
    got = {(r[0], r[1], r[2], r[3]): (cents(r[4]), cents(r[5])) for r in rows}
    expected = {}
    for period in SAMPLE_PERIODS:
        key = answer_key["periods"][period][export_type]
        for g in key["by_sub_account_service"]:
            expected[(period, g["billing_account_id"], g["sub_account_id"], g["service_name"])] = (
                cents(g["billed_cost"]), cents(g["effective_cost"]))
    assert expected, "the answer key describes no charge"
    assert got == expected


def test_aws_rows_are_the_cur_spend_and_its_answer_key(build_db, answer_key):
    """AWS comes from our CUR spend rules, once: its FOCUS export is not added a second time."""
    rows = dict(((r[0]), (cents(r[1]), cents(r[2]))) for r in build_db.execute(
        "select billing_period, sum(billed_cost), sum(effective_cost) from marts.fct_cloud_spend_daily "
        "where provider = 'aws' group by all").fetchall())
    for period in SAMPLE_PERIODS:
        cur = answer_key["periods"][period]["cur2"]
        assert rows[period] == (cents(cur["unblended_cost"]), cents(cur["amortized_cost"])), period
    providers = {r[0] for r in build_db.execute("select distinct provider_name from marts.fct_cloud_spend_daily")
                 .fetchall()}
    assert providers == {"AWS", "Microsoft", "Google Cloud"}


def test_provider_quirks_are_read_as_focus_says(build_db):
    """Google's ServiceCategory list gives its second element ('Network' is 'Networking'); Azure's
    empty category on a rounding adjustment is 'Other'; both exports are FOCUS 1.0."""
    categories = dict(build_db.execute(
        "select service, service_category from marts.fct_cloud_spend_daily where provider = 'gcp' group by all"
    ).fetchall())
    assert categories == {"Compute Engine": "Compute", "Cloud Storage": "Storage", "BigQuery": "Analytics",
                          "Networking": "Networking"}
    rounding = build_db.execute(
        "select distinct service_category from marts.fct_cloud_spend_daily where provider = 'azure' and service is null"
    ).fetchall()
    assert rounding == [("Other",)]
    versions = build_db.execute(
        "select provider_name, min(focus_version), max(focus_version) from staging.stg_aws_focus__charges group by all"
    ).fetchall()
    assert {r[0]: (r[1], r[2]) for r in versions}["Microsoft"] == ("1.0", "1.0")
    assert {r[0]: (r[1], r[2]) for r in versions}["Google Cloud"] == ("1.0", "1.0")


def test_an_azure_export_missing_a_focus_column_stops_the_build_naming_it(sample_exports, tmp_path):
    """The same bad-input rule as AWS's exports: a required column missing is a clear error before
    anything is built (the landing, on-run-start)."""
    exports = tmp_path / "exports"
    shutil.copytree(sample_exports, exports)
    export = EXPORT_NAMES["azure_focus"]
    victim = next((exports / export / "data" / f"BILLING_PERIOD={SAMPLE_PERIODS[0]}").glob("*.csv.gz"))
    with gzip.open(victim, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    out = io.StringIO()
    writer = csv.DictWriter(out, [c for c in rows[0] if c != "BilledCost"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    victim.write_bytes(gzip.compress(out.getvalue().encode()))

    settings = make_settings(tmp_path / "work", exports)
    result = run_dbt(settings, "run", "-s", "int_other_cloud_spend_by_day", check=False, capture=True)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert export in output and "BilledCost" in output and victim.name in output


def test_answer_keys_describe_what_the_files_hold(sample_exports: Path, answer_key):
    """Each provider's export folder is in the key's exports and holds one delivery per period."""
    assert {"azure_focus", "gcp_focus"} <= set(answer_key["exports"])
    for export_type, export in EXPORT_NAMES.items():
        for period in SAMPLE_PERIODS:
            assert answer_key["periods"][period][export_type]["export"] == export
            assert (sample_exports / export / "metadata" / f"BILLING_PERIOD={period}" / f"{export}-Manifest.json").exists()
