"""What both clients hand out: Polars frames with the snapshot's freshness attached, built the same
way from the API's answers (Arrow tables for rows, the JSON listings for marts and metrics).

A frame's answer is read through the `infralyzer` namespace Polars lets a package register:
`df.infralyzer.freshness` (snapshot file, build time, newest billing period) and
`df.infralyzer.truncated` (a row limit cut the answer). It belongs to the frame the client
returned; frames derived from it (filter, join, ...) have none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

_ATTRIBUTE = "_infralyzer_answer"


@dataclass(frozen=True)
class Freshness:
    """The published snapshot an answer was computed on."""

    snapshot: str
    built_at: dt.datetime | None
    newest_billing_period: str | None

    @classmethod
    def from_api(cls, snapshot: str, built_at: str | dt.datetime | None, newest_billing_period: str | None) -> Freshness:
        """From the API's freshness (JSON `freshness` or the `X-Infralyzer-*` headers)."""
        if isinstance(built_at, str):
            built_at = dt.datetime.fromisoformat(built_at) if built_at else None
        return cls(snapshot, built_at, newest_billing_period or None)


@dataclass(frozen=True)
class Answer:
    freshness: Freshness
    truncated: bool = False  # the row limit (SQL) or the requested `limit` (marts) cut the rows


@pl.api.register_dataframe_namespace("infralyzer")
class AnswerNamespace:
    """`df.infralyzer.freshness`, `df.infralyzer.truncated`, `df.infralyzer.answer`."""

    def __init__(self, df: pl.DataFrame) -> None:
        self._df = df

    @property
    def answer(self) -> Answer | None:
        return getattr(self._df, _ATTRIBUTE, None)

    @property
    def freshness(self) -> Freshness | None:
        answer = self.answer
        return answer.freshness if answer else None

    @property
    def truncated(self) -> bool | None:
        answer = self.answer
        return answer.truncated if answer else None


def frame(rows: pa.Table | pl.DataFrame, answer: Answer) -> pl.DataFrame:
    """The client's frame: Arrow rows as Polars (decimals stay decimals), with the answer attached."""
    df = rows if isinstance(rows, pl.DataFrame) else pl.from_arrow(rows)
    assert isinstance(df, pl.DataFrame)
    setattr(df, _ATTRIBUTE, answer)
    return df


# The listings' shapes, fixed so an empty listing and a JSON round trip give the same frame.
MARTS_SCHEMA = {
    "name": pl.String, "description": pl.String, "row_count": pl.Int64, "account_column": pl.String,
    "columns": pl.List(pl.Struct({"name": pl.String, "data_type": pl.String, "description": pl.String})),
}
METRICS_SCHEMA = {
    "name": pl.String, "label": pl.String, "description": pl.String, "type": pl.String,
    "dimensions": pl.List(pl.Struct({"name": pl.String, "type": pl.String, "description": pl.String,
                                     "grains": pl.List(pl.String)})),
}


def listing(rows: list[dict[str, Any]], schema: dict[str, pl.DataType], answer: Answer) -> pl.DataFrame:
    """`GET /tables` or `GET /metrics` data as a frame: one row per mart or metric, nested columns
    or dimensions (`df.explode("columns").unnest("columns")` flattens them)."""
    shaped = [{name: row.get(name) for name in schema} for row in rows]
    return frame(pl.DataFrame(shaped, schema=schema), answer)
