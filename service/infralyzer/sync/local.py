"""The local copy of the exports: the S3 layout mirrored under `<exports_dir>/<export-name>/`.

A billing period is swapped in whole, with the protocol of infralyzer.exports.layout (a reader
only reads the files a manifest lists, and a period without a manifest is not read):

1. every file of the new delivery is downloaded and verified into a staging folder
   (`<exports_dir>/.sync/staging/…`, which no reader looks at); a killed sync leaves the live
   period untouched and the next run continues from the staged files;
2. the data files are moved into the period's data folder. Where a new file has the name of a
   live one (AWS overwrites `<export>-00001.snappy.parquet` in place) or the manifest moves to a
   new execution folder (CREATE_NEW_REPORT), the old manifest is removed first, so readers see
   no period for a moment rather than a mix of two deliveries, or two deliveries of one period;
3. the manifest is renamed into place (atomic);
4. files of the period that the new manifest does not list (an older delivery's, or an older
   execution folder with CREATE_NEW_REPORT) are deleted, and the state file records the delivery.

`<exports_dir>/.sync/state.json` remembers each period's manifest (key, ETag, size), so a later
sync downloads only new or changed deliveries.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infralyzer.exports.layout import MANIFEST_SUFFIX
from infralyzer.sync.remote import DataFile, Delivery, SyncError
from infralyzer.sync.transfer import is_verified

_COMMIT_JOURNAL = ".commit.json"


class LocalMirror:
    def __init__(self, exports_dir: Path) -> None:
        self.root = Path(exports_dir)
        self.sync_dir = self.root / ".sync"
        self.state_path = self.sync_dir / "state.json"
        self.state: dict = self._read_state()

    def _read_state(self) -> dict:
        return json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One sync at a time per exports folder (a scheduled run overlapping a slow one waits for
        nothing: it stops). The lock dies with its process, so a killed sync never blocks the next."""
        self.sync_dir.mkdir(parents=True, exist_ok=True)
        with (self.sync_dir / "lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise SyncError(f"another `infralyzer sync` is writing to {self.root}; try again when it ends") from error
            self.state = self._read_state()  # as the previous sync left it
            yield

    # -- where things are -------------------------------------------------------------------
    def live(self, delivery: Delivery, relpath: str) -> Path:
        return self.root / delivery.export_name / relpath

    def staging(self, delivery: Delivery) -> Path:
        return (self.sync_dir / "staging" / delivery.export_name / delivery.partition.replace("/", "_")
                / delivery.manifest.etag)

    def staged_manifest(self, delivery: Delivery) -> Path:
        """Not under its own name, so no glob for `*-Manifest.json` ever finds a staged delivery."""
        return self.staging(delivery) / "manifest.json.staged"

    def _entry(self, delivery: Delivery) -> dict | None:
        return self.state.get(delivery.export_name, {}).get(delivery.partition)

    def is_current(self, delivery: Delivery) -> bool:
        """The local period holds exactly this manifest's delivery (by the state file and file sizes)."""
        entry = self._entry(delivery)
        if not entry or (entry["manifest_key"], entry["manifest_etag"], entry["manifest_size"]) != (
                delivery.manifest.key, delivery.manifest.etag, delivery.manifest.size):
            return False
        return all(self.live(delivery, rel).is_file() and self.live(delivery, rel).stat().st_size == size
                   for rel, size in [(entry["manifest"], delivery.manifest.size), *entry["files"].items()])

    def moved_by_interrupted_commit(self, delivery: Delivery, data_file: DataFile) -> bool:
        """Already swapped in by a commit that a kill interrupted (its journal is still staged)."""
        return ((self.staging(delivery) / _COMMIT_JOURNAL).exists()
                and is_verified(self.live(delivery, data_file.relpath), data_file.obj))

    # -- the swap ---------------------------------------------------------------------------
    def commit(self, delivery: Delivery) -> None:
        """Swap the staged delivery in (steps 2-4 above). Safe to repeat after a kill."""
        stage = self.staging(delivery)
        journal = stage / _COMMIT_JOURNAL
        if not journal.exists():
            journal.write_text(json.dumps({"manifest_etag": delivery.manifest.etag}))
        export_dir = self.root / delivery.export_name
        data_dir = export_dir / "data" / delivery.partition
        metadata_dir = export_dir / "metadata" / delivery.partition
        new_data = {f.relpath for f in delivery.data_files}
        old_manifests = sorted(metadata_dir.rglob(f"*{MANIFEST_SUFFIX}")) if metadata_dir.exists() else []

        # 2. data files. The period is hidden first (its old manifests removed) when a new file
        #    has a live file's name, or when the manifest moves to a new execution folder: a
        #    reader then finds no period for a moment, never a mix or two deliveries at once.
        manifest_target = self.live(delivery, delivery.manifest_relpath)
        if (any(m != manifest_target for m in old_manifests)
                or any(self.live(delivery, rel).exists() and (stage / rel).exists() for rel in new_data)):
            for manifest in old_manifests:
                manifest.unlink()
        for rel in sorted(new_data):
            staged, target = stage / rel, self.live(delivery, rel)
            if staged.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
            elif not target.is_file():  # neither staged nor moved by an earlier, killed commit
                raise FileNotFoundError(f"{delivery.where()}: staged file {rel} is missing; run the sync again")

        # 3. the manifest, last (a copy, so a repeated commit can write it again)
        manifest_target.parent.mkdir(parents=True, exist_ok=True)
        tmp = manifest_target.with_name(f".{manifest_target.name}.{delivery.manifest.etag}.tmp")
        shutil.copyfile(self.staged_manifest(delivery), tmp)
        os.replace(tmp, manifest_target)

        # 4. what the new manifest does not list
        keep = {self.live(delivery, rel) for rel in new_data}
        for folder, keep_files in ((data_dir, keep), (metadata_dir, {manifest_target})):
            for path in sorted(folder.rglob("*"), reverse=True):
                if path.is_file() and path not in keep_files:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
        self.state.setdefault(delivery.export_name, {})[delivery.partition] = {
            "manifest_key": delivery.manifest.key,
            "manifest_etag": delivery.manifest.etag,
            "manifest_size": delivery.manifest.size,
            "manifest": delivery.manifest_relpath,
            "execution_id": delivery.execution_id,
            "files": {f.relpath: f.obj.size for f in delivery.data_files},
        }
        self._save_state()
        shutil.rmtree(stage.parent, ignore_errors=True)  # this and any older staging of the period

    def _save_state(self) -> None:
        self.sync_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(f".{self.state_path.name}.tmp")
        tmp.write_text(json.dumps(self.state, indent=2, sort_keys=True))
        os.replace(tmp, self.state_path)

    def clear_stale_staging(self, delivery: Delivery) -> None:
        """Staged files of an older delivery of this period (AWS delivered again since a killed run)."""
        parent = self.staging(delivery).parent
        if parent.exists():
            for stale in parent.iterdir():
                if stale.name != delivery.manifest.etag:
                    shutil.rmtree(stale, ignore_errors=True)
