"""The remote client: a running Infralyzer API, rows over Arrow IPC (`format=arrow`).

The key's role and account scope apply on the server as for any caller; errors come back as the
same `ApiError` (status, stable code, message, details) the local client raises. A whole mart is
read page by page (`page_size`, at most the server's INFRALYZER_API_MAX_PAGE_SIZE), all pages from
one snapshot: if the server switches snapshots meanwhile, the read starts over.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import polars as pl
import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)

from infralyzer.api import API_PREFIX
from infralyzer.api.common import Filters, Page
from infralyzer.api.errors import ApiError
from infralyzer.api.semantic_layer import MetricQuery
from infralyzer.client.answers import MARTS_SCHEMA, METRICS_SCHEMA, Answer, Freshness, frame, listing
from infralyzer.client.base import Client

_ARROW = {"format": "arrow"}


def _error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
        return ApiError(response.status_code, body["error"], body["message"], body.get("details"))
    except (ValueError, KeyError, TypeError):
        return ApiError(response.status_code, "http_error", response.text[:500] or response.reason_phrase)


def _arrow_answer(response: httpx.Response, truncated_header: str | None = None) -> tuple[pa.Table, Answer]:
    headers = response.headers
    freshness = Freshness.from_api(headers["X-Infralyzer-Snapshot"], headers.get("X-Infralyzer-Built-At"),
                                   headers.get("X-Infralyzer-Newest-Billing-Period"))
    truncated = truncated_header is not None and headers.get(truncated_header) == "True"
    return pa.ipc.open_stream(response.content).read_all(), Answer(freshness, truncated)


class RemoteClient(Client):
    def __init__(self, url: str, key: str | None = None, *, timeout: float = 120.0, page_size: int = 10_000,
                 http: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.page_size = page_size
        self._http = http or httpx.Client(timeout=timeout)
        self._headers = {"X-API-Key": key} if key else {}

    def __repr__(self) -> str:
        return f"<infralyzer RemoteClient on {self.url}>"

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, f"{self.url}{API_PREFIX}{path}", headers=self._headers, **kwargs)
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _listing(self, path: str, schema: dict) -> pl.DataFrame:
        body = self._request("GET", path).json()
        return listing(body["data"], schema, Answer(Freshness.from_api(**body["freshness"])))

    def _marts(self) -> pl.DataFrame:
        return self._listing("/tables", MARTS_SCHEMA)

    def _metrics(self) -> pl.DataFrame:
        return self._listing("/metrics", METRICS_SCHEMA)

    def _mart(self, name: str, f: Filters, p: Page) -> pl.DataFrame:
        params: dict[str, Any] = {**_ARROW, "from": f.period_from, "to": f.period_to, "account": f.accounts,
                                  "service": f.services, "region": f.regions, "sort": p.sort}
        params = {k: v for k, v in params.items() if v not in (None, [])}
        for _ in range(3):
            pages: list[pa.Table] = []
            snapshot, more, offset, remaining = None, True, p.offset, p.limit
            while more and remaining != 0:
                size = self.page_size if remaining is None else min(self.page_size, remaining)
                response = self._request("GET", f"/tables/{name}", params={**params, "limit": size, "offset": offset})
                table, answer = _arrow_answer(response)
                if snapshot is not None and answer.freshness.snapshot != snapshot.freshness.snapshot:
                    break  # the server moved to a newer snapshot between pages: read again from it
                snapshot = answer
                pages.append(table)
                more = response.headers.get("X-Infralyzer-Has-More") == "True"
                offset += table.num_rows
                remaining = None if remaining is None else remaining - table.num_rows
            else:
                assert snapshot is not None
                rows = pa.concat_tables(pages) if len(pages) > 1 else pages[0]
                return frame(rows, Answer(snapshot.freshness, truncated=more))
        raise ApiError(503, "snapshot_changing", "The server switched snapshots during every read of the mart.")

    def _metric(self, query: MetricQuery) -> pl.DataFrame:
        response = self._request("POST", "/metrics/query", params=_ARROW,
                                 json=query.model_dump(mode="json", by_alias=True, exclude_none=True))
        return frame(*_arrow_answer(response))

    def _sql(self, sql: str, limit: int | None) -> pl.DataFrame:
        body: dict[str, Any] = {"sql": sql} if limit is None else {"sql": sql, "limit": limit}
        response = self._request("POST", "/sql/query", params=_ARROW, json=body)
        return frame(*_arrow_answer(response, "X-Infralyzer-Truncated"))
