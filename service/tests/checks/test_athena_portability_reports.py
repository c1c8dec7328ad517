"""How the offline Athena portability check reports: one violation per construct and position, with
line, snippet and path; comments, empty and unparseable input; its function allowlist; and its use
on files and from the command line (paths, exit codes, parallel runs, speed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from athena_portability_samples import PAIRS, SERVICE_DIR, VALID_TRINO, ap, assert_clean, check_sql


def test_every_construct_is_reported_once_per_position() -> None:
    violations = check_sql("select a::text from t")
    assert [v.construct for v in violations] == ["'::' cast", "DuckDB type text"]


def test_line_numbers_come_from_tokens() -> None:
    sql = (
        "-- header comment\n"
        "select\n"
        "    strftime(ts, '%Y') as y,\n"
        "    cost::double as c\n"
        "from t\n"
        "where service ilike 'ec2%'\n"
    )
    found = {(v.line, v.construct) for v in check_sql(sql)}
    assert (3, "non-Trino function strftime()") in found
    assert (4, "'::' cast") in found
    assert (6, "ilike") in found


def test_snippet_and_path_are_reported() -> None:
    [violation] = check_sql("select 1\nfrom 'x.parquet'\n", path="models/a.sql")
    assert violation == ap.Violation(
        "models/a.sql", 2, "string literal as table (FROM 'file')", "from 'x.parquet'"
    )
    assert violation.format() == (
        "models/a.sql:2: string literal as table (FROM 'file'): from 'x.parquet'"
    )


def test_comments_never_produce_violations() -> None:
    assert_clean(
        "/* install httpfs; select * exclude (a) from 'f.parquet' */\n"
        "select 1 as a -- group by all ilike [1, 2] {'a': 1} x::int\n"
        "-- qualify row_number() over () = 1\n"
    )


def test_empty_and_comment_only_input() -> None:
    assert check_sql("") == []
    assert check_sql("   \n-- nothing here\n/* nor here */\n") == []


def test_unparseable_sql_is_a_violation() -> None:
    violations = check_sql("select from where (", path="bad.sql")
    assert [v.construct for v in violations] == ["unparseable"]
    assert violations[0].path == "bad.sql"


def test_unparseable_statement_is_located() -> None:
    violations = check_sql("select 1 as a;\nselect (((\n", path="m.sql")
    assert [(v.line, v.construct) for v in violations] == [(2, "unparseable")]
    assert violations[0].snippet.startswith("Athena parser: ")


def test_group_by_all_quantifier_is_valid_trino() -> None:
    assert_clean("select a, b, sum(c) from t group by all a, b")


def test_multiple_statements_report_each_problem() -> None:
    sql = "select 1 as a;\nselect list_value(1) as l;\nselect 2 // 1 as q;\n"
    found = [(v.line, v.construct) for v in check_sql(sql)]
    assert (2, "non-Trino function list_value()") in found
    assert (3, "'//' integer division") in found


def test_allowlist_file() -> None:
    names = ap.trino_functions()
    raw = [
        line.strip()
        for line in ap.ALLOWLIST_PATH.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(raw) == len(set(raw)), "duplicate names in the allowlist"
    assert all(name == name.lower() for name in raw)
    for required in (
        "date_add", "date_diff", "date_trunc", "from_iso8601_timestamp", "element_at", "map_keys",
        "cardinality", "try_cast", "approx_distinct", "max_by", "json_format", "regexp_like",
        "split_part", "format_datetime", "sequence", "coalesce", "nullif", "if", "greatest",
        "least", "round", "sum", "count", "row_number", "listagg", "transform", "reduce",
    ):
        assert required in names, required
    for duckdb_only in (
        "list_value", "strftime", "strptime", "map_extract_value", "map_extract",
        "list_aggregate", "epoch_ms", "regexp_matches", "string_split", "len", "today",
        "struct_pack", "date_part", "read_parquet", "read_csv", "read_csv_auto", "read_json",
        "read_json_auto", "read_text", "read_blob", "parquet_scan", "glob", "range", "unnest",
        "first", "last", "string_agg", "array", "columns",
    ):
        assert duckdb_only not in names, duckdb_only
    assert len(names) > 300


# ---------------------------------------------------------------------------------------------
# Paths and command line
# ---------------------------------------------------------------------------------------------
def _write_project(root: Path) -> tuple[Path, Path]:
    good = root / "compiled" / "infralyzer" / "models" / "marts" / "fct_daily_cost.sql"
    bad = root / "compiled" / "infralyzer" / "models" / "staging" / "stg_cur.sql"
    good.parent.mkdir(parents=True)
    bad.parent.mkdir(parents=True)
    good.write_text(VALID_TRINO["cte_window"])
    bad.write_text("select\n  * exclude (secret)\nfrom read_parquet('x.parquet')\n")
    (root / "compiled" / "notes.txt").write_text("select * from 'ignored.parquet'")
    return good, bad


def test_check_paths_recurses_into_sql_files(tmp_path: Path) -> None:
    good, bad = _write_project(tmp_path)
    violations = ap.check_paths([tmp_path / "compiled"])
    assert {v.path for v in violations} == {str(bad)}
    assert [(v.line, v.construct) for v in violations] == [
        (2, "select * exclude"),
        (3, "DuckDB table function read_parquet()"),
    ]
    assert ap.check_paths([good]) == []


def test_main_reports_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, bad = _write_project(tmp_path)
    assert ap.main([str(tmp_path / "compiled")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{bad}:2: select * exclude: * exclude (secret)"
    assert out[1].startswith(f"{bad}:3: DuckDB table function read_parquet(): ")
    assert out[-1] == "athena-portability: 2 violation(s) in 1 of 2 file(s)"


def test_main_passes_on_clean_sql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, sql in VALID_TRINO.items():
        (tmp_path / f"{name}.sql").write_text(sql)
    assert ap.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"athena-portability: {len(VALID_TRINO)} file(s) checked, no DuckDB-only SQL found"
    )


def test_main_fails_on_unparseable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.sql"
    path.write_text("select (((\n")
    assert ap.main([str(path)]) == 1
    assert ": unparseable: " in capsys.readouterr().out


def test_main_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ap.main([str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_module_entry_point(tmp_path: Path) -> None:
    _, bad = _write_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SERVICE_DIR), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    result = subprocess.run(
        [sys.executable, "-m", "infralyzer.checks.athena_portability", str(tmp_path / "compiled")],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"{bad}:2: select * exclude" in result.stdout


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    bodies = [p[1] for p in PAIRS] + list(VALID_TRINO.values())
    for i, body in enumerate(bodies):
        (tmp_path / f"f{i:03d}.sql").write_text(body)
    serial = ap.check_paths([tmp_path], jobs=1)
    parallel = ap.check_paths([tmp_path], jobs=2)
    assert serial == parallel
    assert len({v.path for v in serial}) == len(PAIRS)


def test_two_hundred_files_under_two_seconds(tmp_path: Path) -> None:
    bodies = list(VALID_TRINO.values()) + [p[1] for p in PAIRS]
    for i in range(200):
        (tmp_path / f"model_{i:03d}.sql").write_text(bodies[i % len(bodies)])
    ap.check_sql("select 1")  # load the allowlist and sqlglot's dialects outside the timing
    started = time.perf_counter()
    violations = ap.check_paths([tmp_path])
    elapsed = time.perf_counter() - started
    assert violations
    assert elapsed < 2.0, f"{elapsed:.2f} s for 200 files"
