"""Reading published snapshots: readers switch to a new snapshot atomically, never see a partial one.

dbt's on-run-end hook (macros/publish/publish_snapshot.sql) writes each successful build's marts to
a new file `snapshot-<UTC time>-<invocation>.duckdb` in the publish folder, writing its
`snapshot_info` table last, in one transaction. A snapshot is *complete* when it opens read-only
and has that table; a file still being written is locked by the dbt process and is skipped, and so
is a file left by a crashed build. Readers always use the newest complete snapshot.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SNAPSHOT_GLOB = "snapshot-*.duckdb"

# Read-only, and no way out of the file: no file system, network or extension access.
READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


@dataclass(frozen=True)
class SnapshotInfo:
    path: Path
    built_at: datetime
    invocation_id: str
    newest_billing_period: str | None
    table_count: int


def list_snapshots(publish_dir: Path) -> list[Path]:
    """Snapshot files, newest first (their names start with the UTC build time)."""
    return sorted(Path(publish_dir).glob(SNAPSHOT_GLOB), reverse=True)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))


def read_snapshot_info(path: Path) -> SnapshotInfo | None:
    """The snapshot's info, or None if it is incomplete, being written or unreadable."""
    try:
        with connect(path) as con:
            row = con.execute(
                "select built_at, invocation_id, newest_billing_period, table_count from main.snapshot_info"
            ).fetchone()
    except duckdb.Error as exc:  # locked by the writer, no snapshot_info yet, or not a database
        log.debug("skipping snapshot %s: %s", path, exc)
        return None
    if row is None:
        return None
    return SnapshotInfo(path, row[0], row[1], row[2], row[3])


def latest_snapshot(publish_dir: Path) -> SnapshotInfo | None:
    for path in list_snapshots(publish_dir):
        info = read_snapshot_info(path)
        if info is not None:
            return info
    return None


def prune(publish_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete snapshots, and incomplete files older than the
    newest complete one (a file newer than it may still be being written). Readers that hold a
    deleted file open keep reading it (POSIX), so pruning never breaks a request."""
    removed: list[Path] = []
    complete_seen = 0
    for path in list_snapshots(publish_dir):
        complete = read_snapshot_info(path) is not None
        if complete:
            complete_seen += 1
            if complete_seen <= keep:
                continue
        elif complete_seen == 0:
            continue
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        removed.append(path)
    return removed


class SnapshotReader:
    """The service's handle on the newest complete snapshot.

    `connection()` returns a cursor (its own DuckDB connection) on the current snapshot; a newer
    complete snapshot is picked up at most every `check_interval` seconds. Switching replaces the
    shared connection; cursors already handed out keep the old database open until they finish.
    """

    def __init__(self, publish_dir: Path, check_interval: float = 1.0) -> None:
        self.publish_dir = Path(publish_dir)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._info: SnapshotInfo | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._checked_at = 0.0
        self._newest_name: str | None = None

    def _maybe_switch(self) -> None:
        import time

        now = time.monotonic()
        if self._con is not None and now - self._checked_at < self.check_interval:
            return
        with self._lock:
            if self._con is not None and now - self._checked_at < self.check_interval:
                return
            self._checked_at = now
            files = list_snapshots(self.publish_dir)
            newest = files[0].name if files else None
            if newest == self._newest_name and self._con is not None:
                return
            info = latest_snapshot(self.publish_dir)
            if info is None:
                return
            if self._info is None or info.path != self._info.path:
                con = connect(info.path)
                self._con, self._info = con, info
                log.info("serving snapshot %s (built %s)", info.path.name, info.built_at)
            # only remember the newest file once it is the one served, so a file still being
            # written is looked at again on the next check
            self._newest_name = newest if newest == info.path.name else self._newest_name

    @property
    def info(self) -> SnapshotInfo | None:
        self._maybe_switch()
        return self._info

    def connection(self) -> tuple[duckdb.DuckDBPyConnection, SnapshotInfo] | None:
        self._maybe_switch()
        with self._lock:
            if self._con is None or self._info is None:
                return None
            return self._con.cursor(), self._info
