"""`infralyzer sync`: bring the configured AWS Data Exports in, period by period.

For each source: list the prefix once, take the newest manifest of every (export, partition),
and read only the manifests that changed since the last sync (state file). The files of changed
deliveries are downloaded in parallel into staging and each period is swapped in as soon as all
its files are verified (infralyzer.sync.local). `target="athena"` instead maintains the Glue
tables, partitions and deliveries table over the S3 layout itself (infralyzer.sync.athena).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from infralyzer.exports.layout import MANIFEST_SUFFIX
from infralyzer.sync.config import SyncConfig
from infralyzer.sync.local import LocalMirror
from infralyzer.sync.remote import (
    Delivery,
    S3Object,
    SyncError,
    latest_deliveries,
    list_objects,
    read_manifest,
    s3_client,
)
from infralyzer.sync.transfer import RateLimiter, download, is_verified


@dataclass
class SyncReport:
    deliveries: list[Delivery] = field(default_factory=list)  # every latest delivery found
    changed: list[Delivery] = field(default_factory=list)  # manifests read: new or changed (local), all (athena)
    bytes_downloaded: int = 0
    files_downloaded: int = 0
    errors: list[str] = field(default_factory=list)


def _human(n: float) -> str:
    unit = "B"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            break
        n /= 1024
    return f"{n:.0f} B" if unit == "B" else f"{n:.1f} {unit}"


def _describe(delivery: Delivery) -> str:
    kind = delivery.export_type.export_type if delivery.export_type else "unrecognised columns"
    return (f"{delivery.export_name} ({kind}) {delivery.partition}"
            f"{'/' + delivery.execution_folder if delivery.execution_folder else ''}")


def discover(config: SyncConfig, project_dir: Path, mirror: LocalMirror | None) -> tuple[SyncReport, dict]:
    """Every source's latest deliveries; the manifests of those not already local are read."""
    report = SyncReport()
    clients = {}
    seen: dict[str, str] = {}
    for source in config.sources:
        try:
            client = clients[id(source)] = s3_client(source)
            objects = list_objects(client, source)
            found = latest_deliveries(source, objects)
        except SyncError as error:  # this source is left as it was; the others go on
            report.errors.append(str(error))
            continue
        if not found:  # a wrong prefix, most likely; a new export's first delivery takes up to a day
            report.errors.append(f"{source.label}: no AWS Data Export found (no <export-name>/metadata/…/"
                                 f"<export-name>{MANIFEST_SUFFIX} under it); check the bucket and prefix.")
        for delivery in found:
            where = f"{delivery.export_root} in {source.label}"
            if (first := seen.setdefault(delivery.export_name, where)) != where:
                raise SyncError(f"two exports are named {delivery.export_name!r} ({first} and {where}); they would "
                                "share one local folder. Rename one in AWS.")
            report.deliveries.append(delivery)
            if mirror is None or not mirror.is_current(delivery):
                try:
                    read_manifest(client, delivery, objects, project_dir)
                except SyncError as error:  # this period stays as it was; the others go on
                    report.errors.append(str(error))
                    continue
                report.changed.append(delivery)
    return report, clients


def sync(config: SyncConfig, *, exports_dir: Path, project_dir: Path, target: Literal["local", "athena"] = "local",
         dry_run: bool = False, progress: bool = False, echo: Callable[[str], None] = print) -> SyncReport:
    """Sync every configured source. A broken delivery leaves its period as it was, the others go
    on, and a SyncError naming each problem is raised at the end."""
    if not config.sources:
        raise SyncError("no sources configured: list them under `sources:` in infralyzer.yml (see "
                        "infralyzer.example.yml) or pass --source s3://bucket/prefix.")
    if target == "athena":
        report = _to_athena(config, project_dir, dry_run, echo)
    elif dry_run:
        report = _to_local(config, LocalMirror(exports_dir), project_dir, dry_run, progress, echo)
    else:
        mirror = LocalMirror(exports_dir)
        with mirror.locked():
            report = _to_local(config, mirror, project_dir, dry_run, progress, echo)
    if report.errors:
        raise SyncError("\n".join(report.errors))
    return report


