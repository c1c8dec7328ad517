"""The offline Athena portability check on SQL samples: every DuckDB-only construct is reported, and
its Trino equivalent, the corpus of realistic Trino / Athena SQL and Trino's specifics are clean."""

from __future__ import annotations

import pytest

from athena_portability_samples import PAIRS, VALID_TRINO, assert_clean, assert_reported


@pytest.mark.parametrize("sql, construct", [(p[1], p[2]) for p in PAIRS],
                         ids=[p[0] for p in PAIRS])
def test_duckdb_construct_is_reported(sql: str, construct: str) -> None:
    assert_reported(sql, construct)


@pytest.mark.parametrize("sql", [p[3] for p in PAIRS], ids=[p[0] for p in PAIRS])
def test_trino_equivalent_is_clean(sql: str) -> None:
    assert_clean(sql)


@pytest.mark.parametrize("sql", list(VALID_TRINO.values()), ids=list(VALID_TRINO))
def test_valid_trino_corpus_is_clean(sql: str) -> None:
    assert_clean(sql)


def test_corpus_is_large_enough() -> None:
    assert len(VALID_TRINO) >= 30
    assert len(PAIRS) >= 60


# ---------------------------------------------------------------------------------------------
# Specifics called out in the brief
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "select array[1, 2] as a",
        "select arr[1] as a from t",
        "select m['k'] as v from t",
        "select split(s, ',')[1] as first from t",
        "select arr[1][2] as x from t",
        'select "arr"[1] as x from t',
        "select transform(arr, x -> x + 1) as a from t",
        "select a || b as c from t",
        'select "double quoted" from t',
        "select try_cast(x as integer) from t",
        "select timestamp '2024-01-01 00:00:00' as ts",
        "select current_date as d",
        "select date '2024-01-01' as d",
        "select cast(x as decimal(38,10)) from t",
        "select cast(x as varchar) from t",
        "select x from unnest(array[1, 2]) as t(x)",
        "select map_keys(m) from t",
        "select U&'\\0041' as u, x'ab' as b",
        "select trim(from s) as s, extract(year from d) as y from t",
        "select count() as n from t",
    ],
)
def test_valid_trino_specifics_are_clean(sql: str) -> None:
    assert_clean(sql)


def test_map_varchar_varchar_is_valid_trino() -> None:
    # MAP(VARCHAR, VARCHAR) is spelled the same in DuckDB and Trino: not a portability problem.
    assert_clean("select cast(m as map(varchar, varchar)) as m from t")
    assert_reported("select cast(m as map(varchar, text)) as m from t", "DuckDB type text")
