"""Regression tests of the engine differences the Trino run found, on both engines: the same
macros of macros/cross_db/ compiled for DuckDB and for Trino (Athena's engine) and executed by
each, with the answers written out here.

* money: a double whose 8th decimal is a tie in its shortest decimal form (0.008571365 is stored
  as 0.00857136499…) rounds alike (down, from the binary value), and an exact binary tie rounds
  half away from zero, on both engines;
* percentile: the exact nearest-rank percentile (approx_percentile on Trino and quantile_cont on
  DuckDB disagreed), NULLs ignored;
* ratio: a double, also for integers (Trino's `/` divides integers as integers);
* map_value: NULL for a missing key (a Trino subscript raises).
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from infralyzer.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

PROBE = """
with series as (
    {{ integer_series(10) }}
),
costs as (
    select 'a' as payer, cast(n as decimal(18, 8)) as cost from series
    union all
    select 'a' as payer, cast(null as decimal(18, 8)) as cost
),
ranked as (
    select payer, cost, {{ percentile_ranking('cost', ['payer']) }} from costs
),
percentiles as (
    select
        {{ percentile('cost', 0.0) }} as p0,
        {{ percentile('cost', 0.1) }} as p10,
        {{ percentile('cost', 0.25) }} as p25,
        {{ percentile('cost', 0.5) }} as p50,
        {{ percentile('cost', 0.9) }} as p90,
        {{ percentile('cost', 1.0) }} as p100
    from ranked
    group by payer
)
select
    {{ money('cast(0.008571365 as double)') }} as tie_in_decimal_form,
    {{ money('cast(-0.008571365 as double)') }} as negative_tie_in_decimal_form,
    {{ money('cast(0.001953125 as double)') }} as binary_tie,
    {{ money('cast(0.0019531250 as decimal(18, 10))') }} as decimal_tie,
    {{ ratio('7', '2') }} as integer_ratio,
    {{ ratio('1', '0') }} as ratio_by_zero,
    {{ map_value("map(array['k'], array['v'])", "'missing'") }} as missing_key,
    percentiles.*
from percentiles
"""
PROBE_DUCKDB = PROBE.replace("map(array['k'], array['v'])", "map {'k': 'v'}")

EXPECTED = {
    "tie_in_decimal_form": Decimal("0.00857136"),
    "negative_tie_in_decimal_form": Decimal("-0.00857136"),
    "binary_tie": Decimal("0.00195313"),
    "decimal_tie": Decimal("0.00195313"),
    "integer_ratio": 3.5,
    "ratio_by_zero": None,
    "missing_key": None,
    # ten values 0..9 (and a NULL): the ceil(p × 10)-th smallest
    "p0": Decimal(0), "p10": Decimal(0), "p25": Decimal(2), "p50": Decimal(4), "p90": Decimal(8), "p100": Decimal(9),
}


def _compile(settings, sql: str, target: str, extra_env: dict[str, str], target_path) -> str:
    """The SQL dbt compiles for `target`, in the target path of that engine's build (its parse is reused)."""
    result = run_dbt(settings, "--quiet", "compile", "--no-populate-cache", "--target-path", str(target_path),
                     "--inline", sql, target=target, extra_env=extra_env, capture=True)
    return result.stdout


def _answer(cursor, sql: str) -> dict:
    cursor.execute(sql)
    names = [column[0] for column in cursor.description]
    [row] = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_cross_db_macros_answer_alike_on_duckdb(built):
    sql = _compile(built, PROBE_DUCKDB, "duckdb", {}, built.dbt_target_dir)
    with duckdb.connect() as con:
        assert _answer(con.cursor(), sql) == EXPECTED


def test_cross_db_macros_answer_alike_on_trino(trino_built, built):
    sql = _compile(built, PROBE, "trino", trino_built.dbt_env, trino_built.target_path)
    assert _answer(trino_built.server.connect().cursor(), sql) == EXPECTED
