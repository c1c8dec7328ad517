"""Cost Optimization Hub recommendations the organisation carries out, and the realised-savings answer key.

    generate(exports_dir, periods=[...], implementations=True)   # off by default

From the second generated period on, on day `CHANGE_DAY` of each period at 00:00 UTC:

* `implemented` - `IMPLEMENTED_PER_PERIOD` EC2 instances with a COH usage recommendation are
  stopped for good (their CUR lines, data transfer included, end that day), and COH recommends
  nothing for them in the snapshots refreshed after it;
* `dismissed` - from the third period on, `DISMISSED_PER_PERIOD` EBS volume's recommendations
  are dropped from COH at that time while the volume stays: a recommendation that disappears
  without a cost change.

Instances are chosen among always-on, current-generation instances outside any RI or commitment
pool, container host or archetype that live through the whole history (stopping one changes no
waste rule and no kind of charge the sample must hold); volumes among core volumes other than gp2
(their storage costs the same every day of a month, and no CUR waste rule competes with COH's).
Neither touches a resource carrying an injected anomaly. The plan depends
only on (seed, organisation, periods), is stored in the answer key (`implemented_recommendations`)
and read back by `redeliver`.

The answer key entries are filled from the files as written (`add_realised_savings`), by the
ledger's definition (docs/cost_rules.md, 'Realised savings'): the estimate is the top COH
recommendation of the instance (highest `estimated_monthly_savings_after_discount`, then action
type, then id) in the last snapshot that holds it; `cost_before` / `cost_after` are the
instance's effective cost (amortised usage lines) in the `WINDOW_DAYS` days before the change day
and from it on; the verified monthly saving is (before - after) x 730 / (24 x `WINDOW_DAYS`),
rounded to 1e-8. An implementation whose window after the change day runs past the CUR's last
usage day is `too_recent`; a dismissed one is `disappeared_without_cost_change` with a verified
saving of 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from infralyzer.exports.generate.model.clock import period_hours
from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.reference import K_EBS, K_EC2
from infralyzer.exports.generate.optimisation_key import PREVIOUS_FAMILIES, Q8, _cents8, _read, _usage_lines, money
from infralyzer.exports.generate.writers import coh

IMPLEMENTED_PER_PERIOD = 2
DISMISSED_PER_PERIOD = 1
CHANGE_DAY = 10
WINDOW_DAYS = 30
ARCHETYPE_TYPES = ("c5.large", "m5a.large", "m6g.large", "m4.large")  # present at any scale (hourly_resources.py)
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Implementation:
    """One planned change at 00:00 UTC of `change_day` (days since 1970-01-01): an instance
    (`resource` indexes `org.hr`) is stopped (`implemented`), or a volume (`resource` indexes
    `org.dr`) only loses its recommendations (`dismissed`)."""

    kind: str
    resource: int
    resource_id: str
    account_id: str
    change_day: int

    @property
    def change_at(self) -> datetime:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=self.change_day)


@dataclass
class ImplementationPlan:
    """The changes the simulation and the COH writer apply (`org.implementation_plan`)."""

    implementations: list[Implementation]

    def withdrawn(self, account_id: str, resource_id: str, refreshed_at: datetime) -> bool:
        """True when COH no longer recommends anything for the resource at `refreshed_at`."""
        return any(i.account_id == account_id and i.resource_id == resource_id and i.change_at <= refreshed_at
                   for i in self.implementations)


def _instances(org, recommended: set[tuple[str, str]], first_h: int, end_h: int) -> list[int]:
    """Hourly resources that may be stopped (module docstring)."""
    hr = org.hr
    out = []
    for i in range(len(hr["kind"])):
        instance_type = org.skus.items[int(hr["sku"][i, 0])].instance_type or ""
        if (hr["kind"][i] != K_EC2 or hr["role"][i] != "generic" or hr["sched"][i] != 0 or not hr["sp_ok"][i]
                or hr["ri"][i] >= 0 or hr["host"][i] != 0 or hr["birth"][i] > first_h - 24 * WINDOW_DAYS
                or hr["death"][i] < end_h):
            continue
        if instance_type in ARCHETYPE_TYPES or instance_type.split(".")[0] in PREVIOUS_FAMILIES:
            continue
        if (org.all_accounts[int(hr["acct"][i])].account_id, str(hr["rid"][i])) in recommended:
            out.append(i)
    return out


def _volumes(org, recommended: set[tuple[str, str]], end_h: int) -> list[int]:
    """Daily resources whose recommendations may be dismissed: EBS volumes other than gp2 (whose
    storage costs the same every day of a month; gp2 would also be a CUR waste action)."""
    dr = org.dr
    out = []
    for i in range(len(dr["kind"])):
        usage_type = org.skus.items[int(dr["sku"][i, 0])].usage_type or ""
        if (dr["kind"][i] != K_EBS or not dr["core"][i] or dr["death"][i] < end_h or dr["rid"][i] is None
                or "VolumeUsage" not in usage_type or usage_type.endswith(".gp2")):
            continue
        if (org.all_accounts[int(dr["acct"][i])].account_id, str(dr["rid"][i])) in recommended:
            out.append(i)
    return out


def _companions(org, rid: str) -> list[int]:
    """Daily resources billed under an instance's id (its data transfer): they stop with it."""
    return [int(i) for i in np.nonzero(np.asarray(org.dr["rid"], dtype=object) == rid)[0]]


