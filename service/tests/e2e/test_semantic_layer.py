"""The semantic layer: MetricFlow validates it, and every metric by month equals its mart, computed here in SQL."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest

from metric_mart_queries import ALL_METRICS, MART_QUERIES
from sample_build import run_mf

pytestmark = pytest.mark.e2e

mf = run_mf


@pytest.fixture(scope="module")
def semantic_manifest(built) -> dict:
    """The session build's (`run_mf` shows mf the same file)."""
    return json.loads(built.semantic_manifest.read_text())


def test_validate_configs(built):
    result = mf(built, "validate-configs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERRORS: 0" in result.stdout


def test_every_metric_has_a_description_and_a_mart_query(semantic_manifest):
    metrics = {m["name"]: m for m in semantic_manifest["metrics"]}
    assert set(metrics) == set(ALL_METRICS)
    for name, metric in metrics.items():
        assert len(metric["description"]) > 30, name


def test_every_metric_by_month_equals_its_mart(built, tmp_path):
    out = tmp_path / "metrics.csv"
    result = mf(built, "query", "--metrics", ",".join(MART_QUERIES), "--group-by", "metric_time__month",
                "--csv", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open() as handle:
        from_mf = {row["metric_time__month"][:10]: row for row in csv.DictReader(handle)}
    assert len(from_mf) == 3
    con = duckdb.connect(str(built.build_db), read_only=True)
    try:
        for metric, sql in MART_QUERIES.items():
            for month, value in con.execute(sql).fetchall():
                got = from_mf[str(month)[:10]][metric]
                assert got not in ("", None), (metric, month)
                assert abs(float(got) - float(value)) <= 1e-6 * max(1.0, abs(float(value))), (metric, month, got, value)
    finally:
        con.close()


def test_metrics_join_the_account_and_service_dimensions(built, tmp_path):
    out = tmp_path / "by_account.csv"
    result = mf(built, "query", "--metrics", "effective_cost", "--group-by",
                "metric_time__month,account__account_name,service__service_category", "--csv", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    con = duckdb.connect(str(built.build_db), read_only=True)
    try:
        expected = con.execute("""
            select strftime(date_trunc('month', s.usage_date), '%Y-%m-%d'), a.account_name, v.service_category,
                   sum(s.amortized_cost)
            from marts.fct_spend_daily as s
            left join marts.dim_accounts as a on s.usage_account_id = a.account_id
            left join marts.dim_services as v on s.service = v.service
            group by all""").fetchall()
    finally:
        con.close()
    got = {(r["metric_time__month"][:10], r["account__account_name"] or None, r["service__service_category"] or None):
           float(r["effective_cost"]) for r in rows}
    assert len(got) == len(expected) > 10
    for month, account, category, value in expected:
        assert abs(got[month, account, category] - float(value)) < 1e-6 * max(1.0, abs(float(value)))


def test_metrics_and_their_definitions_are_in_the_docs_site(built, tmp_path):
    """`dbt docs generate` writes the site (index.html) with a manifest holding every metric and semantic model."""
    from infralyzer.dbt_runner import run_dbt

    run_dbt(built, "docs", "generate", "--target-path", str(tmp_path), "--quiet", capture=True)
    assert (tmp_path / "index.html").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    metrics = {m["name"]: m for m in manifest["metrics"].values()}
    assert set(MART_QUERIES) <= set(metrics)
    assert all(metrics[name]["description"] and metrics[name]["label"] for name in MART_QUERIES)
    semantic_models = {m["name"] for m in manifest["semantic_models"].values()}
    assert {"spend", "commitment_utilization", "commitment_coverage", "savings", "accounts", "services"} <= semantic_models
