"""The dbt-duckdb plugin of the project (profiles.yml, `plugins`): SQL functions the publish hook
calls for what SQL cannot do, writing a snapshot file safely (infralyzer.snapshot_files):

* `infralyzer_begin_publish(publish_dir, temp_path)`: (re)creates the publish folder, removes temp
  files of earlier failed publishes, and removes this publish's temp files if the process ends
  before they are sealed (a failed statement stops the hook; dbt then exits);
* `infralyzer_seal_snapshot(temp_path, final_path)`: fsync, manifest, rename;
* `infralyzer_copy_snapshot(source, temp_path)`: copies the served snapshot to this publish's temp
  file, checked against its manifest as it is read (an incremental publish starts from it);
  '' when copied, else why not;
* `infralyzer_good_snapshots(publish_dir)`: the snapshots that match their manifest, newest first,
  '\\n'-separated (the shrink check compares the build with the served one).
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

from infralyzer import snapshot_files

_pending: set[Path] = set()  # this process's unsealed temp snapshots
_pending_lock = threading.Lock()


def _discard_pending() -> None:
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


def copy_snapshot(source: str, temp_path: str) -> str:
    return snapshot_files.copy_verified(Path(source), Path(temp_path)) or ""


def good_snapshots(publish_dir: str) -> str:
    folder = Path(publish_dir)
    paths = sorted(folder.glob(snapshot_files.SNAPSHOT_GLOB), reverse=True) if folder.is_dir() else []
    return "\n".join(str(p) for p in paths if snapshot_files.check(p, deep=False).ok)


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        for name, function, arity in (
            ("infralyzer_begin_publish", begin_publish, 2),
            ("infralyzer_seal_snapshot", seal_snapshot, 2),
            ("infralyzer_copy_snapshot", copy_snapshot, 2),
            ("infralyzer_good_snapshots", good_snapshots, 1),
        ):
            conn.create_function(name, function, ["VARCHAR"] * arity, "VARCHAR", side_effects=True)
