"""Reading published snapshots: readers switch to a new snapshot atomically, never see a partial one.

dbt's on-run-end hook (macros/publish/publish_snapshot.sql) writes each successful build's marts to
a new file `snapshot-<UTC time>-<invocation>.duckdb` in the publish folder, writing its
`snapshot_info` table last, in one transaction, under a temp name that is renamed once the file is
whole and recorded in its manifest (infralyzer.snapshot_files). A snapshot is *complete* when it
matches its manifest (size and SHA-256), opens read-only and has that table; a damaged one is
rejected, and one published before manifests existed is served unverified. Readers always use the
newest complete snapshot, check the served file cheaply on every look for a newer one, and fall
back to the newest good one when it is damaged while served.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from infralyzer import snapshot_files
from infralyzer.snapshot_files import SNAPSHOT_GLOB, Verdict

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Rejected:
    snapshot: str
    reason: str


@dataclass
class VerdictCache:
    """Each snapshot file is hashed once per version of it (name, size, mtime, inode)."""

    verdicts: dict[tuple, Verdict] = field(default_factory=dict)

    @staticmethod
    def key(path: Path) -> tuple | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return (path.name, stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def check(self, path: Path) -> Verdict:
        key = self.key(path)
        if key is None or key not in self.verdicts:
            verdict = snapshot_files.check(path, deep=True)
            if key is not None:
                self.verdicts = {k: v for k, v in self.verdicts.items() if k[0] != path.name}
                self.verdicts[key] = verdict
            return verdict
        return self.verdicts[key]

    def mark_bad(self, path: Path, reason: str) -> None:
        key = self.key(path)
        if key is not None:
            self.verdicts[key] = Verdict(False, True, reason)


def find_servable(publish_dir: Path, cache: VerdictCache | None = None
                  ) -> tuple[SnapshotInfo | None, Verdict | None, list[Rejected]]:
    """The newest complete snapshot, its verdict, and the newer ones rejected as damaged."""
    cache = cache or VerdictCache()
    rejected: list[Rejected] = []
    for path in list_snapshots(publish_dir):
        verdict = cache.check(path)
        if not verdict.ok:
            rejected.append(Rejected(path.name, verdict.reason or "damaged"))
            log.warning("not serving snapshot %s: %s", path.name, verdict.reason)
            continue
        info = read_snapshot_info(path)
        if info is not None:
            return info, verdict, rejected
    return None, None, rejected


def latest_snapshot(publish_dir: Path) -> SnapshotInfo | None:
    return find_servable(publish_dir)[0]


def prune(publish_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete snapshots, damaged ones, manifests without their
    snapshot, temp files of failed publishes, and incomplete files older than the newest complete
    one (a file newer than it and without a manifest may still be being written by an older
    version). Readers that hold a deleted file open keep reading it (POSIX), so pruning never
    breaks a request."""
    removed: list[Path] = snapshot_files.remove_stale_temp_files(publish_dir)
    complete_seen = 0
    for path in list_snapshots(publish_dir):
        verdict = snapshot_files.check(path, deep=True)
        complete = verdict.ok and read_snapshot_info(path) is not None
        if complete:
            complete_seen += 1
            if complete_seen <= keep:
                continue
        elif complete_seen == 0 and verdict.ok:
            continue
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        snapshot_files.manifest_path_of(path).unlink(missing_ok=True)
        removed.append(path)
    for manifest in Path(publish_dir).glob(SNAPSHOT_GLOB + snapshot_files.MANIFEST_SUFFIX):
        if not manifest.with_name(manifest.name.removesuffix(snapshot_files.MANIFEST_SUFFIX)).exists():
            manifest.unlink(missing_ok=True)
            removed.append(manifest)
    return removed


class SnapshotHandle:
    """One open snapshot: a read-only DuckDB connection shared by requests through cursors.

    Requests `acquire()` a cursor and `release()` it; once the reader has moved on to a newer
    snapshot (`retire()`), the connection is closed as soon as no request uses it. `cache` holds
    per-snapshot derived data (column lists, the semantic manifest) for the API.
    """

    def __init__(self, info: SnapshotInfo, verdict: Verdict | None = None) -> None:
        self.info = info
        self.path = info.path
        self.verdict = verdict or snapshot_files.check(info.path, deep=False)
        self._con: duckdb.DuckDBPyConnection | None = connect(info.path)
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False
        self.cache: dict[str, object] = {}

    def acquire(self) -> duckdb.DuckDBPyConnection | None:
        with self._lock:
            if self._con is None:
                return None
            self._users += 1
            return self._con.cursor()  # a cursor is its own connection: one per request/thread

    def release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            cursor.close()
        finally:
            with self._lock:
                self._users -= 1
                self._close_if_unused()

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            self._close_if_unused()

    def _close_if_unused(self) -> None:
        if self._retired and self._users <= 0 and self._con is not None:
            self._con.close()
            self._con = None
            log.info("closed snapshot %s", self.path.name)

    @property
    def closed(self) -> bool:
        return self._con is None


