"""End to end: allocation marts on the generated sample against the generator's own model.

* the direct (pre-redistribution) team of every resource's usage equals
  `allocation_key.allocation_fragment` to the cent: tagged resources by their team tag, untagged
  ones by their account's owner tag canonicalised by the alias seed;
* chargeback and showback allocate the whole spend, per billing period, dimension and basis;
* changing a rule seed (and nothing else) changes the allocation, and it still reconciles.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from infralyzer.dbt_runner import run_dbt
from infralyzer.exports.generate import organisation_from_key
from infralyzer.exports.generate.allocation_key import BASIS, allocation_fragment
from infralyzer.settings import Settings

from sample_build import SAMPLE_PERIODS

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")
BASES = ["unblended_cost", "amortized_cost", "net_unblended_cost", "net_amortized_cost", "public_on_demand_cost"]
PROJECT_DIR = Settings().project_dir
# what dbt needs of the project to build (no service/, data/, target/)
PROJECT_PARTS = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses"]


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def money(mapping: dict) -> dict:
    return {key: cents(value) for key, value in mapping.items() if cents(value) != 0}


@pytest.fixture(scope="module")
def organisation(sample_exports, answer_key):
    """With the sample's labelled anomalies and carried-out recommendations: they change what resources cost."""
    return organisation_from_key(answer_key)


@pytest.fixture(scope="module")
def team_aliases() -> dict[str, str]:
    with open(PROJECT_DIR / "seeds" / "allocation_value_aliases.csv", newline="") as handle:
        return {row["raw_value"].strip().lower(): row["canonical_value"]
                for row in csv.DictReader(handle) if row["dimension"] == "team"}


def resource_usage_by_team(con, organisation, period: str) -> list[tuple]:
    """(team_source, team, usage account, cost) of the catalogue's resources in fct_resource_allocation:
    the resource's own rows (its data transfer is service AWSDataTransfer), list basis."""
    ids = organisation.resource_catalogue(period).get_column("resource_id").to_list()
    return con.execute(
        f"""
        select team_source, team, usage_account_id, sum({BASIS})
        from marts.fct_resource_allocation
        where billing_period = ? and service != 'AWSDataTransfer' and resource_id in (select unnest(?))
        group by team_source, team, usage_account_id
        """,
        [period, ids],
    ).fetchall()


@pytest.mark.parametrize("period", SAMPLE_PERIODS)
def test_direct_team_allocation_of_resource_usage_equals_the_generator(build_db, organisation, team_aliases, period,
                                                                       answer_key):
    expected = answer_key["periods"][period]["allocation"]
    assert expected == json.loads(json.dumps(allocation_fragment(organisation, period)))  # the key is this function's
    rows = resource_usage_by_team(build_db, organisation, period)

    tagged: dict[str, Decimal] = defaultdict(Decimal)
    untagged_by_account: dict[str, Decimal] = defaultdict(Decimal)
    untagged_team_by_account: dict[str, set[str]] = defaultdict(set)
    for source, team, account, cost in rows:
        if source == "resource_tag":
            tagged[team] += cost
        else:
            assert source == "account_tag", (source, team, account)
            untagged_by_account[account] += cost
            untagged_team_by_account[account].add(team)

    assert money(tagged) == money(expected["tagged"]["by_team"])
    accounts = expected["untagged"]["by_account"]
    assert money(untagged_by_account) == money({account: item["cost"] for account, item in accounts.items()})
    # the fallback team is the account owner tag, canonicalised by allocation_value_aliases
    for account, teams in untagged_team_by_account.items():
        owner = accounts[account]["owner"]
        assert teams == {team_aliases.get(owner.lower(), owner)}, account
    assert cents(sum(tagged.values()) + sum(untagged_by_account.values())) == cents(expected["cost"])


