"""The generator's carried-out recommendations (generate/implemented_recommendations.py) on the
shared sample: a stopped instance leaves the CUR on its change day, and COH stops recommending it
(and a dismissed one) from the first snapshot after that day."""

from __future__ import annotations

from datetime import date

import polars as pl

from infralyzer.exports.generate.optimisation_key import _read


def test_implemented_instances_stop_and_leave_coh(sample_exports, answer_key):
    entries = answer_key["implemented_recommendations"]
    periods = sorted(answer_key["periods"])
    assert [e["kind"] for e in entries].count("implemented") == 2 * (len(periods) - 1)
    assert [e["kind"] for e in entries].count("dismissed") == len(periods) - 2
    cur = pl.concat([_read(sample_exports, "cur2", p) for p in periods], how="diagonal_relaxed")
    for e in entries:
        change = date.fromisoformat(e["change_date"])
        days = cur.filter(pl.col("line_item_resource_id") == e["resource_id"])["line_item_usage_start_date"].cast(pl.Date)
        assert days.min() < change
        if e["kind"] == "implemented":
            assert days.max() < change
        else:
            assert days.max() > change
        for period in periods:
            coh = _read(sample_exports, "coh", period)
            held = coh.filter(pl.col("resource_arn").str.ends_with("/" + e["resource_id"])).height > 0
            assert held == (period < change.strftime("%Y-%m")), (e, period)
        assert e["recommendation_id"] and e["last_seen_period"] < change.strftime("%Y-%m")
