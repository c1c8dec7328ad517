"""Response formats: JSON (default), CSV, Parquet and Arrow IPC, by `format=` or the Accept header.

JSON is `{data, row_count, execution_time_ms, freshness: {snapshot, built_at, newest_billing_period}}`;
the other formats carry the same metadata in `X-Infralyzer-*` headers (text values percent-encoded).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import math
from urllib.parse import quote
from enum import Enum
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from fastapi import Request
from fastapi.responses import Response

from infralyzer.api.errors import ApiError
from infralyzer.publish import SnapshotInfo


class Format(str, Enum):
    json = "json"
    csv = "csv"
    parquet = "parquet"
    arrow = "arrow"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv",
    Format.parquet: "application/vnd.apache.parquet",
    Format.arrow: "application/vnd.apache.arrow.stream",
}
_ACCEPT = {
    "application/json": Format.json,
    "text/csv": Format.csv,
    "application/vnd.apache.parquet": Format.parquet,
    "application/x-parquet": Format.parquet,
    "application/parquet": Format.parquet,
    "application/vnd.apache.arrow.stream": Format.arrow,
    "application/vnd.apache.arrow.file": Format.arrow,
}

# OpenAPI: the content types every data endpoint can answer with
TABULAR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Rows as JSON (default), CSV, Parquet or Arrow IPC stream (choose with `format=` or Accept).",
        "content": {
            "application/json": {
                "example": {
                    "data": [{"billing_period": "2026-09", "service": "AmazonEC2", "cost": 14142.81,
                              "line_item_count": 11329}],
                    "row_count": 1,
                    "execution_time_ms": 2.7,
                    "freshness": {"snapshot": "snapshot-20261001T020304-1a2b3c4d.duckdb",
                                  "built_at": "2026-10-01T02:03:04+00:00", "newest_billing_period": "2026-09"},
                    "limit": 1000, "offset": 0, "has_more": False,
                },
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    400: {"description": "Invalid request (error shape `{error, message, details}`).",
          "content": {"application/json": {"example": {"error": "invalid_parameter", "message": "Cannot sort by 'x'.",
                                                       "details": {"sortable": ["billing_period", "cost"]}}}}},
    401: {"description": "Missing or unknown API key."},
    403: {"description": "The key's role or account scope does not allow this."},
    404: {"description": "Mart not in the served snapshot."},
    422: {"description": "Invalid parameters."},
    503: {"description": "No published snapshot yet."},
}


def negotiate(request: Request, fmt: Format | None) -> Format:
    if fmt is not None:
        return fmt
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in _ACCEPT:
            return _ACCEPT[media]
    return Format.json


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time stored as naive UTC (DuckDB `timestamp`) or aware, as an aware UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def freshness(info: SnapshotInfo) -> dict[str, Any]:
    built_at = as_utc(info.built_at)
    return {
        "snapshot": info.path.name,
        "built_at": built_at.isoformat() if built_at else None,
        "newest_billing_period": info.newest_billing_period,
    }


def _csv_safe(table: pa.Table) -> pa.Table:
    """CSV cannot hold nested values: render lists, maps and structs as JSON text."""
    columns = []
    for column in table.columns:
        if pa.types.is_nested(column.type):
            columns.append(pa.array([None if v is None else json.dumps(_jsonable(v))
                                     for v in column.to_pylist(maps_as_pydicts="lossy")],
                                    pa.string()))
        else:
            columns.append(column)
    return pa.table(columns, names=table.column_names)


def answer_headers(info: SnapshotInfo, cached: bool = False) -> dict[str, str]:
    """The headers every answer carries: the snapshot it was computed on (the response cache keeps
    only answers of the snapshot being served) and where it came from: `miss` (the query ran),
    `result-hit` (the rows came from the result cache) or, set by the response cache, `hit`."""
    return {"X-Infralyzer-Snapshot": info.path.name, "X-Infralyzer-Cache": "result-hit" if cached else "miss"}


def render(table: pa.Table, fmt: Format, info: SnapshotInfo, elapsed_ms: float,
           extra: dict[str, Any] | None = None, *, cached: bool = False) -> Response:
    """The response in `fmt`, with `answer_headers`."""
    meta = freshness(info)
    snapshot_headers = answer_headers(info, cached)
    if fmt is Format.json:
        body = {
            # a map is a JSON object, whichever order an engine keeps its keys in
            "data": [_jsonable(row) for row in table.to_pylist(maps_as_pydicts="lossy")],
            "row_count": table.num_rows,
            "execution_time_ms": round(elapsed_ms, 3),
            "freshness": meta,
            **(extra or {}),
        }
        return Response(json.dumps(body, separators=(",", ":"), default=str), media_type=MEDIA_TYPES[fmt],
                        headers=snapshot_headers)
    headers = {
        **snapshot_headers,
        "X-Infralyzer-Built-At": meta["built_at"] or "",
        "X-Infralyzer-Newest-Billing-Period": meta["newest_billing_period"] or "",
        "X-Row-Count": str(table.num_rows),
        "X-Execution-Time-Ms": f"{elapsed_ms:.3f}",
    }
    for key, value in (extra or {}).items():
        # a header holds one line of visible ASCII: text (e.g. MetricFlow's multi-line SQL) is
        # percent-encoded UTF-8, always, so a client decodes every text header the same way
        if isinstance(value, str):
            headers[f"X-Infralyzer-{key.replace('_', '-').title()}"] = quote(value, safe="")
        elif isinstance(value, (int, float, bool)):
            headers[f"X-Infralyzer-{key.replace('_', '-').title()}"] = str(value)
    sink = io.BytesIO()
    if fmt is Format.csv:
        pa_csv.write_csv(_csv_safe(table), sink)
    elif fmt is Format.parquet:
        pq.write_table(table, sink)
    elif fmt is Format.arrow:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    else:  # pragma: no cover
        raise ApiError(400, "invalid_parameter", f"Unknown format {fmt}.")
    return Response(sink.getvalue(), media_type=MEDIA_TYPES[fmt], headers=headers)
