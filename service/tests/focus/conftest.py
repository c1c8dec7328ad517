"""Fixtures of the FOCUS mart tests: the published fct_focus_costs of the session's build, as a
FOCUS data file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from infralyzer.publish import latest_snapshot

# JSON columns in FOCUS (Key-Value Format); the mart keeps them as maps, as AWS's export does
MAP_COLUMNS = ("SkuPriceDetails", "Tags", "x_CostCategories", "x_Discounts")
TIMESTAMP_COLUMNS = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")


@pytest.fixture(scope="session")
def focus_mart(publish_dir: Path):
    """A connection to the newest published snapshot, read-only. Attached to an in-memory database:
    DuckDB refuses a second connection to a file that this process (the client's and the API's
    tests, under pytest-xdist) already holds open with another configuration."""
    info = latest_snapshot(publish_dir)
    assert info is not None, f"no published snapshot in {publish_dir}"
    con = duckdb.connect()
    con.execute(f"attach '{info.path}' as snapshot (read_only)")
    con.execute("use snapshot")
    con.execute("set TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="session")
def focus_data_file(focus_mart, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fct_focus_costs as a FOCUS 1.2 data file: Parquet, maps written as JSON objects and
    timestamps as UTC instants (the spec's Key-Value and Date/Time formats)."""
    path = tmp_path_factory.mktemp("focus") / "fct_focus_costs.parquet"
    replaced = [f"cast(to_json({c}) as varchar) as {c}" for c in MAP_COLUMNS]
    replaced += [f"cast({c} as timestamptz) as {c}" for c in TIMESTAMP_COLUMNS]
    focus_mart.execute(f"copy (select * replace ({', '.join(replaced)}) from marts.fct_focus_costs) "
                       f"to '{path}' (format parquet)")
    return path
