"""Local SQL goes through the API's guard (unless the caller opts into full access of their own
snapshot), and `infralyzer query` / `infralyzer metrics` answer and refuse as the API does."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from api.api_support import hostile_queries
from infralyzer.api.errors import ApiError
from infralyzer.cli import main
from infralyzer.client import connect
from infralyzer.client.base import bind_parameters


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    canary, target = folder / "canary.csv", folder / "written.csv"
    canary.write_text("secret\nthe canary\n")
    return hostile_queries(str(canary), str(target), str(folder / "other.duckdb")), target, folder


def test_local_sql_is_refused_as_the_api_refuses_it(local, api_json, hostile):
    queries, target, _ = hostile
    for sql in queries:
        answer = api_json("POST", "/sql/query", json={"sql": sql})
        assert 400 <= answer.status_code < 500, (sql[:80], answer.status_code)
        with pytest.raises(ApiError) as refused:
            local.sql(sql)
        assert (refused.value.status_code, refused.value.error) == (answer.status_code, answer.json()["error"]), \
            sql[:80]
    assert not target.exists()


def test_query_file_with_a_hostile_statement_is_refused_as_the_api_refuses_it(publish_dir, api_url, api_json,
                                                                               hostile):
    queries, target, folder = hostile
    runner = CliRunner()
    for number, sql in enumerate(queries):
        path = folder / f"report_{number}.sql"
        path.write_text(sql)
        expected = api_json("POST", "/sql/query", json={"sql": sql}).json()
        for where in (["--publish-dir", str(publish_dir)], ["--url", api_url, "--key", "test-key-analyst-0123456789"]):
            result = runner.invoke(main, ["query", "-f", str(path), *where])
            assert result.exit_code == 1, (sql[:80], result.output[-500:])
            assert f"Error: {expected['error']}: {expected['message']}" in result.output, (sql[:80], result.output[-500:])
    # parameters are bound before the guard sees the file: still refused, as the API refuses the bound SQL
    for sql in ("select * from read_text($path)", "copy (select $path) to '" + str(target) + "'",
                "select * from marts.dim_regions where region = $path; select 1"):
        path = folder / "with_parameters.sql"
        path.write_text(sql)
        expected = api_json("POST", "/sql/query", json={"sql": bind_parameters(sql, {"path": str(target)})}).json()
        result = runner.invoke(main, ["query", "-f", str(path), "-p", f"path={target}",
                                      "--publish-dir", str(publish_dir)])
        assert result.exit_code == 1 and f"Error: {expected['error']}: {expected['message']}" in result.output
    assert not target.exists()


def test_full_access_is_unguarded_and_read_only(publish_dir, local, tmp_path):
    with pytest.raises(ApiError):
        local.sql("select count(*) from duckdb_tables()")
    full = connect(publish_dir, full_access=True)
    assert full.sql("select count(*) as n from duckdb_tables() where schema_name = 'marts'")["n"].item() >= 20
    own = tmp_path / "budget.csv"
    own.write_text("service,budget\nAmazonEC2,100\n")
    joined = full.sql(f"select s.service, b.budget from marts.dim_services as s join read_csv('{own}') as b "
                      "using (service)")
    assert joined.to_dicts() == [{"service": "AmazonEC2", "budget": 100}]
    assert_frame_equal(full.sql("select * from marts.fct_spend_monthly order by all"),
                       local.sql("select * from marts.fct_spend_monthly order by all"))
    with pytest.raises(ApiError) as refused:
        full.sql("delete from marts.fct_spend_monthly")
    assert "read-only" in str(refused.value.details)


def test_sql_file_parameters():
    sql = "select * from marts.t where a = $period and b in $accounts and c = :name"
    bound = bind_parameters(sql, {"period": "2026-09", "accounts": ["1", "2"], "name": "it's"})
    assert bound == "SELECT * FROM marts.t WHERE a = '2026-09' AND b IN ('1', '2') AND c = 'it''s'"
    with pytest.raises(ApiError) as missing:
        bind_parameters(sql, {"period": "2026-09"})
    assert missing.value.details == {"missing": ["accounts", "name"]}


def test_query_and_metrics_commands(publish_dir, local, tmp_path):
    runner = CliRunner()
    sql = "select billing_period, service, sum(amortized_cost) as cost from marts.fct_spend_monthly group by all " \
          "order by all"
    shown = runner.invoke(main, ["query", sql, "--publish-dir", str(publish_dir)])
    assert shown.exit_code == 0, shown.output
    assert "billing_period" in shown.output and "decimal[38,8]" in shown.output and "AmazonEC2" in shown.output
    assert "newest billing period" in shown.output  # the freshness note (stderr)

    expected = local.sql(sql)
    for fmt, read in (("csv", lambda path: pl.read_csv(path, infer_schema=False)), ("json", pl.read_json),
                      ("parquet", pl.read_parquet)):
        out = tmp_path / f"answer.{fmt}"
        result = runner.invoke(main, ["query", sql, "--publish-dir", str(publish_dir), "-o", str(out)])
        assert result.exit_code == 0, result.output
        written = read(out)
        if fmt == "parquet":
            assert_frame_equal(written, expected)
        else:  # text formats: decimals are exact strings
            assert written["cost"].cast(pl.String).to_list() == expected["cost"].cast(pl.String).to_list()
    as_json = runner.invoke(main, ["query", sql, "--publish-dir", str(publish_dir), "--format", "json"])
    assert json.loads(as_json.stdout)[0]["cost"] == str(expected["cost"][0])

    out = tmp_path / "metric.parquet"
    result = runner.invoke(main, ["metrics", "effective_cost", "--by", "service", "--from", "2026-08",
                                  "--where", "service__service_category=Compute,Storage",
                                  "--publish-dir", str(publish_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_frame_equal(pl.read_parquet(out), local.metric("effective_cost", "service", from_="2026-08",
                                                          where={"service__service_category": ["Compute", "Storage"]}))
    listed = runner.invoke(main, ["metrics", "--list", "--publish-dir", str(publish_dir), "--format", "csv"])
    assert listed.exit_code == 0 and pl.read_csv(listed.stdout.encode())["name"].to_list() == \
        local.metrics()["name"].to_list()
    refused = runner.invoke(main, ["metrics", "no_such_metric", "--publish-dir", str(publish_dir)])
    assert refused.exit_code == 1 and "unknown_metric" in refused.output
