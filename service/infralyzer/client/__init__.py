"""Marts, metrics and SQL as Polars frames, from a notebook or a script (`from infralyzer import connect`).

    ix = connect()                                     # the newest published snapshot, read-only
    ix = connect("http://127.0.0.1:8000", key="...")   # a running API, over Arrow IPC
    ix.marts(); ix.mart("fct_spend_monthly", from_="2026-07", account="111111111111")
    ix.metrics(); ix.metric(["effective_cost"], group_by=["metric_time__month", "service__service_category"])
    ix.sql("select ... from marts.fct_spend_daily"); ix.sql_file("report.sql", {"period": "2026-09"})
    df.infralyzer.freshness                            # the snapshot that answered

Both clients answer every call with the API's own code (local: in process; remote: over HTTP),
so they return the same frames; failures raise `ApiError` with the API's stable error codes.
"""

from __future__ import annotations

from pathlib import Path

from infralyzer.api.errors import ApiError
from infralyzer.client.answers import Answer, Freshness
from infralyzer.client.base import Client

__all__ = ["Answer", "ApiError", "Client", "Freshness", "connect"]


def connect(url: str | Path | None = None, key: str | None = None, *, full_access: bool = False,
            **options) -> Client:
    """`connect()`: the newest snapshot of INFRALYZER_PUBLISH_DIR (default data/publish), read-only,
    SQL checked by the API's guard unless `full_access=True`. `connect("/path/to/publish")`: that
    folder. `connect("http(s)://host:port", key=...)`: the API, with that key's role and scope."""
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        if full_access:
            raise ValueError("full_access is for your own snapshot file; a remote API applies the key's role")
        from infralyzer.client.remote import RemoteClient

        return RemoteClient(url, key, **options)
    if key is not None:
        raise ValueError("a key is for a remote API: connect('http://host:port', key=...)")
    from infralyzer.client.local import LocalClient

    return LocalClient(url, full_access=full_access, **options)
