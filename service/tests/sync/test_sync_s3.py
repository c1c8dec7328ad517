"""`infralyzer sync` against a real moto S3 server: mirror, incremental, re-delivery, create-new,
dry run, errors, and a kill -9 mid-download."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from s3_exports import CSV_EXPORT, PERIODS, PREFIX, ExportBucket, drop_last_rows, generated_table, next_second

from infralyzer.settings import get_settings
from infralyzer.sync import Source, SyncConfig, SyncError, sync

PROJECT_DIR = get_settings().project_dir


def _config(bucket, endpoint: str, **kwargs) -> SyncConfig:
    return SyncConfig(sources=[Source(bucket=bucket.bucket, prefix=bucket.prefix, region="us-east-1",
                                      endpoint_url=endpoint)], **kwargs)


def _sync(bucket, endpoint, exports_dir: Path, **kwargs):
    lines: list[str] = []
    report = sync(_config(bucket, endpoint), exports_dir=exports_dir, project_dir=PROJECT_DIR,
                  echo=lines.append, **kwargs)
    return report, lines


def _local_tree(exports_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(exports_dir)): p.read_bytes() for p in sorted(exports_dir.rglob("*"))
            if p.is_file() and ".sync" not in p.relative_to(exports_dir).parts}


def _expected_tree(bucket, skip: tuple = ()) -> dict[str, bytes]:
    """The latest delivery of every export and period (but `skip`), as the local mirror must hold it."""
    objects = bucket.objects()
    tree = {}
    for delivery in bucket.latest.values():
        if (delivery.export_name, delivery.period) in skip:
            continue
        for key in [delivery.manifest_key, *delivery.data_keys]:
            tree[key.removeprefix(PREFIX + "/")] = objects[key]
    return tree


def _visible_periods_are_whole(exports_dir: Path) -> None:
    """Every local manifest's files exist and nothing else sits in its period: no half delivery."""
    for manifest in exports_dir.glob("*/metadata/**/*-Manifest.json"):
        export_dir = manifest.parents[len(manifest.relative_to(exports_dir).parts) - 2]
        body = json.loads(manifest.read_text())
        for uri in body["dataFiles"]:
            rel = "data/" + uri.split(f"/{export_dir.name}/data/", 1)[1]
            assert (export_dir / rel).is_file(), f"{manifest} lists {rel}, which is missing"


def test_first_sync_mirrors_every_export_and_recognises_types(export_bucket, moto_endpoint, tmp_path):
    report, _ = _sync(export_bucket, moto_endpoint, tmp_path)

    expected = _expected_tree(export_bucket)
    assert _local_tree(tmp_path) == expected
    assert report.bytes_downloaded == sum(len(body) for body in expected.values())
    kinds = {(d.export_name, d.billing_period): d.export_type.export_type for d in report.deliveries}
    assert kinds == {(name, period): export_bucket.types[name] for name in export_bucket.types for period in PERIODS}
    # CREATE_NEW_REPORT: only the newest execution of the period is local
    newest = export_bucket.latest[(CSV_EXPORT, PERIODS[-1])].execution_id
    assert [p.name for p in (tmp_path / CSV_EXPORT / "data" / f"BILLING_PERIOD={PERIODS[-1]}").iterdir()] == [newest]


def test_second_sync_downloads_nothing(export_bucket, moto_endpoint, tmp_path):
    _sync(export_bucket, moto_endpoint, tmp_path)
    before = _local_tree(tmp_path)

    report, lines = _sync(export_bucket, moto_endpoint, tmp_path)

    assert (report.bytes_downloaded, report.files_downloaded, report.changed) == (0, 0, [])
    assert _local_tree(tmp_path) == before
    assert "downloaded 0 file(s), 0 B (0 bytes)" in lines[-1]


def test_redelivery_downloads_only_that_period_and_drops_unlisted_files(export_bucket, moto_endpoint, tmp_path):
    _sync(export_bucket, moto_endpoint, tmp_path)
    period = PERIODS[-1]
    next_second(export_bucket.s3, export_bucket.bucket)
    # AWS overwrites in place: same file names, now two chunks instead of three, new contents
    table = drop_last_rows(generated_table(export_bucket.generated_dir, "cur2", period), 5)
    delivery = export_bucket.put_delivery("acme-cur", period, table, chunks=2)
    export_bucket.s3.delete_object(Bucket=export_bucket.bucket,
                                   Key=f"{PREFIX}/acme-cur/data/BILLING_PERIOD={period}/acme-cur-00003.snappy.parquet")

    report, _ = _sync(export_bucket, moto_endpoint, tmp_path)

    assert [(d.export_name, d.billing_period) for d in report.changed] == [("acme-cur", period)]
    objects = export_bucket.objects()
    assert report.bytes_downloaded == sum(len(objects[k]) for k in [delivery.manifest_key, *delivery.data_keys])
    data_dir = tmp_path / "acme-cur" / "data" / f"BILLING_PERIOD={period}"
    assert sorted(p.name for p in data_dir.iterdir()) == ["acme-cur-00001.snappy.parquet",
                                                          "acme-cur-00002.snappy.parquet"]
    assert _local_tree(tmp_path) == _expected_tree(export_bucket)