def plan_for(org, periods: list[str]) -> ImplementationPlan:
    """Plan the implementations of a new history of `periods` on `org` (deaths of the stopped
    instances are set on `org.hr` as a side effect)."""
    first_h, end_h = period_hours(periods[0])[0], period_hours(periods[-1])[1]
    catalogue = org.simulate(periods[0], 0)["catalogue"]
    rows, _ = coh.build_recommendations(org, periods[0], catalogue, seed=org.seed)
    org.cache.pop((periods[0], 0), None)  # the written period is simulated again, with the plan
    recommended = {(r["account_id"], r["resource_arn"].rsplit("/", 1)[-1]): r["current_resource_type"] for r in rows
                   if r["resource_arn"] and r["action_type"] in coh.USAGE_ACTIONS}
    instances = {k for k, t in recommended.items() if t == "Ec2Instance"}
    volumes = {k for k, t in recommended.items() if t == "EbsVolume"}
    injected = {inj.resource for inj in getattr(org.anomaly_plan, "injections", [])}
    rng = rng_for(org.seed, 12, len(periods))
    pools = {
        "implemented": [int(i) for i in rng.permutation(_instances(org, instances, first_h, end_h))
                        if not injected & set(_companions(org, str(org.hr["rid"][i])))],
        "dismissed": [int(i) for i in rng.permutation(_volumes(org, volumes, end_h)) if i not in injected],
    }
    implementations = []
    for k, period in enumerate(periods[1:], start=1):
        change_day = period_hours(period)[0] // 24 + CHANGE_DAY - 1
        # a dismissal shows no fall, so the ledger measures from the day after the last sighting:
        # from the third period on, 30 days of CUR lie before it
        for kind, n in (("implemented", IMPLEMENTED_PER_PERIOD), ("dismissed", DISMISSED_PER_PERIOD * (k >= 2))):
            part = org.hr if kind == "implemented" else org.dr
            for i in pools[kind][:n]:
                implementations.append(Implementation(kind, i, str(part["rid"][i]),
                                                      org.all_accounts[int(part["acct"][i])].account_id, change_day))
            pools[kind] = pools[kind][n:]
    return _applied(org, implementations)


def _applied(org, implementations: list[Implementation]) -> ImplementationPlan:
    for imp in implementations:
        if imp.kind == "implemented":
            org.hr["death"][imp.resource] = imp.change_day * 24
            for j in _companions(org, imp.resource_id):
                org.dr["death"][j] = min(int(org.dr["death"][j]), imp.change_day * 24)
    return ImplementationPlan(implementations)


def to_key(plan: ImplementationPlan) -> list[dict]:
    """The plan as the answer key stores it, without figures yet."""
    return [{**asdict(i), "change_date": str(EPOCH + timedelta(days=i.change_day))} for i in plan.implementations]