class SnapshotReader:
    """The service's handle on the newest complete snapshot.

    Each request takes the current snapshot (`handle()` then `acquire()`), so a request started on
    one snapshot finishes on it while new requests already use a newer one. A newer complete
    snapshot is looked for at most every `check_interval` seconds; the previous one is closed when
    its last request releases it. Each look also checks that the served file still has the size
    and inode it was verified with (one stat): a file truncated or replaced while served is
    dropped for the newest good snapshot, without a restart. `rejected` lists the snapshots newer
    than the served one that were refused, and why (GET /health reports them).
    """

    def __init__(self, publish_dir: Path, check_interval: float = 1.0) -> None:
        self.publish_dir = Path(publish_dir)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._handle: SnapshotHandle | None = None
        self._checked_at = 0.0
        self._newest_name: str | None = None
        self._verdicts = VerdictCache()
        self.rejected: list[Rejected] = []

    def _maybe_switch(self) -> None:
        import time

        now = time.monotonic()
        if self._handle is not None and now - self._checked_at < self.check_interval:
            return
        with self._lock:
            if self._handle is not None and now - self._checked_at < self.check_interval:
                return
            self._checked_at = now
            damaged = self._served_file_damaged()
            files = list_snapshots(self.publish_dir)
            newest = files[0].name if files else None
            if newest == self._newest_name and self._handle is not None and not damaged:
                return
            info, verdict, self.rejected = find_servable(self.publish_dir, self._verdicts)
            if info is None:
                if damaged:  # nothing good to fall back to: serve nothing rather than IO errors
                    old, self._handle = self._handle, None
                    old.retire()
                return
            if self._handle is None or info.path != self._handle.path:
                try:
                    handle = SnapshotHandle(info, verdict)
                except duckdb.Error as exc:  # pruned or locked between the check and the open
                    log.warning("cannot open snapshot %s: %s", info.path.name, exc)
                    return
                old, self._handle = self._handle, handle
                log.info("serving snapshot %s (built %s)", info.path.name, info.built_at)
                if old is not None:
                    old.retire()
            # only remember the newest file once it is the one served, so a file still being
            # written is looked at again on the next check
            self._newest_name = newest if newest == info.path.name else self._newest_name

    def _served_file_damaged(self) -> bool:
        handle = self._handle
        if handle is None:
            return False
        problem = snapshot_files.still_intact(handle.path, handle.verdict)
        if problem is None:
            return False
        log.error("served snapshot %s is damaged (%s): switching to the newest good one", handle.path.name, problem)
        self._verdicts.mark_bad(handle.path, problem)
        return True

    def check_due(self) -> bool:
        """True when the next acquire() looks for a newer snapshot (and may open one: blocking I/O)."""
        import time

        return self._handle is None or time.monotonic() - self._checked_at >= self.check_interval

    def served_name(self) -> str | None:
        """The file name of the snapshot being served (as last looked for: no I/O)."""
        handle = self._handle
        return handle.info.path.name if handle is not None else None

    @property
    def info(self) -> SnapshotInfo | None:
        handle = self.handle()
        return handle.info if handle else None

    def handle(self) -> SnapshotHandle | None:
        self._maybe_switch()
        return self._handle

    def acquire(self) -> tuple[duckdb.DuckDBPyConnection, SnapshotHandle] | None:
        """A cursor on the current snapshot and its handle; give the cursor back with handle.release."""
        for _ in range(3):  # the handle may be retired and closed between handle() and acquire()
            handle = self.handle()
            if handle is None:
                return None
            cursor = handle.acquire()
            if cursor is not None:
                return cursor, handle
            with self._lock:
                self._checked_at = 0.0
        return None

    def connection(self) -> tuple[duckdb.DuckDBPyConnection, SnapshotInfo] | None:
        """A cursor that stays usable until closed (it keeps its snapshot open; tests and scripts)."""
        acquired = self.acquire()
        if acquired is None:
            return None
        cursor, handle = acquired
        return cursor, handle.info
