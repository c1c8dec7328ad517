"""The dbt-duckdb plugin of the project (profiles.yml, `plugins`): SQL functions the publish hook
calls for what SQL cannot do, writing a snapshot file safely (infralyzer.snapshot_files):

* `infralyzer_begin_publish(publish_dir, temp_path)`: (re)creates the publish folder, removes temp
  files of earlier failed publishes, and removes this publish's temp files if the process ends
  before they are sealed (a failed statement stops the hook; dbt then exits);
* `infralyzer_seal_snapshot(temp_path, final_path)`: fsync, manifest, rename;
* `infralyzer_start_snapshot_copy(source, staging_path)`: on-run-start, starts copying the served
  snapshot (checked against its manifest as it is read) on a thread of its own, so that the copy
  an incremental publish starts from is made while the models build rather than after them;
* `infralyzer_copy_snapshot(source, temp_path)`: the served snapshot at this publish's temp path:
  the copy started at on-run-start, once done, if it is of the same snapshot; else a copy made
  now. '' when copied, else why not;
* `infralyzer_discard_snapshot_copy()`: removes a copy started at on-run-start that the publish
  did not take (nothing reused, a full refresh found late);
* `infralyzer_good_snapshots(publish_dir)`: the snapshots that match their manifest, newest first,
  '\\n'-separated (the shrink check compares the build with the served one).
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

from infralyzer import snapshot_files

_pending: set[Path] = set()  # this process's unsealed temp snapshots
_pending_lock = threading.Lock()


class _BackgroundCopy:
    """A copy of the served snapshot to a staging temp file, made on its own thread (file reads,
    writes and hashing release the interpreter lock, so dbt's threads keep running)."""

    def __init__(self, source: Path, staging: Path) -> None:
        self.source, self.staging = source, staging
        self.stop = threading.Event()
        self.problem: str | None = None
        self.thread = threading.Thread(target=self._copy, name="infralyzer-snapshot-copy", daemon=True)

    def _copy(self) -> None:
        self.problem = snapshot_files.copy_verified(self.source, self.staging, stop=self.stop)

    def cancel(self) -> None:
        self.stop.set()
        self.thread.join()
        snapshot_files.discard(self.staging)
        with _pending_lock:
            _pending.discard(self.staging)


_background: _BackgroundCopy | None = None  # started at on-run-start, taken (or discarded) by the publish
_background_lock = threading.Lock()


def _take_background_copy() -> _BackgroundCopy | None:
    global _background
    with _background_lock:
        copy, _background = _background, None
    return copy


def _discard_pending() -> None:
    discard_snapshot_copy()
    with _pending_lock:
        for temp in _pending:
            snapshot_files.discard(temp)
        _pending.clear()


atexit.register(_discard_pending)


def begin_publish(publish_dir: str, temp_path: str) -> str:
    temp = Path(temp_path)
    with _pending_lock:
        _pending.add(temp)
        keep = set(_pending)
    removed = snapshot_files.prepare_publish_dir(Path(publish_dir), keep)
    return f"removed {len(removed)} stale temp file(s)"


def seal_snapshot(temp_path: str, final_path: str) -> str:
    temp = Path(temp_path)
    try:
        manifest = snapshot_files.seal(temp, Path(final_path))
    finally:
        with _pending_lock:
            _pending.discard(temp)
    return f"{manifest['snapshot']}: {manifest['size']} bytes, sha256 {manifest['sha256'][:12]}"


def start_snapshot_copy(source: str, staging_path: str) -> str:
    global _background
    discard_snapshot_copy()  # one per process: a copy an earlier in-process run left is superseded
    copy = _BackgroundCopy(Path(source), Path(staging_path))
    with _pending_lock:
        _pending.add(copy.staging)
    with _background_lock:
        _background = copy
    copy.thread.start()
    return f"copying {copy.source.name}"


def copy_snapshot(source: str, temp_path: str) -> str:
    source_path, temp = Path(source), Path(temp_path)
    copy = _take_background_copy()
    if copy is not None and copy.source == source_path:
        copy.thread.join()
        with _pending_lock:
            _pending.discard(copy.staging)
        if copy.problem is not None:
            return copy.problem
        try:
            os.replace(copy.staging, temp)  # the same folder: a rename
            return ""
        except FileNotFoundError:  # removed meanwhile (another process's clean-up): copy it now
            pass
    elif copy is not None:  # a newer snapshot was published since on-run-start
        copy.cancel()
    return snapshot_files.copy_verified(source_path, temp) or ""


def discard_snapshot_copy() -> str:
    copy = _take_background_copy()
    if copy is None:
        return ""
    copy.cancel()
    return f"discarded the copy of {copy.source.name}"


def good_snapshots(publish_dir: str) -> str:
    folder = Path(publish_dir)
    paths = sorted(folder.glob(snapshot_files.SNAPSHOT_GLOB), reverse=True) if folder.is_dir() else []
    return "\n".join(str(p) for p in paths if snapshot_files.check(p, deep=False).ok)


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        for name, function, arity in (
            ("infralyzer_begin_publish", begin_publish, 2),
            ("infralyzer_seal_snapshot", seal_snapshot, 2),
            ("infralyzer_start_snapshot_copy", start_snapshot_copy, 2),
            ("infralyzer_copy_snapshot", copy_snapshot, 2),
            ("infralyzer_discard_snapshot_copy", discard_snapshot_copy, 0),
            ("infralyzer_good_snapshots", good_snapshots, 1),
        ):
            conn.create_function(name, function, ["VARCHAR"] * arity, "VARCHAR", side_effects=True)
