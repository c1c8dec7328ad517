"""Labelled anomalies of the generator (`generate(..., anomalies=True)`): the answer key's extra
cost is exactly what the CUR gains over the same history without them, per day, account and usage
type; a re-delivery keeps them."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from infralyzer.exports.generate import generate, redeliver
from infralyzer.exports.generate.injected_anomalies import KINDS

PERIODS = ["2026-07", "2026-08", "2026-09"]
SEED = 5
LINE_ITEMS = 6_000


def _cur_costs(exports: Path) -> dict[tuple[str, str, str], float]:
    """Usage unblended cost per (usage day, usage account, usage type) of a CUR export."""
    rows = duckdb.sql(f"""
        select cast(line_item_usage_start_date as date)::varchar, line_item_usage_account_id, line_item_usage_type,
               sum(line_item_unblended_cost)
        from read_parquet('{exports}/cur2/data/*/*.parquet')
        where line_item_line_item_type = 'Usage'
        group by all
    """).fetchall()
    return {(d, a, u): float(c) for d, a, u, c in rows}


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path, dict]:
    root = tmp_path_factory.mktemp("injected")
    plain = generate(root / "plain", periods=PERIODS, line_items_per_month=LINE_ITEMS, seed=SEED, exports=("cur2",))
    injected = generate(root / "injected", periods=PERIODS, line_items_per_month=LINE_ITEMS, seed=SEED,
                        exports=("cur2",), anomalies=True)
    return root / "plain", plain, root / "injected", injected


def test_off_by_default(histories) -> None:
    _, plain, _, injected = histories
    assert "injected_anomalies" not in plain
    assert {e["kind"] for e in injected["injected_anomalies"]} == set(KINDS)


def test_key_is_what_the_cur_gained(histories) -> None:
    plain_dir, _, injected_dir, key = histories
    before, after = _cur_costs(plain_dir), _cur_costs(injected_dir)
    expected: dict[tuple[str, str, str], float] = defaultdict(float)
    for e in key["injected_anomalies"]:
        assert e["expected_extra_cost"] > 0, e["anomaly_id"]
        assert e["start_date"] <= min(e["daily_extra_cost"]) and max(e["daily_extra_cost"]) <= e["end_date"]
        for day, by_type in e["daily_extra_cost_by_usage_type"].items():
            for usage_type, extra in by_type.items():
                expected[(day, e["account_id"], usage_type)] += extra
    gained = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in set(before) | set(after)}
    changed = {k: v for k, v in gained.items() if abs(v) > 1e-6}
    assert set(changed) == set(expected)
    for k, v in expected.items():
        assert changed[k] == pytest.approx(v, abs=1e-6), k
    # and the period totals of the key carry the extra cost (the answer key stays exact)
    total_extra = sum(e["expected_extra_cost"] for e in key["injected_anomalies"])
    assert sum(after.values()) - sum(before.values()) == pytest.approx(total_extra, abs=1e-4)


def test_runaway_resource_is_new(histories) -> None:
    plain_dir, _, injected_dir, key = histories
    runaway = next(e for e in key["injected_anomalies"] if e["kind"] == "runaway_resource")
    ids = duckdb.sql(f"""select distinct line_item_resource_id from read_parquet('{injected_dir}/cur2/data/*/*.parquet')
                         except select distinct line_item_resource_id
                         from read_parquet('{plain_dir}/cur2/data/*/*.parquet')""").fetchall()
    assert ids == [(runaway["resource_id"],)]


def test_redelivery_keeps_the_anomalies(histories, tmp_path: Path) -> None:
    _, _, injected_dir, key = histories
    import shutil
    copy = tmp_path / "exports"
    shutil.copytree(injected_dir, copy)
    after = redeliver(copy, period="2026-09", seed=SEED, revision=1)
    assert after["injected_anomalies"] == key["injected_anomalies"]
