"""Periods written by several processes at once are the files and answer key of one process."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from infralyzer.exports.generate import generate

PERIODS = ["2026-08", "2026-09"]


def _rows(con: duckdb.DuckDBPyConnection, root: Path, export: str) -> str:
    return f"read_parquet('{root}/{export}/data/**/*.parquet', hive_partitioning = false, union_by_name = true)"


def test_parallel_generation_writes_the_same_exports(tmp_path: Path):
    one, two = tmp_path / "one", tmp_path / "two"
    generate(one, periods=PERIODS, line_items_per_month=5_000, seed=7)
    generate(two, periods=PERIODS, line_items_per_month=5_000, seed=7, workers=2)
    con = duckdb.connect()
    for export in ("cur2", "focus", "coh", "carbon"):
        a, b = _rows(con, one, export), _rows(con, two, export)
        counts = con.execute(f"select (select count(*) from {a}), (select count(*) from {b}), "
                             f"(select count(*) from (select * from {a} except all select * from {b}))").fetchone()
        assert counts[0] > 0 and counts[0] == counts[1] and counts[2] == 0, (export, counts)
    keys = [json.loads((root / "_answer_key" / "answer_key.json").read_text()) for root in (one, two)]
    for key in keys:
        key.pop("generated_at")
    assert keys[0] == keys[1]