def test_create_new_keeps_only_the_newest_execution(export_bucket, moto_endpoint, tmp_path):
    _sync(export_bucket, moto_endpoint, tmp_path)
    period = PERIODS[-1]
    old = export_bucket.latest[(CSV_EXPORT, period)].execution_id
    next_second(export_bucket.s3, export_bucket.bucket)
    table = generated_table(export_bucket.generated_dir, "cur2", period)
    new = export_bucket.put_delivery(CSV_EXPORT, period, table, chunks=3, file_format="csv", create_new=True,
                                     manifest_style="object").execution_id

    report, _ = _sync(export_bucket, moto_endpoint, tmp_path)

    assert [(d.export_name, d.execution_id) for d in report.changed] == [(CSV_EXPORT, new)]
    for kind in ("data", "metadata"):
        folder = tmp_path / CSV_EXPORT / kind / f"BILLING_PERIOD={period}"
        assert [p.name for p in folder.iterdir()] == [new], f"{kind}: {old} should be gone"
    assert _local_tree(tmp_path) == _expected_tree(export_bucket)


def test_dry_run_writes_nothing(export_bucket, moto_endpoint, tmp_path):
    target = tmp_path / "exports"
    report, lines = _sync(export_bucket, moto_endpoint, target, dry_run=True)

    assert not target.exists()
    total = sum(len(body) for body in _expected_tree(export_bucket).values())
    assert report.bytes_downloaded == 0
    assert f"({total} bytes)" in lines[-1] and "Nothing was written" in lines[-1]
    assert sum(1 for line in lines if line.startswith("would download")) == len(export_bucket.latest)


def test_manifest_listing_a_missing_key_names_export_period_and_key(export_bucket, moto_endpoint, tmp_path):
    missing = export_bucket.latest[("acme-focus", PERIODS[0])].data_keys[1]
    export_bucket.s3.delete_object(Bucket=export_bucket.bucket, Key=missing)

    with pytest.raises(SyncError) as error:
        _sync(export_bucket, moto_endpoint, tmp_path)

    message = str(error.value)
    assert "'acme-focus'" in message and PERIODS[0] in message and missing in message
    assert "not in the bucket" in message
    # that period is not there; every other delivery was brought in
    assert _local_tree(tmp_path) == _expected_tree(export_bucket, skip=(("acme-focus", PERIODS[0]),))


def test_missing_bucket_and_expected_export_are_clear_errors(moto_endpoint, tmp_path):
    config = SyncConfig(sources=[Source(bucket="no-such-bucket", endpoint_url=moto_endpoint, region="us-east-1")])
    with pytest.raises(SyncError, match="s3://no-such-bucket: the bucket does not exist"):
        sync(config, exports_dir=tmp_path, project_dir=PROJECT_DIR, echo=lambda _: None)


def test_expected_export_without_delivery_fails(export_bucket, moto_endpoint, tmp_path):
    config = SyncConfig(sources=[Source(bucket=export_bucket.bucket, prefix=PREFIX, endpoint_url=moto_endpoint,
                                        exports=["acme-cur", "acme-focus-1-0"])])
    with pytest.raises(SyncError, match="expected export.*acme-focus-1-0"):
        sync(config, exports_dir=tmp_path, project_dir=PROJECT_DIR, echo=lambda _: None)