def plan_from_key(org, entries: list[dict]) -> ImplementationPlan:
    """The plan stored in an answer key, applied again to `org` (for a re-delivery)."""
    fields = Implementation.__dataclass_fields__
    implementations = [Implementation(**{k: e[k] for k in fields}) for e in entries]
    for imp in implementations:
        part = org.hr if imp.kind == "implemented" else org.dr
        assert str(part["rid"][imp.resource]) == imp.resource_id, "the plan belongs to another organisation"
    return _applied(org, implementations)


# --------------------------------------------------------------------------------------------
# answer key


def _top_recommendation(coh: pl.DataFrame | None, account_id: str, resource_id: str) -> dict | None:
    if coh is None:
        return None
    rows = [r for r in coh.iter_rows(named=True)
            if r["account_id"] == account_id and (r["resource_arn"] or "").rsplit("/", 1)[-1] == resource_id]
    if not rows:
        return None
    return min(rows, key=lambda r: (-money(r["estimated_monthly_savings_after_discount"]), r["action_type"],
                                    r["recommendation_id"]))


def realised_savings_entries(exports_dir: Path, periods: list[str], entries: list[dict]) -> list[dict]:
    """The key entries of the plan, with the figures of the files as written (module docstring)."""
    exports_dir = Path(exports_dir)
    lines = [_usage_lines(cur, p) for p in periods if (cur := _read(exports_dir, "cur2", p)) is not None]
    if not lines:
        return entries
    usage = pl.concat(lines, how="diagonal_relaxed")
    last_usage_day = max(usage["usage_date"])
    snapshots = {p: _read(exports_dir, "coh", p) for p in periods}
    out = []
    for e in entries:
        change = date.fromisoformat(e["change_date"])
        seen = [p for p in periods if _top_recommendation(snapshots[p], e["account_id"], e["resource_id"])]
        last_seen = max((p for p in seen if period_hours(p)[0] // 24 < e["change_day"]), default=None)
        top = _top_recommendation(snapshots[last_seen], e["account_id"], e["resource_id"]) if last_seen else None
        cost = usage.filter((pl.col("line_item_usage_account_id") == e["account_id"])
                            & (pl.col("line_item_resource_id") == e["resource_id"])).with_columns(
            _cents8("amortised").alias("cost8"))
        before8 = cost.filter((pl.col("usage_date") >= change - timedelta(days=WINDOW_DAYS))
                              & (pl.col("usage_date") < change))["cost8"].sum()
        after8 = cost.filter((pl.col("usage_date") >= change)
                             & (pl.col("usage_date") < change + timedelta(days=WINDOW_DAYS)))["cost8"].sum()
        before, after = Decimal(int(before8 or 0)) * Q8, Decimal(int(after8 or 0)) * Q8
        estimated = money(top["estimated_monthly_savings_after_discount"]) if top else None
        if e["kind"] == "dismissed":
            status, verified = "disappeared_without_cost_change", Decimal(0)
        elif change + timedelta(days=WINDOW_DAYS) > last_usage_day + timedelta(days=1):
            status, verified = "too_recent", None
        else:
            status = "implemented"
            verified = ((before - after) * 730 / (24 * WINDOW_DAYS)).quantize(Q8)
        out.append({
            **{k: v for k, v in e.items() if k in (*Implementation.__dataclass_fields__, "change_date")},
            "recommendation_id": top["recommendation_id"] if top else None,
            "action_type": top["action_type"] if top else None,
            "last_seen_period": last_seen,
            "expected_status": status,
            "estimated_monthly_savings": None if estimated is None else str(estimated),
            "cost_before": str(before),
            "cost_after": str(after),
            "verified_monthly_savings": None if verified is None else str(verified),
            "savings_gap": None if verified is None or estimated is None else str(verified - estimated),
        })
    return out


def add_realised_savings(exports_dir: Path, key: dict) -> None:
    """Fill the key's `implemented_recommendations` from the files (a no-op without a plan)."""
    if key.get("implemented_recommendations"):
        key["implemented_recommendations"] = realised_savings_entries(
            exports_dir, sorted(key["periods"]), key["implemented_recommendations"])


__all__ = ["ImplementationPlan", "add_realised_savings", "plan_for", "plan_from_key", "to_key"]
