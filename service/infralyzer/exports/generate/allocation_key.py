"""Answer-key fragment for allocation: who owns the resource usage of one billing period.

Computed from the generator's own model, independently of the dbt project: the resource catalogue
of the period (`org.resource_catalogue(period)`, one row per resource with its usage cost and the
JSON of its `resource_tags`) and the organisation's accounts and their account tags.

What it states, on the **public on-demand (list) basis** of resource usage (the catalogue's
`public_on_demand_cost`: the resource's Usage, DiscountedUsage and SavingsPlanCoveredUsage rows,
data transfer, Savings Plan negations and split-cost rows excluded; on this basis negations are 0,
so the CUR reproduces it exactly):

* tagged resources: cost per team, the team being the value of the resource tag `user_team`, else
  of its misspelt twin `user_Team` (the two spellings the generator writes; an empty value counts
  as absent). Team values are written canonical, so they need no aliasing;
* untagged resources (no team tag): cost per usage account, with the account's owner tag
  (`accountTag/owner`), to which an allocation that falls back on account tags attributes them.

`allocation_fragment(org, period)` returns a JSON-ready dict; amounts are rounded to 1e-6 like the
rest of the answer key.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from infralyzer.exports.generate.organisation import Organisation

__all__ = ["BASIS", "TEAM_TAG_KEYS", "allocation_fragment", "team_of"]

BASIS = "public_on_demand_cost"
# The generator's spellings of the team tag (model/accounts.py `tag_profiles`), standard one first.
TEAM_TAG_KEYS = ("user_team", "user_Team")
ACCOUNT_OWNER_TAG = "accountTag/owner"


def team_of(tags_json: str | None) -> tuple[str | None, str | None]:
    """(team, tag key it came from) of a resource's tags JSON; (None, None) when it has no team."""
    if not tags_json:
        return None, None
    tags = json.loads(tags_json)
    for key in TEAM_TAG_KEYS:
        value = (tags.get(key) or "").strip()
        if value:
            return value, key
    return None, None


def _money(frame: pl.DataFrame, key: str) -> dict[str, float]:
    return {row[key]: round(row["cost"], 6) for row in frame.sort(key).iter_rows(named=True)}


def allocation_fragment(org: Organisation, period: str) -> dict:
    """Expected direct allocation of the period's resource usage per team (see the module doc)."""
    catalogue = org.resource_catalogue(period)
    profiles = catalogue.get_column("tags").unique().to_list()
    teams = {profile: team_of(profile) for profile in profiles}
    resources = catalogue.select(
        "resource_id",
        "account_id",
        pl.col("tags").replace_strict({p: t[0] for p, t in teams.items()}, default=None, return_dtype=pl.String)
        .alias("team"),
        pl.col("tags").replace_strict({p: t[1] for p, t in teams.items()}, default=None, return_dtype=pl.String)
        .alias("team_tag_key"),
        pl.col(BASIS).alias("cost"),
    )
    tagged = resources.filter(pl.col("team").is_not_null())
    untagged = resources.filter(pl.col("team").is_null())
    owners = {account.account_id: account.owner for account in org.all_accounts}

    by_account = untagged.group_by("account_id").agg(pl.col("cost").sum(), pl.len().alias("resources"))
    return {
        "dimension": "team",
        "basis": BASIS,
        "scope": "resource usage (Usage, DiscountedUsage, SavingsPlanCoveredUsage) of catalogue resources, "
                 "data transfer excluded",
        "resource_count": resources.height,
        "cost": round(resources.get_column("cost").sum(), 6),
        "tagged": {
            "resource_count": tagged.height,
            "cost": round(tagged.get_column("cost").sum(), 6),
            "by_team": _money(tagged.group_by("team").agg(pl.col("cost").sum()), "team"),
            "by_tag_key": _money(tagged.group_by("team_tag_key").agg(pl.col("cost").sum()), "team_tag_key"),
        },
        "untagged": {
            "resource_count": untagged.height,
            "cost": round(untagged.get_column("cost").sum(), 6),
            "by_account": {
                row["account_id"]: {
                    "owner": owners.get(row["account_id"]),
                    "resource_count": row["resources"],
                    "cost": round(row["cost"], 6),
                }
                for row in by_account.sort("account_id").iter_rows(named=True)
            },
        },
    }