def _part_bytes(folder: Path) -> int:
    """Bytes in the .part files under `folder` (which the sync may be changing meanwhile)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".part"):
                try:
                    total += (Path(parent) / name).stat().st_size
                except FileNotFoundError:
                    pass
    return total


def _cli(endpoint: str, bucket: str, exports_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "infralyzer.cli", "sync", "--source", f"s3://{bucket}/{PREFIX}",
            "--endpoint-url", endpoint, "--region", "us-east-1", "--exports-dir", str(exports_dir), *extra]


def test_kill_mid_download_leaves_no_partial_period_and_rerun_completes(export_bucket, moto_endpoint, tmp_path):
    _sync(export_bucket, moto_endpoint, tmp_path)
    before = _local_tree(tmp_path)
    period = PERIODS[-1]
    next_second(export_bucket.s3, export_bucket.bucket)
    table = drop_last_rows(generated_table(export_bucket.generated_dir, "cur2", period), 3)
    export_bucket.put_delivery("acme-cur", period, table, chunks=3)  # same names: overwritten in place
    staging = tmp_path / ".sync" / "staging" / "acme-cur"

    process = subprocess.Popen(_cli(moto_endpoint, export_bucket.bucket, tmp_path, "--workers", "2",
                                    "--max-bytes-per-second", "20000"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    partial = 0
    while time.monotonic() < deadline and process.poll() is None and not partial:
        partial = _part_bytes(staging)
        time.sleep(0.05)
    assert partial and process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    # the previous delivery is still what a reader sees, whole
    assert _local_tree(tmp_path) == before
    _visible_periods_are_whole(tmp_path)

    rerun = subprocess.run(_cli(moto_endpoint, export_bucket.bucket, tmp_path), capture_output=True, text=True,
                           check=True)
    assert f"updated acme-cur (cur2) BILLING_PERIOD={period}" in rerun.stdout
    # resumed: the bytes already in the .part files were not fetched again
    delivery = export_bucket.latest[("acme-cur", period)]
    objects = export_bucket.objects()
    fetched = int(re.search(r"\((\d+) bytes\)", rerun.stdout)[1])
    assert fetched < sum(len(objects[k]) for k in [delivery.manifest_key, *delivery.data_keys])
    tree = _local_tree(tmp_path)
    assert tree == _expected_tree(export_bucket)
    for rel, body in tree.items():
        assert hashlib.md5(body).hexdigest() == hashlib.md5(objects[f"{PREFIX}/{rel}"]).hexdigest()  # noqa: S324
    assert not list((tmp_path / ".sync").rglob("*.part"))


def test_several_sources_land_side_by_side_and_a_shared_export_name_is_refused(export_bucket, moto_endpoint, tmp_path):
    second = ExportBucket(export_bucket.s3, f"{export_bucket.bucket}-b", "payer-b", export_bucket.generated_dir)
    second.s3.create_bucket(Bucket=second.bucket)
    second.put_delivery("payer-b-focus", PERIODS[0], generated_table(second.generated_dir, "focus", PERIODS[0]))
    sources = [Source(bucket=b.bucket, prefix=b.prefix, endpoint_url=moto_endpoint) for b in (export_bucket, second)]

    report = sync(SyncConfig(sources=sources), exports_dir=tmp_path, project_dir=PROJECT_DIR, echo=lambda _: None)

    assert {d.export_name for d in report.changed} == {*export_bucket.types, "payer-b-focus"}
    assert (tmp_path / "payer-b-focus" / "metadata" / f"BILLING_PERIOD={PERIODS[0]}" / "payer-b-focus-Manifest.json"
            ).is_file()
    second.put_delivery("acme-cur", PERIODS[0], generated_table(second.generated_dir, "cur2", PERIODS[0]))
    with pytest.raises(SyncError, match="two exports are named 'acme-cur'"):
        sync(SyncConfig(sources=sources), exports_dir=tmp_path, project_dir=PROJECT_DIR, echo=lambda _: None)


def test_a_crash_in_the_middle_of_a_swap_is_finished_by_the_next_sync(export_bucket, moto_endpoint, tmp_path,
                                                                     monkeypatch):
    _sync(export_bucket, moto_endpoint, tmp_path)
    period = PERIODS[-1]
    next_second(export_bucket.s3, export_bucket.bucket)
    table = drop_last_rows(generated_table(export_bucket.generated_dir, "cur2", period), 7)
    export_bucket.put_delivery("acme-cur", period, table, chunks=3)  # same names: the period is hidden first
    real_replace, calls = os.replace, []

    def dies_after_the_first_file(src, dst):
        if calls:
            raise SystemExit("killed")  # the process dies after one file has been swapped in
        calls.append(dst)
        real_replace(src, dst)

    # only the swap's renames (infralyzer.sync.local), not the downloads' own
    monkeypatch.setattr("infralyzer.sync.local.os", SimpleNamespace(replace=dies_after_the_first_file))
    with pytest.raises(SystemExit):
        _sync(export_bucket, moto_endpoint, tmp_path)
    monkeypatch.undo()

    # the period is not visible (its old manifest went first), and nothing half is
    assert not (tmp_path / "acme-cur" / "metadata" / f"BILLING_PERIOD={period}" / "acme-cur-Manifest.json").exists()
    _visible_periods_are_whole(tmp_path)
    report, _ = _sync(export_bucket, moto_endpoint, tmp_path)
    assert [(d.export_name, d.billing_period) for d in report.changed] == [("acme-cur", period)]
    assert report.files_downloaded == 0  # everything was staged and verified before the crash
    assert _local_tree(tmp_path) == _expected_tree(export_bucket)


def test_a_second_sync_on_the_same_folder_stops_while_one_runs(export_bucket, moto_endpoint, tmp_path):
    lock_file = tmp_path / ".sync" / "lock"
    lock_file.parent.mkdir(parents=True)
    with lock_file.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SyncError, match="another `infralyzer sync` is writing to"):
            _sync(export_bucket, moto_endpoint, tmp_path)
    assert _local_tree(tmp_path) == {}
    _sync(export_bucket, moto_endpoint, tmp_path)  # the lock went with its holder
    assert _local_tree(tmp_path) == _expected_tree(export_bucket)


def test_a_prefix_without_exports_is_an_error_and_the_other_sources_still_sync(export_bucket, moto_endpoint, tmp_path):
    sources = [Source(bucket=export_bucket.bucket, prefix="billing/typo", endpoint_url=moto_endpoint),
               Source(bucket=export_bucket.bucket, prefix=PREFIX, endpoint_url=moto_endpoint)]
    with pytest.raises(SyncError, match="billing/typo: no AWS Data Export found"):
        sync(SyncConfig(sources=sources), exports_dir=tmp_path, project_dir=PROJECT_DIR, echo=lambda _: None)
    assert _local_tree(tmp_path) == _expected_tree(export_bucket)
