"""`infralyzer sync`: AWS Data Exports from S3 to the local exports folder, or into Glue for Athena.

    from infralyzer.sync import load_config, sync
    report = sync(load_config(path), exports_dir=..., project_dir=..., target="local")

Modules: config (infralyzer.yml), export_types (the dbt sources' recognition rule), remote (S3
listing and manifests), transfer (verified, resumable downloads), local (atomic period swap and
state), athena (Glue tables, partitions and the deliveries table), run (the command itself).
"""

from infralyzer.sync.config import AthenaTarget, Source, SyncConfig, load_config
from infralyzer.sync.remote import SyncError
from infralyzer.sync.run import SyncReport, sync

__all__ = ["AthenaTarget", "Source", "SyncConfig", "SyncError", "SyncReport", "load_config", "sync"]
