"""Anomaly marts on the shared sample, which carries labelled anomalies (sample_build.SAMPLE_ANOMALIES):
the injected anomalies are found with their root cause, nothing else is, and a re-delivered period
changes anomalies only where its data changed."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta

import duckdb
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import redeliver

from sample_build import SAMPLE_PERIODS, SAMPLE_SEED, make_settings

pytestmark = pytest.mark.e2e

LOOK_BACK_DAYS = 28 + 56  # the expectation's four weeks + the fences' residual window (anomaly_thresholds)


def min_impact_usd(project_dir, dimension: str) -> float:
    with (project_dir / "seeds" / "anomaly_thresholds.csv").open() as f:
        return next(float(r["min_impact_usd"]) for r in csv.DictReader(f) if r["monitor_dimension"] == dimension)


def query(db, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def anomalies(db) -> dict[tuple, tuple]:
    rows = query(db, "select monitor_dimension, monitor_value, usage_date, * exclude (monitor_dimension, "
                     "monitor_value, usage_date) from marts.fct_cost_anomalies")
    return {r[:3]: r[3:] for r in rows}


def explained(key: dict, categories: dict[str, str]) -> dict[tuple, dict]:
    """(monitor dimension, value, day) -> the injected anomaly that added cost there."""
    out = {}
    for e in key["injected_anomalies"]:
        for day, extra in e["daily_extra_cost"].items():
            if extra > 0:
                for dimension, value in (("account", e["account_id"]), ("service", e["service"]),
                                         ("cost_category", categories[e["account_id"]])):
                    out[(dimension, value, date.fromisoformat(day))] = e
    return out


@pytest.fixture(scope="module")
def found(built, answer_key):
    categories = dict(query(built.build_db, "select distinct usage_account_id, cost_category "
                                            "from intermediate.int_anomaly_cost_cells"))
    return anomalies(built.build_db), explained(answer_key, categories)


def test_every_anomaly_found_is_an_injected_one(found):
    rows, injected = found
    assert rows
    unexplained = [k for k in rows if k not in injected]
    assert not unexplained


def test_injected_anomalies_are_found_by_their_account_monitor_with_their_root_cause(found, answer_key, built):
    rows, _ = found
    causes = {(r[0], r[1]): r[2:] for r in query(
        built.build_db, "select monitor_value, usage_date, top_root_cause_account_id, top_root_cause_service, "
                        "top_root_cause_region, top_root_cause_usage_type from marts.fct_cost_anomalies "
                        "where monitor_dimension = 'account'")}
    material = min_impact_usd(built.project_dir, "account")
    checked = 0
    for e in answer_key["injected_anomalies"]:
        if max(e["daily_extra_cost"].values()) < material:
            continue  # below the least impact worth reporting (anomaly_thresholds): not to be found
        checked += 1
        days = [date.fromisoformat(d) for d, v in e["daily_extra_cost"].items() if v > 0]
        hits = [d for d in days if ("account", e["account_id"], d) in rows]
        assert hits, f"{e['anomaly_id']} ({e['kind']}) not found"
        assert causes[(e["account_id"], hits[0])] == (e["account_id"], e["service"], e["region"], e["usage_type"])
    assert checked >= 3


def test_a_redelivered_period_changes_anomalies_only_where_data_changed(built, sample_exports, tmp_path):
    exports = tmp_path / "exports"
    shutil.copytree(sample_exports, exports)
    settings = make_settings(tmp_path / "work", exports)
    settings.build_db.parent.mkdir(parents=True)
    shutil.copy(built.build_db, settings.build_db)
    series_sql = "select monitor_dimension, monitor_value, usage_date, actual_cost from intermediate.int_anomaly_monitor_days"
    before_series = {r[:3]: r[3] for r in query(settings.build_db, series_sql)}
    before = anomalies(settings.build_db)

    redeliver(exports, period=SAMPLE_PERIODS[-1], seed=SAMPLE_SEED, revision=1)  # late usage on some days
    run_dbt(settings, "build", "--select", "+fct_cost_anomalies", "--indirect-selection", "buildable", capture=True)
    after_series = {r[:3]: r[3] for r in query(settings.build_db, series_sql)}
    after = anomalies(settings.build_db)

    changed_days = {k for k in before_series.keys() | after_series.keys() if before_series.get(k) != after_series.get(k)}
    assert changed_days, "the re-delivery changed no monitored day"

    def touched(monitor: tuple, day: date) -> bool:
        return any((*monitor, day - timedelta(days=n)) in changed_days for n in range(LOOK_BACK_DAYS + 1))

    first_change = min(k[2] for k in changed_days)
    for k in before.keys() | after.keys():
        if not touched(k[:2], k[2]):
            assert before.get(k) == after.get(k), k
        if k[2] < first_change:
            assert before.get(k) == after.get(k), k