def _warn_unrecognised(report: SyncReport, echo: Callable[[str], None]) -> None:
    for delivery in report.changed:
        if delivery.export_type is None:
            echo(f"warning: {delivery.where()}: its columns match no export type declared in the dbt sources; "
                 "it is copied but no model reads it.")


def _to_athena(config: SyncConfig, project_dir: Path, dry_run: bool, echo: Callable[[str], None]) -> SyncReport:
    from infralyzer.sync.athena import publish_to_glue

    report, _ = discover(config, project_dir, mirror=None)
    _warn_unrecognised(report, echo)
    for delivery in report.changed if dry_run else ():
        echo(f"would register {_describe(delivery)} at s3://{delivery.source.bucket}/{delivery.data_prefix}")
    if report.errors:  # the deliveries table would lose those periods: leave Glue as it was
        echo("Glue left unchanged: fix the problems below and run the sync again.")
    elif not dry_run:
        publish_to_glue(config, report.changed, project_dir, echo=echo)
    return report


def _to_local(config: SyncConfig, mirror: LocalMirror, project_dir: Path, dry_run: bool, progress: bool,
              echo: Callable[[str], None]) -> SyncReport:
    report, clients = discover(config, project_dir, mirror)
    _warn_unrecognised(report, echo)
    for delivery in report.changed:
        echo(f"{'would download' if dry_run else 'new delivery'}: {_describe(delivery)}: "
             f"{len(delivery.data_files)} file(s), {_human(delivery.total_bytes)}")
    up_to_date = len(report.deliveries) - len(report.changed)
    if dry_run:
        total = sum(d.total_bytes for d in report.changed)
        echo(f"dry run: {len(report.changed)} period(s) to download, {_human(total)} ({total} bytes); "
             f"{up_to_date} up to date. Nothing was written.")
        return report
    _download(config, report, mirror, clients, progress, echo)
    echo(f"downloaded {report.files_downloaded} file(s), {_human(report.bytes_downloaded)} "
         f"({report.bytes_downloaded} bytes); {len(report.changed)} period(s) updated, {up_to_date} up to date.")
    return report


def _download(config: SyncConfig, report: SyncReport, mirror: LocalMirror, clients: dict, progress: bool,
              echo: Callable[[str], None]) -> None:
    limiter = RateLimiter(config.max_bytes_per_second)
    jobs: list[tuple[Delivery, S3Object, Path]] = []
    remaining: dict[int, int] = {}
    for delivery in report.changed:
        mirror.clear_stale_staging(delivery)
        stage = mirror.staging(delivery)
        stage.mkdir(parents=True, exist_ok=True)
        mirror.staged_manifest(delivery).write_bytes(delivery.manifest_body)
        report.bytes_downloaded += delivery.manifest.size
        pending = [(delivery, f.obj, stage / f.relpath) for f in delivery.data_files
                   if not is_verified(stage / f.relpath, f.obj) and not mirror.moved_by_interrupted_commit(delivery, f)]
        remaining[id(delivery)] = len(pending)
        jobs += pending
    total = sum(obj.size for _, obj, _ in jobs)
    with tqdm(total=total, unit="B", unit_scale=True, desc="sync", disable=not progress) as bar, \
            ThreadPoolExecutor(max_workers=config.workers) as pool:
        futures = {pool.submit(download, clients[id(d.source)], d, obj, dest, limiter, bar.update): d
                   for d, obj, dest in jobs}
        for delivery in [d for d in report.changed if remaining[id(d)] == 0]:
            _commit(mirror, delivery, report, echo)
        for future in as_completed(futures):
            delivery = futures[future]
            try:
                report.bytes_downloaded += future.result()
                report.files_downloaded += 1
            except SyncError as error:
                report.errors.append(str(error))
                remaining[id(delivery)] = -1  # never committed
                continue
            remaining[id(delivery)] -= 1
            if remaining[id(delivery)] == 0:
                _commit(mirror, delivery, report, echo)


def _commit(mirror: LocalMirror, delivery: Delivery, report: SyncReport, echo: Callable[[str], None]) -> None:
    try:
        mirror.commit(delivery)
    except OSError as error:
        report.errors.append(f"{delivery.where()}: could not swap the period in: {error}")
        return
    echo(f"updated {_describe(delivery)} (execution {delivery.execution_id})")
