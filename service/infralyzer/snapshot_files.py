"""The files of a published snapshot, and how one is written so that no reader ever sees a partial one.

dbt's publish hook (macros/publish/publish_snapshot.sql) writes the marts into a hidden temp file
`.snapshot-<UTC time>-<invocation>.duckdb.tmp`, then calls `seal()` (through the dbt-duckdb plugin
`infralyzer.dbt_plugin`), which

1. fsyncs the temp file, records its size and SHA-256 in a manifest `<snapshot>.manifest.json`
   (itself written to a temp name, fsynced and renamed),
2. renames the temp file to its final name `snapshot-<UTC time>-<invocation>.duckdb` and fsyncs
   the folder.

So a file under a snapshot name is always whole and has its manifest; a publish that fails (disk
full, killed) leaves only temp files, which are removed by the failing process on exit, by the
next publish and by `infralyzer publish --prune` (`remove_stale_temp_files`). Readers check a
snapshot against its manifest before switching to it (size and hash: `check`), and cheaply (size
and inode: `still_intact`) while serving it. Snapshots published before manifests existed carry
none; they are served unverified.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SNAPSHOT_GLOB = "snapshot-*.duckdb"
TEMP_GLOB = ".snapshot-*.tmp*"  # a temp snapshot, its WAL, and a temp manifest
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1


class PublishError(RuntimeError):
    """A snapshot could not be written; its partial files are gone, the previous snapshot stays."""


def temp_path_of(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp")


def manifest_path_of(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + MANIFEST_SUFFIX)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def prepare_publish_dir(publish_dir: Path, keep: set[Path] = frozenset()) -> list[Path]:
    """Creates the publish folder if it is missing (it may have been removed under a running
    build) and removes temp files of failed publishes; returns the removed files."""
    try:
        Path(publish_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"Cannot create the publish folder {publish_dir}: {exc.strerror}.") from exc
    return remove_stale_temp_files(publish_dir, keep)


def remove_stale_temp_files(publish_dir: Path, keep: set[Path] = frozenset()) -> list[Path]:
    """Removes the temp files of publishes that failed or were killed: those no live process is
    writing (a DuckDB writer holds a lock on its file). `keep`: the caller's own files."""
    removed = []
    for path in sorted(Path(publish_dir).glob(TEMP_GLOB)):
        if path in keep or path.with_name(path.name.removesuffix(".wal")) in keep:
            continue
        if path.name.endswith(".duckdb.tmp") and _locked_by_another_process(path):
            continue
        if path.name.endswith(".wal") and _locked_by_another_process(path.with_name(path.name.removesuffix(".wal"))):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _locked_by_another_process(path: Path) -> bool:
    """True while a DuckDB process has the file open for writing. (Only ever asked about files
    this process does not hold: closing a descriptor drops all of a process's locks on a file.)"""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return True
        raise
    finally:
        os.close(fd)
    return False


def seal(temp: Path, final: Path) -> dict:
    """Makes a fully written temp snapshot a published one (see the module docs); on any failure
    removes the temp snapshot and manifest and raises PublishError. Returns the manifest."""
    temp, final = Path(temp), Path(final)
    manifest_path = manifest_path_of(final)
    renamed = False
    try:
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        started = time.monotonic()
        manifest = {
            "format": MANIFEST_FORMAT,
            "snapshot": final.name,
            "size": temp.stat().st_size,
            "sha256": file_sha256(temp),
            "sealed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        manifest["hash_seconds"] = round(time.monotonic() - started, 3)
        _write_atomically(manifest_path, json.dumps(manifest, indent=2) + "\n")
        os.replace(temp, final)
        renamed = True
        _fsync_dir(final.parent)
    except OSError as exc:
        discard(temp)
        if renamed:  # not known to be durable: no snapshot rather than one that may not survive a crash
            final.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        raise PublishError(
            f"Publishing {final.name} failed: {exc.strerror or exc} ({exc.filename or final.parent}). "
            "Its partial files were removed; the last published snapshot stays.") from exc
    return manifest


def copy_verified(source: Path, temp: Path, chunk: int = 16 << 20,
                  stop: threading.Event | None = None) -> str | None:
    """Copies a published snapshot to `temp` (the start of an incremental publish), hashing what it
    reads: None when the copy is whole and matches the source's manifest, else why not (the temp
    file is then removed and the caller publishes from scratch). `stop`: set by another thread to
    abandon the copy."""
    source, temp = Path(source), Path(temp)
    manifest = read_manifest(source)
    if manifest is None or "sha256" not in manifest:
        return f"{source.name} has no manifest to check a copy against"
    digest = hashlib.sha256()
    try:
        with open(source, "rb") as reader, open(temp, "wb") as writer:
            while block := reader.read(chunk):
                if stop is not None and stop.is_set():
                    raise InterruptedError(errno.EINTR, "stopped")
                digest.update(block)
                writer.write(block)
    except OSError as exc:
        discard(temp)
        return f"copying {source.name} failed: {exc.strerror or exc}"
    if digest.hexdigest() != manifest["sha256"]:
        discard(temp)
        return f"{source.name} differs from its manifest (damaged)"
    return None


def discard(temp: Path) -> None:
    for path in (temp, Path(f"{temp}.wal")):
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    verified: bool  # checked against a manifest (False: published before manifests existed)
    reason: str | None = None
    size: int | None = None
    inode: int | None = None


def read_manifest(snapshot: Path) -> dict | None:
    try:
        return json.loads(manifest_path_of(snapshot).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"unreadable": str(exc)}


def check(snapshot: Path, deep: bool = True) -> Verdict:
    """Is the snapshot file as published? Size always; with `deep`, its SHA-256 too."""
    manifest = read_manifest(snapshot)
    try:
        stat = snapshot.stat()
    except OSError as exc:
        return Verdict(False, manifest is not None, f"cannot read the file: {exc.strerror}")
    if manifest is None:
        return Verdict(True, False, None, stat.st_size, stat.st_ino)
    if "unreadable" in manifest or not isinstance(manifest.get("size"), int):
        return Verdict(False, True, f"its manifest is unreadable ({manifest.get('unreadable', 'no size')})")
    if stat.st_size != manifest["size"]:
        return Verdict(False, True, f"size {stat.st_size} bytes, published with {manifest['size']} "
                                    "(truncated or overwritten)")
    if deep:
        try:
            digest = file_sha256(snapshot)
        except OSError as exc:
            return Verdict(False, True, f"cannot read the file: {exc.strerror}")
        if digest != manifest.get("sha256"):
            return Verdict(False, True, "its SHA-256 differs from the one published (the file is damaged)")
    return Verdict(True, True, None, stat.st_size, stat.st_ino)


def still_intact(snapshot: Path, verdict: Verdict) -> str | None:
    """The cheap check while serving (one stat): None if the file still has the size and inode it
    was verified with, else why not. A file removed by pruning is not damaged (readers keep it)."""
    try:
        stat = snapshot.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read the file: {exc.strerror}"
    if stat.st_ino != verdict.inode:
        return "the file was replaced after it was verified"
    # an unverified snapshot (no manifest: written in place by an older publisher) may still have
    # grown as its writer closed it; only a shrink is damage there
    if stat.st_size != verdict.size and (verdict.verified or stat.st_size < (verdict.size or 0)):
        return f"size {stat.st_size} bytes, verified with {verdict.size} (truncated while served)"
    return None
