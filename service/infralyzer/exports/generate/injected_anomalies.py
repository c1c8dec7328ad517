"""Labelled spend anomalies injected into the generated CUR, and their answer key.

    generate(exports_dir, periods=[...], anomalies=True)   # off by default

Four kinds, the ones a cost anomaly detector is asked to find:

* `spike` - one day on which an existing resource uses several times its usual quantity;
* `level_shift` - an existing resource uses more from one day on, for `LEVEL_SHIFT_DAYS` days;
* `runaway_resource` - a new resource (a copy of one of the account's Lambda functions, S3 buckets
  or DynamoDB tables, with its own id) whose cost grows by `RUNAWAY_GROWTH` a day until it is deleted;
* `drift` - an existing resource's usage grows linearly for `DRIFT_DAYS` days, then is fixed.

Only daily-billed resources are changed (storage, requests, Lambda, DynamoDB, data transfer, other
services), so the extra cost is plain On-Demand usage: the same in every cost basis before
negotiated discounts, and never absorbed by a commitment. The extra cost of a day is sized from the
account's mean daily usage cost (a dry simulation of the first period), so an anomaly is material
for its account, and it is recorded from the rows as written (`extra = cost - cost / factor`; the
whole cost of a new resource), so the answer key reconciles with the CUR to the cent.

Anomalies are placed from `WARM_UP_DAYS` after the first generated day (a detector needs history),
one every `SPACING_DAYS` days, kinds in turn, each in a different account from the one before;
windows that would end after the last generated day are cut there. The plan depends only on
(seed, organisation, periods), is stored in the answer key (`injected_anomalies`), and is read back
from it by `redeliver`, so a re-delivered period carries the same anomalies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np

from infralyzer.exports.generate.model.clock import period_hours
from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.reference import K_DDB, K_DT, K_LAMBDA, K_MISC, K_S3

KINDS = ("spike", "level_shift", "runaway_resource", "drift")
WARM_UP_DAYS = 56
SPACING_DAYS = 8
LEVEL_SHIFT_DAYS = 21
DRIFT_DAYS = 21
RUNAWAY_DAYS = 8
RUNAWAY_GROWTH = 1.5
# extra cost at full strength, as a fraction of the account's mean daily usage cost (uniform range)
STRENGTH = {"spike": (0.4, 0.9), "level_shift": (0.25, 0.45), "runaway_resource": (0.5, 0.9), "drift": (0.4, 0.7)}
CHANGED_KINDS = (K_S3, K_LAMBDA, K_DDB, K_DT, K_MISC)
RUNAWAY_TEMPLATES = (K_LAMBDA, K_S3, K_DDB)
EPOCH = date(1970, 1, 1)


@dataclass
class AnomalyPlan:
    """The injections the simulation applies (`org.anomaly_plan`) and their answer-key entries,
    filled period by period (`record_period`)."""

    injections: list
    entries: list


def plan_for(org, periods: list[str]) -> AnomalyPlan:
    """Plan the anomalies of a new history of `periods` on `org`."""
    injections = plan(org, periods)
    return AnomalyPlan(injections, to_key(org, injections))


def plan_from_key(org, entries: list[dict]) -> AnomalyPlan:
    """The plan stored in an answer key, re-created on `org` (for a re-delivery)."""
    return AnomalyPlan(from_key(org, entries), entries)


@dataclass(frozen=True)
class Injection:
    """One labelled anomaly: which daily resource (index into `org.dr`), from which day (days since
    1970-01-01), for how many days, and its extra cost per day at full strength."""

    anomaly_id: str
    kind: str
    resource: int
    start_day: int
    days: int
    extra_per_day: float
    resource_cost_per_day: float

    def strength(self, day: np.ndarray) -> np.ndarray:
        """Fraction (0..1) of `extra_per_day` on each day; 0 outside the window."""
        t = (day - self.start_day).astype(np.float64)
        inside = (t >= 0) & (t < self.days)
        if self.kind == "drift":
            s = (t + 1) / DRIFT_DAYS
        elif self.kind == "runaway_resource":
            s = RUNAWAY_GROWTH ** (t - (RUNAWAY_DAYS - 1))
        else:
            s = np.ones_like(t)
        return np.where(inside, np.minimum(s, 1.0), 0.0)

    def factor(self, day: np.ndarray) -> np.ndarray:
        """Multiplier of the resource's quantity. A new resource's base quantity costs `extra_per_day`."""
        s = self.strength(day)
        if self.kind == "runaway_resource":
            return s
        return 1.0 + s * self.extra_per_day / self.resource_cost_per_day


def _day_cost(org, i: int) -> float:
    """Expected daily cost of daily resource i (noise aside)."""
    t, dr = org.skus, org.dr
    cost = 0.0
    for line in range(dr["sku"].shape[1]):
        s = int(dr["sku"][i, line])
        if s >= 0:
            per_day = 24.0 / 730.0 if t.monthly[s] else 24.0
            cost += float(t.rate[s]) * float(dr["base"][i, line]) * per_day
    return cost


def _account_daily_cost(org, period: str) -> np.ndarray:
    """Mean daily usage cost of each account (index into org.all_accounts) in a dry simulation of `period`."""
    spend = org.simulate(period, 0)["spend"]
    org.cache.pop((period, 0), None)  # the written period is simulated again, with the anomalies
    p0, p1 = period_hours(period)
    ids = {a.account_id: i for i, a in enumerate(org.all_accounts)}
    out = np.zeros(len(org.all_accounts))
    for account_id, cost in zip(spend["account_id"], spend["unblended_cost"]):
        out[ids[account_id]] += cost
    return out / ((p1 - p0) / 24)


def _add_resource(org, template: int, birth_day: int, days: int, base_cost: float, n: int) -> int:
    """Append a copy of daily resource `template` (new id, born and deleted in the window) to org.dr."""
    dr = org.dr
    scale = base_cost / max(_day_cost(org, template), 1e-9)
    new = len(dr["kind"])
    for k, v in dr.items():
        row = np.array(v[template:template + 1], copy=True)
        if k == "base":
            row = row * scale
        elif k == "birth":
            row[:] = birth_day * 24
        elif k == "death":
            row[:] = (birth_day + days) * 24
        elif k == "core":
            row[:] = False
        elif k == "rid":
            row = np.array([f"{v[template]}-runaway{n}"], dtype=object)
        dr[k] = np.concatenate([np.asarray(v), row]) if not isinstance(v, list) else v + list(row)
    return new


def plan(org, periods: list[str]) -> list[Injection]:
    """The anomalies of a history of `periods`; runaway resources are added to `org` as a side effect."""
    rng = rng_for(org.seed, 11, len(periods))
    first_day = period_hours(periods[0])[0] // 24
    end_day = period_hours(periods[-1])[1] // 24
    daily_cost = _account_daily_cost(org, periods[0])
    dr = org.dr
    day_cost = np.array([_day_cost(org, i) for i in range(len(dr["kind"]))])
    accounts = [i for i in range(1, len(org.all_accounts)) if daily_cost[i] > 0]
    injections: list[Injection] = []
    recent: list[int] = []
    start = first_day + WARM_UP_DAYS
    n = 0
    while start < end_day and accounts:
        kind = KINDS[n % len(KINDS)]
        length = {"spike": 1, "level_shift": LEVEL_SHIFT_DAYS, "drift": DRIFT_DAYS,
                  "runaway_resource": RUNAWAY_DAYS}[kind]
        days = min(length, end_day - start)
        kinds = RUNAWAY_TEMPLATES if kind == "runaway_resource" else CHANGED_KINDS
        usable = np.isin(dr["kind"], kinds) & (dr["birth"] <= start * 24) & (dr["death"] >= (start + length) * 24)
        usable &= day_cost[: len(dr["kind"])] > 0
        # accounts not hit by the last two anomalies first, in a random order; then the others
        order = [int(a) for a in rng.permutation(accounts)]
        order = [a for a in order if a not in recent] + [a for a in order if a in recent]
        for acct in order:
            candidates = np.nonzero(usable & (dr["acct"] == acct))[0]
            if len(candidates):
                break
        if len(candidates):
            lo, hi = STRENGTH[kind]
            extra = float(daily_cost[acct] * rng.uniform(lo, hi))
            top = candidates[np.argsort(-day_cost[candidates], kind="stable")[:3]]
            resource = int(rng.choice(top))
            if kind == "runaway_resource":
                resource = _add_resource(org, resource, start, days, extra, n)
                day_cost = np.append(day_cost, extra)
            injections.append(Injection(f"injected-{n + 1:03d}", kind, resource, int(start), int(days), extra,
                                        float(day_cost[resource])))
            recent = (recent + [acct])[-2:]
        n += 1
        start += SPACING_DAYS
    return injections


def apply(sim, d0: int, u_r: np.ndarray, u_d: np.ndarray, u_sku: np.ndarray, qty: np.ndarray) -> np.ndarray:
    """Scale the quantities of the injected resources on their days; record the extra cost per
    (anomaly, day, usage type) in `sim.injected_extra`. A no-op when the organisation has no plan."""
    plan_ = sim.org.anomaly_plan
    if plan_ is None:
        return qty
    injections = plan_.injections
    gidx = sim.dr["gidx"][u_r]
    day = sim.p0 // 24 + d0 + u_d
    extra_acc = sim.__dict__.setdefault("injected_extra", {})
    for inj in injections:
        m = np.nonzero(gidx == inj.resource)[0]
        if not len(m):
            continue
        f = inj.factor(day[m])
        new_qty = qty[m] * f
        cost = sim.t.rate[u_sku[m]] * new_qty
        extra = cost if inj.kind == "runaway_resource" else cost * (1.0 - 1.0 / f)
        qty[m] = new_qty
        for d, s, e in zip(day[m].tolist(), u_sku[m].tolist(), extra.tolist()):
            if e > 0:
                k = (inj.anomaly_id, d, sim.t.items[s].usage_type)
                extra_acc[k] = extra_acc.get(k, 0.0) + e
    return qty


def to_key(org, injections: list[Injection]) -> list[dict]:
    """The plan as the answer key stores it (what `redeliver` reads back), without figures yet."""
    out = []
    for inj in injections:
        i = inj.resource
        sku = org.skus.items[int(org.dr["sku"][i, 0])]
        out.append({
            **asdict(inj),
            "account_id": org.all_accounts[int(org.dr["acct"][i])].account_id,
            "product_code": sku.product_code,
            "service": sku.servicecode,
            "region": sku.region or "global",
            "resource_id": None if org.dr["rid"][i] is None else str(org.dr["rid"][i]),
            "start_date": str(EPOCH + timedelta(days=inj.start_day)),
            "end_date": str(EPOCH + timedelta(days=inj.start_day + inj.days - 1)),
            "usage_type": None,
            "daily_extra_cost": {},
            "daily_extra_cost_by_usage_type": {},
            "extra_cost_by_usage_type": {},
            "expected_extra_cost": 0.0,
        })
    return out


def from_key(org, entries: list[dict]) -> list[Injection]:
    """Re-create a stored plan on `org` (same resource indices: runaway resources are added again)."""
    injections = []
    for e in entries:
        inj = Injection(**{k: e[k] for k in Injection.__dataclass_fields__})
        if inj.kind == "runaway_resource" and inj.resource >= len(org.dr["kind"]):
            template = _template_of(org, e["resource_id"])
            added = _add_resource(org, template, inj.start_day, inj.days, inj.extra_per_day, int(e["anomaly_id"][-3:]) - 1)
            assert added == inj.resource, "runaway resources are re-created in plan order"
        injections.append(inj)
    return injections


def _template_of(org, runaway_rid: str) -> int:
    template_rid = runaway_rid.rsplit("-runaway", 1)[0]
    return int(np.nonzero(np.asarray(org.dr["rid"], dtype=object) == template_rid)[0][0])


def record_period(plan_: AnomalyPlan, sim, period: str) -> None:
    """Replace the period's days of each anomaly in the key entries by what the simulation wrote,
    then re-derive the totals (per day, per usage type, overall)."""
    sim_extra = sim.__dict__.get("injected_extra", {})
    p0, p1 = (h // 24 for h in period_hours(period))
    for e in plan_.entries:
        by_day = {d: v for d, v in e["daily_extra_cost_by_usage_type"].items()
                  if not (p0 <= (date.fromisoformat(d) - EPOCH).days < p1)}
        for (aid, day, usage_type), extra in sim_extra.items():
            if aid == e["anomaly_id"]:
                cell = by_day.setdefault(str(EPOCH + timedelta(days=day)), {})
                cell[usage_type] = round(cell.get(usage_type, 0.0) + extra, 10)
        e["daily_extra_cost_by_usage_type"] = dict(sorted(by_day.items()))
        e["daily_extra_cost"] = {d: round(sum(v.values()), 6) for d, v in e["daily_extra_cost_by_usage_type"].items()}
        totals: dict[str, float] = {}
        for cell in by_day.values():
            for usage_type, extra in cell.items():
                totals[usage_type] = totals.get(usage_type, 0.0) + extra
        e["extra_cost_by_usage_type"] = {ut: round(v, 6) for ut, v in sorted(totals.items())}
        e["usage_type"] = max(totals, key=totals.get) if totals else None
        e["expected_extra_cost"] = round(sum(totals.values()), 6)
