"""The marts built on Trino (Athena's engine) equal the DuckDB build of the same sample, row by row:
same columns and row counts, money to the cent, other numbers to 1e-9.

Every public mart is compared; a mart added to the project and missing here fails the test.
The forecasts are the SQL method's on both engines (the DuckDB side is built with var
spend_forecast_method = seasonal_naive_sql, see conftest.py), so they are compared as any mart.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.e2e

PUBLIC_MARTS = [
    "dim_accounts",
    "dim_billing_periods",
    "dim_calendar",
    "dim_commitments",
    "dim_regions",
    "dim_services",
    "fct_budget_status",
    "fct_carbon_emissions",
    "fct_carbon_restatements",
    "fct_chargeback",
    "fct_cloud_spend_daily",
    "fct_commitment_coverage",
    "fct_commitment_utilization",
    "fct_compute_on_demand_hourly",
    "fct_cost_anomalies",
    "fct_cost_anomaly_root_causes",
    "fct_export_deliveries",
    "fct_focus_costs",
    "fct_insight_recommendations",
    "fct_invoice_summary",
    "fct_kpi_tracker",
    "fct_optimization_recommendations",
    "fct_realised_savings",
    "fct_resource_allocation",
    "fct_savings_actions",
    "fct_savings_plan_sizing",
    "fct_savings_summary",
    "fct_showback",
    "fct_spend_daily",
    "fct_spend_forecasts",
    "fct_spend_monthly",
    "fct_spend_trends",
    "fct_tag_compliance",
    "fct_top_movers",
    "fct_unit_costs",
    "fct_untagged_resources",
    "metricflow_time_spine",
]
# published on DuckDB only, by design: the reason is the mart's `enabled` config
DUCKDB_ONLY_MARTS = {
    # the backtest of the statsforecast models (a dbt Python model), which dbt cannot run on
    # Athena or Trino; docs/forecasting.md, 'Method on Athena and Trino'
    "fct_forecast_accuracy",
}
CENT = Decimal("0.005")
TOLERANCE = 1e-9


def _normalise(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _rows(cursor, sql: str) -> tuple[list[str], list[tuple]]:
    cursor.execute(sql)
    names = [column[0] for column in cursor.description]
    return names, [tuple(_normalise(v) for v in row) for row in cursor.fetchall()]


def _sort_key(row: tuple) -> tuple:
    """Floats may differ in the last bits between engines: order by everything else. Decimals and
    integers by value, whatever their scale on each engine."""
    def key(value) -> str:
        if value is None or isinstance(value, float):
            return ""
        if isinstance(value, dict):  # maps: each engine has its own key order
            return str(sorted(value.items()))
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(Decimal(value).normalize())
        return str(value)

    return tuple((v is None, key(v)) for v in row)


def _same(left, right) -> bool:
    if left is None or right is None:
        return left is right
    if isinstance(left, Decimal | float | int) and isinstance(right, Decimal | float | int) \
            and not isinstance(left, bool):
        if isinstance(left, Decimal) and isinstance(right, Decimal):
            return abs(left - right) < CENT
        return math.isclose(float(left), float(right), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return left == right


def test_every_published_mart_is_compared(built, trino_built):
    with duckdb.connect(str(built.build_db), read_only=True) as con:
        published = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    assert published == set(PUBLIC_MARTS) | DUCKDB_ONLY_MARTS
    cursor = trino_built.server.connect().cursor()
    cursor.execute("select table_name from hive.information_schema.tables where table_schema = 'marts'")
    assert {row[0] for row in cursor.fetchall()} == set(PUBLIC_MARTS)


@pytest.mark.parametrize("mart", PUBLIC_MARTS)
def test_mart_equals_the_duckdb_build(mart, trino_built, built):
    with duckdb.connect(str(built.build_db), read_only=True) as con:
        duck_names, duck_rows = _rows(con.cursor(), f"select * from marts.{mart}")
    trino_names, trino_rows = _rows(trino_built.server.connect().cursor(), f"select * from hive.marts.{mart}")

    # the same columns in the same order (Athena keeps the model's order, DuckDB the contract's);
    # Trino and Athena lowercase names (FOCUS's PascalCase columns)
    trino_names = [name.lower() for name in trino_names]
    assert trino_names == [name.lower() for name in duck_names]
    order = [trino_names.index(name.lower()) for name in duck_names]
    trino_rows = [tuple(row[i] for i in order) for row in trino_rows]
    assert len(trino_rows) == len(duck_rows), f"{mart}: {len(trino_rows)} rows on Trino, {len(duck_rows)} on DuckDB"
    assert duck_rows, f"{mart} is empty: nothing compared"
    for duck_row, trino_row in zip(sorted(duck_rows, key=_sort_key), sorted(trino_rows, key=_sort_key), strict=True):
        differing = {name: (d, t) for name, d, t in zip(duck_names, duck_row, trino_row, strict=True) if not _same(d, t)}
        assert not differing, f"{mart}: DuckDB vs Trino {differing} in row {dict(zip(duck_names, duck_row, strict=True))}"