def spend_by_period(con) -> dict[str, dict[str, Decimal]]:
    select = ", ".join(f"sum({basis})" for basis in BASES)
    rows = con.execute(
        f"select billing_period, {select} from intermediate.int_line_items_amortized group by billing_period"
    ).fetchall()
    return {row[0]: dict(zip(BASES, map(cents, row[1:]))) for row in rows}


def allocated_by_period(con, mart: str) -> dict[tuple[str, str], dict[str, Decimal]]:
    select = ", ".join(f"sum({basis})" for basis in BASES)
    rows = con.execute(
        f"select billing_period, dimension, {select} from marts.{mart} group by billing_period, dimension"
    ).fetchall()
    return {(row[0], row[1]): dict(zip(BASES, map(cents, row[2:]))) for row in rows}


@pytest.mark.parametrize("mart", ["fct_chargeback", "fct_showback"])
def test_allocation_sums_to_the_spend_per_period_dimension_and_basis(build_db, answer_key, mart):
    spend = spend_by_period(build_db)
    allocated = allocated_by_period(build_db, mart)
    dimensions = {dimension for _, dimension in allocated}
    assert dimensions == {"team", "business_unit", "cost_centre", "environment", "application"}
    for period in SAMPLE_PERIODS:
        assert spend[period] == {basis: cents(answer_key["periods"][period]["cur2"][basis]) for basis in BASES}
        for dimension in dimensions:
            assert allocated[(period, dimension)] == spend[period], (period, dimension)


def team_chargeback(con, period: str) -> dict[tuple[str, str], Decimal]:
    rows = con.execute(
        "select dimension_value, shared_cost_rule_id, sum(amortized_cost) from marts.fct_chargeback"
        " where billing_period = ? and dimension = 'team' group by dimension_value, shared_cost_rule_id",
        [period],
    ).fetchall()
    return {(team, rule): cents(cost) for team, rule, cost in rows}


def test_changing_a_rule_seed_changes_the_allocation(built, build_db, tmp_path: Path):
    """A copy of the project whose only change is one row of seeds/shared_cost_rules.csv (tax
    shared evenly over the whole period instead of proportionally within its account), built on
    a copy of the build database: the allocation changes, and still sums to the spend."""
    project = tmp_path / "project"
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            project.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / part)
    rules = project / "seeds" / "shared_cost_rules.csv"
    lines = rules.read_text().splitlines(keepends=True)
    tax = [i for i, line in enumerate(lines) if line.startswith("tax,")]
    assert len(tax) == 1
    fields = lines[tax[0]].split(",")
    fields[7:10] = ["even", "billing_period", ""]  # method, scope, weight_basis
    lines[tax[0]] = ",".join(fields)
    rules.write_text("".join(lines))

    (tmp_path / "build").mkdir()
    build_db_copy = tmp_path / "build" / "infralyzer.duckdb"
    shutil.copy2(built.build_db, build_db_copy)
    settings = Settings(project_dir=project, exports_dir=built.exports_dir, build_db=build_db_copy,
                        publish_dir=tmp_path / "publish")
    run_dbt(settings, "build", "--select", "shared_cost_rules+", "--exclude", "resource_type:unit_test",
            extra_env={"DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")})

    period = SAMPLE_PERIODS[-1]
    before = team_chargeback(build_db, period)
    with duckdb.connect(str(build_db_copy), read_only=True) as con:
        after = team_chargeback(con, period)
        assert allocated_by_period(con, "fct_chargeback") == allocated_by_period(build_db, "fct_chargeback")
    teams_with_tax_before = {team for team, rule in before if rule == "tax"}
    teams_with_tax_after = {team for team, rule in after if rule == "tax"}
    # even over the period: every team with direct cost gets an equal part of the whole tax
    assert teams_with_tax_after >= teams_with_tax_before
    tax_after = {after[(team, "tax")] for team in teams_with_tax_after}
    assert max(tax_after) - min(tax_after) <= CENT
    assert {key: value for key, value in after.items() if key[1] != "tax"} == {
        key: value for key, value in before.items() if key[1] != "tax"
    }
    assert before != after
