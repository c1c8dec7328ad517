"""The answer key: what the generated exports must add up to, computed from the generator's model.

The key is *not* computed by re-reading the written files or by applying the amortisation CASE to
rows. `Ledger.add` is fed with the model quantities of each charge while the period is simulated
(quantity x public rate, SP rate x covered usage, commitment x active hours, tax rate x modelled
base, ...), before the per-row rounding of the files; commitment totals come from the commitment
itself (SP: hourly commitment x active hours; RI: reservations x effective hourly cost x active
hours), and EdpDiscount from EDP_RATE x the eligible gross charges. The tests then check that the
files (rounded to 10 decimals per row) reproduce these figures to the cent.

Definitions (docs/cost_rules.md, 'Cost bases', with this project's choices)
--------------------------------------------------------------------------
* All cost totals EXCLUDE split cost allocation child rows (EKSPod-EC2 / ECSTask-EC2); they are
  reported in `split_cost_child_row_count` / `split_cost_child_unblended_cost`.
* `unblended_cost` = sum of `line_item_unblended_cost`.
* `amortized_cost` = the amortisation CASE: covered SP usage -> SP effective cost, SP recurring fee ->
  unused commitment (total - used), negation / SP upfront / RI upfront `Fee` -> 0, DiscountedUsage ->
  reservation effective cost, RIFee -> unused amortised upfront + unused recurring fee, everything else
  (incl. EdpDiscount, Tax, Credit, Refund, Support) -> unblended.
* `net_unblended_cost` = sum of `line_item_net_unblended_cost` (EdpDiscount rows are 0 there).
* `net_amortized_cost` = the same CASE on the net twins; the SP recurring fee's unused part is
  netted too (unused x (1 - EDP rate)) and EdpDiscount rows count 0 (their effect is already in
  the net twins).
* `public_on_demand_cost` = sum of `pricing_public_on_demand_cost` excluding SavingsPlanNegation rows
  (negation rows carry minus the covered public cost). In `by_line_item_type` every type reports
  its own sum, so the SavingsPlanNegation entry shows that negative figure.
* FOCUS: `billed_cost` = sum BilledCost = CUR unblended; `effective_cost` = sum EffectiveCost = CUR
  amortised; `list_cost` = sum ListCost = CUR public cost (negation excluded).
* Commitments: total = amortised commitment of the period's active hours, used = effective cost of
  the covered usage, unused = total - used, utilization = used / total.
  `gross_savings` = `covered_public_on_demand_cost` - used (what the covered usage would have cost
  On-Demand minus what it effectively cost); `net_savings` = gross_savings - unused (an idle
  commitment eats into the savings). Net-of-EDP twins: every commitment charge (covered usage,
  recurring and upfront fees) is EDP-eligible, so `total_/used_/unused_net_amortized_commitment` =
  the gross figure x (1 - EDP rate) (in the files: SP/RI net effective cost of the covered lines;
  SP recurring fee unused x the plan's net-to-gross commitment ratio, RIFee net unused fees).
* `coverage` (macros/cost/commitment_scope.sql): public On-Demand cost of the usage lines that RIs and
  Savings Plans can cover, by commit service group (product code -> `COMMIT_GROUP_OF_PRODUCT`,
  as seeds/aws_service_categories.csv) and purchase option: `reserved` (DiscountedUsage),
  `savings_plan` (SavingsPlanCoveredUsage), `spot` (Spot Usage), `on_demand` (other Usage, incl. the
  On-Demand remainder of a usage line split at a Savings Plan's hourly boundary), and `total`.
  `by_group` lists only groups with eligible usage; `total` sums the groups. The eligible lines are
  fed from the model's charge kinds (never from usage-type patterns): instance-hours of EC2 (On-Demand,
  Spot, container hosts, commitment pools) and RDS, Fargate vCPU/GB-hours (ECS, EKS), Lambda
  duration (GB-seconds; not requests) and DynamoDB provisioned RCU/WCU-hours (not on-demand request
  units, not storage). Never fees, negations, tax, credits, data transfer, EBS, EKS cluster hours or
  split-cost child rows. The generator models no ElastiCache, OpenSearch, Redshift or SageMaker.
* `spot_savings` = public On-Demand cost - amortised (= unblended) cost of Spot Usage lines with a
  public cost > 0 (split-cost child rows excluded).

The file is written atomically (temporary file + `os.replace`) to
`<exports_dir>/_answer_key/answer_key.json`. `generated_at` is deterministic (the day after the
anchor period ends, 06:00 UTC) so that two runs with the same arguments give byte-identical keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from infralyzer.exports.generate.model.clock import add_months, iso_h, period_start
from infralyzer.exports.generate.model.reference import EDP_RATE

CUR_TYPES = ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
             "SavingsPlanUpfrontFee", "RIFee", "Fee", "Tax", "Credit", "Refund", "EdpDiscount"]
# internal line item type (simulation/rows.py) -> index in CUR_TYPES
_TYPE_OF = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 7, 9: 8, 10: 9, 11: 10, 12: 11}
_NEGATION = CUR_TYPES.index("SavingsPlanNegation")
_EDP = CUR_TYPES.index("EdpDiscount")
MEASURES = ["unblended_cost", "amortized_cost", "net_unblended_cost", "net_amortized_cost", "public_on_demand_cost"]
KEY_FILE = Path("_answer_key") / "answer_key.json"
# commit service groups (seeds/aws_service_categories.csv, `commit_service_group`)
COMMIT_GROUPS = ["Compute", "RDS", "ElastiCache", "OpenSearch", "Redshift", "Machine Learning", "DynamoDB"]
COMMIT_GROUP_OF_PRODUCT = {
    "AmazonEC2": "Compute", "AmazonECS": "Compute", "AmazonEKS": "Compute", "AWSLambda": "Compute",
    "AmazonRDS": "RDS", "AmazonElastiCache": "ElastiCache", "AmazonES": "OpenSearch", "AmazonRedshift": "Redshift",
    "AmazonSageMaker": "Machine Learning", "AmazonDynamoDB": "DynamoDB",
}
COVERAGE_OPTIONS = ["reserved", "savings_plan", "spot", "on_demand"]
RESERVED, SAVINGS_PLAN, SPOT, ON_DEMAND = range(4)


def _r(x: float, nd: int = 6) -> float:
    v = round(float(x), nd)
    return 0.0 if v == 0 else v


class Ledger:
    """Model totals of one billing period."""

    def __init__(self, n_acct: int, n_prod: int, edp_rate: float):
        self.rate = edp_rate
        self.n_acct, self.n_prod = n_acct, n_prod
        self.v = np.zeros((len(CUR_TYPES), n_acct, len(MEASURES)))
        self.count = np.zeros(len(CUR_TYPES), np.int64)
        self.prod_gross = np.zeros((n_acct, n_prod))  # AWS-billed charges by account and product
        self.prod_net = np.zeros((n_acct, n_prod))
        self.edp = np.zeros(n_acct)
        self.split_rows = 0
        self.split_unblended = 0.0
        self._edp_closed = False

    def add(self, lt: int, acct, prod, unblended, amortized, public, elig, taxable: bool = True) -> None:
        acct = np.asarray(acct, dtype=np.int64)
        n = len(acct)
        if n == 0:
            return
        unb = np.broadcast_to(np.asarray(unblended, dtype=np.float64), (n,))
        am = np.broadcast_to(np.asarray(amortized, dtype=np.float64), (n,))
        pub = np.broadcast_to(np.asarray(public, dtype=np.float64), (n,))
        el = np.broadcast_to(np.asarray(elig, dtype=bool), (n,))
        f = 1.0 - self.rate
        net_unb = np.where(el, unb * f, unb)
        net_am = np.where(el, am * f, am)
        ti = _TYPE_OF[lt]
        self.count[ti] += n
        for j, x in enumerate((unb, am, net_unb, net_am, pub)):
            self.v[ti, :, j] += np.bincount(acct, weights=x, minlength=self.n_acct)
        self.edp -= self.rate * np.bincount(acct, weights=np.where(el, unb, 0.0), minlength=self.n_acct)
        if taxable and el.any():
            key = acct[el] * self.n_prod + np.broadcast_to(np.asarray(prod, dtype=np.int64), (n,))[el]
            size = self.n_acct * self.n_prod
            self.prod_gross += np.bincount(key, weights=unb[el], minlength=size).reshape(self.prod_gross.shape)
            self.prod_net += np.bincount(key, weights=net_unb[el], minlength=size).reshape(self.prod_net.shape)

    def add_split(self, rows: int, unblended: float) -> None:
        self.split_rows += rows
        self.split_unblended += unblended

    def close_edp(self) -> None:
        """EdpDiscount = -rate x eligible gross charges; net twins 0 (already inside the other rows' nets)."""
        if self._edp_closed:
            return
        self._edp_closed = True
        self.v[_EDP, :, 0] += self.edp
        self.v[_EDP, :, 1] += self.edp
        self.count[_EDP] += int((np.abs(self.edp) > 0).sum())

    def totals(self) -> dict:
        t = self.v.sum(axis=1)  # types x measures
        out = {m: _r(t[:, j].sum()) for j, m in enumerate(MEASURES)}
        out["public_on_demand_cost"] = _r(t[:, 4].sum() - t[_NEGATION, 4])
        return out

    def by_type(self) -> dict:
        t = self.v.sum(axis=1)
        return {name: {m: _r(t[i, j]) for j, m in enumerate(MEASURES)}
                for i, name in enumerate(CUR_TYPES) if self.count[i] > 0 or np.abs(t[i]).sum() > 0}

    def by_account(self, account_ids: list[str]) -> dict:
        per = self.v.sum(axis=0)  # accounts x measures
        return {aid: {"unblended_cost": _r(per[i, 0]), "amortized_cost": _r(per[i, 1])}
                for i, aid in enumerate(account_ids) if np.abs(per[i]).sum() > 0}


class Coverage:
    """Public On-Demand cost of the commitment-eligible usage by commit service group and purchase option.

    `group_of_sku[sku]` is the index in COMMIT_GROUPS of a SKU whose usage is eligible, -1 otherwise
    (decided by the simulator from the kind of charge, see cur.commit_scope)."""

    def __init__(self, group_of_sku: np.ndarray):
        self.group = np.asarray(group_of_sku, dtype=np.int64)
        self.pub = np.zeros((len(COMMIT_GROUPS), len(COVERAGE_OPTIONS)))
        self.spot_public = 0.0
        self.spot_amortized = 0.0

    def add(self, option, sku, public) -> None:
        sku = np.asarray(sku)
        g = self.group[sku]
        m = g >= 0
        if not m.any():
            return
        opt = np.broadcast_to(np.asarray(option, dtype=np.int64), sku.shape)[m]
        pub = np.broadcast_to(np.asarray(public, dtype=np.float64), sku.shape)[m]
        self.pub += np.bincount(g[m] * len(COVERAGE_OPTIONS) + opt, weights=pub,
                                minlength=self.pub.size).reshape(self.pub.shape)

    def add_usage(self, sku, public, amortized, spot) -> None:
        """`Usage` lines (On-Demand or Spot): coverage, and the savings of Spot lines with a public cost."""
        spot = np.asarray(spot, dtype=bool)
        self.add(np.where(spot, SPOT, ON_DEMAND), sku, public)
        if spot.any():
            pub = np.asarray(public, dtype=np.float64)
            m = spot & (pub > 0)
            self.spot_public += float(pub[m].sum())
            self.spot_amortized += float(np.asarray(amortized, dtype=np.float64)[m].sum())

    def fragment(self) -> dict:
        def split(v: np.ndarray) -> dict:
            out = {name: _r(v[j]) for j, name in enumerate(COVERAGE_OPTIONS)}
            out["total"] = _r(v.sum())
            return out

        by_group = {g: split(self.pub[i]) for i, g in enumerate(COMMIT_GROUPS) if np.abs(self.pub[i]).sum() > 0}
        return {"by_group": by_group, "total": split(self.pub.sum(axis=0))}

    @property
    def spot_savings(self) -> float:
        return _r(self.spot_public - self.spot_amortized)


def period_fragment(sim) -> dict:
    """The answer-key entry of one simulated period (cur2, focus, commitments, coverage, snapshots)."""
    org = sim.org
    led: Ledger = sim.ledger
    led.close_edp()
    totals = led.totals()
    cur2 = {
        "row_count": int(sim.row_count),
        "split_cost_child_row_count": int(sim.split_rows),
        **totals,
        "split_cost_child_unblended_cost": _r(led.split_unblended),
        "by_line_item_type": led.by_type(),
        "by_account": led.by_account([a.account_id for a in org.all_accounts]),
    }
    focus = {
        "row_count": int(sim.focus_count),
        "billed_cost": totals["unblended_cost"],
        "effective_cost": totals["amortized_cost"],
        "list_cost": totals["public_on_demand_cost"],
    }
    net = 1.0 - led.rate  # every commitment charge is EDP-eligible
    commitments = [_commitment_entry(c, sim.commit_acc[c.idx], net) for c in org.commitments
                   if sim.commit_acc[c.idx]["hours"] > 0]
    return {
        "granularity": org.granularity,
        "revision": sim.revision,
        "cur2": cur2,
        "focus": focus,
        "commitments": commitments,
        "coverage": sim.coverage.fragment(),
        "spot_savings": sim.coverage.spot_savings,
        "snapshots": {
            "unblended_cost": _r(sim.snap_cost.sum()),
            "unblended_cost_created_over_12_months_before": _r(sim.snap_cost[1]),
        },
    }


def _commitment_entry(c, acc: dict, net: float) -> dict:
    """The key's figures of one commitment active in the period (`acc`: the simulation's sums)."""
    total, used = acc["total"], acc["used"]
    entry = {
        "commitment_id": c.arn,
        "commitment_type": c.kind,
        "offering": c.offering,
        "payment_option": c.payment_option,
        "term": c.term,
        "product_code": c.product_code,
        "region": c.region,
        "start_time": iso_h(c.start_h),
        "end_time": iso_h(c.end_h),
        "active_hours": _r(acc["hours"]),
        "total_amortized_commitment": _r(total),
        "used_amortized_commitment": _r(used),
        "unused_amortized_commitment": _r(total - used),
        "utilization": _r(used / total if total else 0.0, 8),
        "covered_public_on_demand_cost": _r(acc["covered_public"]),
        "gross_savings": _r(acc["covered_public"] - used),
        "net_savings": _r(acc["covered_public"] - used - (total - used)),
        "total_net_amortized_commitment": _r(total * net),
        "used_net_amortized_commitment": _r(used * net),
        "unused_net_amortized_commitment": _r((total - used) * net),
        "recurring_fee": _r(acc["recurring_fee"]),
        "upfront_fee_in_period": _r(acc["upfront_fee"]),
    }
    if c.kind == "SavingsPlan":
        entry["hourly_commitment"] = c.hourly
        entry["instance_type_family"] = c.instance_family
    else:
        entry["number_of_reservations"] = c.n
        entry["instance_type"] = c.instance_type
    return entry


def new_key(org, periods: list[str], exports: tuple[str, ...]) -> dict:
    generated = period_start(add_months(org.anchor_period, 1)).replace(hour=6)
    return {
        "seed": org.seed,
        "line_items_per_month": org.line_items_per_month,
        "generated_at": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "anchor_period": org.anchor_period,
        "granularity": org.granularity,
        "edp_rate": EDP_RATE,
        "payer_account_id": org.payer_account_id,
        "payer_account_name": org.payer_account_name,
        "accounts": {a.account_id: a.name for a in org.all_accounts},
        "exports": list(exports),
        "periods": {p: {} for p in sorted(periods)},
    }


def key_path(exports_dir: Path) -> Path:
    return Path(exports_dir) / KEY_FILE


def write_key(exports_dir: Path, key: dict) -> Path:
    path = key_path(exports_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(key, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def load_key(exports_dir: Path) -> dict | None:
    path = key_path(exports_dir)
    return json.loads(path.read_text()) if path.exists() else None
