"""infralyzer.yml, its environment overrides, and the CLI reading it; the recognition rule read
from the dbt sources' YAML; boto3 errors turned into sentences."""

from __future__ import annotations


import pytest
import yaml
from botocore.exceptions import ClientError
from click.testing import CliRunner
from s3_exports import OVERWRITE_EXPORTS, PERIODS, PREFIX
from pydantic import ValidationError

from infralyzer.cli import main
from infralyzer.exports.layout import read_manifest
from infralyzer.settings import get_settings
from infralyzer.sync import load_config
from infralyzer.sync.export_types import recognise
from infralyzer.sync.remote import explain

PROJECT_DIR = get_settings().project_dir
EXAMPLE = PROJECT_DIR / "infralyzer.example.yml"


@pytest.fixture(autouse=True)
def _no_sync_env(monkeypatch):
    for name in ("INFRALYZER_CONFIG", "INFRALYZER_SYNC_WORKERS", "INFRALYZER_SYNC_ATHENA__DATABASE",
                 "INFRALYZER_SYNC_SOURCES", "INFRALYZER_ATHENA_EXPORTS_SCHEMA"):
        monkeypatch.delenv(name, raising=False)


def test_example_config_lists_several_sources():
    config = load_config(EXAMPLE)
    assert [(s.bucket, s.prefix, s.region) for s in config.sources] == [
        ("acme-billing-exports", "exports", "us-east-1"), ("acme-emea-billing", "data-exports/emea", "eu-west-1")]
    assert (config.workers, config.athena.database) == (8, "cid_data_export")


def test_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv("INFRALYZER_CONFIG", str(EXAMPLE))
    monkeypatch.setenv("INFRALYZER_SYNC_WORKERS", "3")
    monkeypatch.setenv("INFRALYZER_SYNC_ATHENA__DATABASE", "cur_exports")
    config = load_config()
    assert (config.workers, config.athena.database, len(config.sources)) == (3, "cur_exports", 2)


def test_bad_config_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.yml")
    typo = tmp_path / "infralyzer.yml"
    typo.write_text(yaml.safe_dump({"sources": [{"bucket": "b"}], "worker": 2}))
    with pytest.raises(ValidationError, match="worker"):
        load_config(typo)


def test_export_types_are_recognised_by_columns_from_the_sources_yaml(generated_exports):
    for export in OVERWRITE_EXPORTS:
        columns = [c["name"] for c in read_manifest(generated_exports, export, PERIODS[0])["columns"]]
        assert recognise(PROJECT_DIR, columns).export_type == export
        assert recognise(PROJECT_DIR, [c.upper() for c in columns]).export_type == export  # case-insensitive
        assert recognise(PROJECT_DIR, columns[:2]) is None


def test_access_denied_names_what_was_read_and_the_permission():
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")
    message = str(explain(error, "reading export 'acme-cur', billing period 2026-09, key s3://b/k"))
    assert message.startswith("reading export 'acme-cur', billing period 2026-09, key s3://b/k: access denied")
    assert "s3:GetObject" in message and "s3:ListBucket" in message


def test_cli_reads_the_config_dry_run_then_sync(export_bucket, moto_endpoint, tmp_path):
    config = tmp_path / "infralyzer.yml"
    exports_dir = tmp_path / "exports"
    config.write_text(yaml.safe_dump({
        "sources": [{"bucket": export_bucket.bucket, "prefix": PREFIX, "region": "us-east-1",
                     "endpoint_url": moto_endpoint}],
        "exports_dir": str(exports_dir),
    }))
    runner = CliRunner()

    dry = runner.invoke(main, ["sync", "--config", str(config), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would download: acme-cur (cur2) BILLING_PERIOD=" in dry.output and not exports_dir.exists()

    real = runner.invoke(main, ["sync", "--config", str(config)])
    assert real.exit_code == 0, real.output
    assert (exports_dir / "acme-cur" / "metadata" / f"BILLING_PERIOD={PERIODS[0]}" / "acme-cur-Manifest.json").is_file()

    missing = runner.invoke(main, ["sync", "--source", "s3://no-such-bucket", "--endpoint-url", moto_endpoint,
                                   "--exports-dir", str(exports_dir)])
    assert missing.exit_code == 1 and "s3://no-such-bucket: the bucket does not exist" in missing.output
