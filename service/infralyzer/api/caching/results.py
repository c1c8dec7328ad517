"""Query results of one version of the marts, kept for the next identical query.

A published snapshot never changes, so a query's result depends only on its SQL text and bound
parameters (account scoping is already part of the SQL). Each version has its own cache, dropped
with it, so a newer build is never answered from an older one. This catches what the response
cache (`caching.responses`) cannot: the same query asked in another format, by another key of the
same scope, or from another endpoint; and on Athena, where a query costs seconds.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from infralyzer.api.caching.lru import LruCache

Key = tuple[str, str]


def cache_key(sql: str, params: dict[str, Any] | None) -> Key:
    """SQL plus its parameters in a canonical form (lists and dates included)."""
    return sql, json.dumps(params or {}, sort_keys=True, default=str)


ENTRY_OVERHEAD = 1024  # bytes an entry costs beyond its rows and key text (an empty table is not free)


class ResultCache(LruCache[Key, tuple[pa.Table, float]]):
    """(Arrow table, milliseconds the query took when it ran) per query."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda key, entry: entry[0].nbytes + len(key[0]) + len(key[1]) + ENTRY_OVERHEAD)
