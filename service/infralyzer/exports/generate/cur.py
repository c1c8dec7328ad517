"""CUR 2.0 rows of one billing period, simulated from the organisation model and written in chunks.

`PeriodSim(org, period, revision)` walks the period in blocks and yields `Rows` (a dict of numpy
arrays with the *meaning* of each row: line item type, account, SKU, resource, commitment, times,
quantities and costs). `cur_table(sim, rows)` turns a block into an Arrow table of exactly
`CUR2_SCHEMA`; `focus.focus_table(sim, rows)` turns the same block into FOCUS 1.2 rows, so both
exports describe the same charges. Everything is numpy-vectorised per block (no Python loop per
row); a block holds at most `block_rows` usage rows (default 100k) so memory stays bounded.

Blocks: (1) hourly-billed resources over a range of slots (hours, or days at DAILY granularity):
usage lines, commitment coverage, Savings Plan recurring fees of those slots, split-cost child
rows; (2) daily resources (storage, requests, Lambda, DynamoDB, data transfer, other services,
marketplace) over a range of days and resources; (3) the monthly rows at the end: RIFee, upfront
fees, Support, Tax, Credits, Refund, EdpDiscount.

Row conventions (what a reader of the CUR must know)
----------------------------------------------------
* Costs and quantities are rounded to 10 decimals per row. Rates are strings with 10 decimals.
* `Usage`: unblended = rate x usage; Spot rows: unblended at the Spot price (one price per type and
  region), `pricing_public_on_demand_cost` at the On-Demand price, `pricing_term = 'Spot'`; they
  carry the same product attributes as On-Demand rows (real CURs can leave them sparse). Data
  transfer rows: `line_item_product_code = 'AmazonEC2'`, `product_servicecode = 'AWSDataTransfer'`,
  the instance id as resource id. Negation rows carry the covered row's resource id.
* `DiscountedUsage` (RI): unblended 0, `reservation_effective_cost` = amortised upfront + recurring
  fee for the hours used, public cost = On-Demand cost. `RIFee` (one row per RI and period, usage
  account = payer, `line_item_resource_id` = RI ARN): unblended = recurring fee for all reserved
  hours of the period; unused quantity/fees filled. The upfront payment is a `Fee` row
  (`bill_bill_type = 'Purchase'`, RI ARN set) in the billing period of the RI's start.
* `SavingsPlanCoveredUsage`: unblended = public = On-Demand cost, `savings_plan_savings_plan_effective_cost`
  = SP rate x usage; one `SavingsPlanNegation` per covered row with unblended and public cost = minus
  the covered row's (usage amount 0). `SavingsPlanRecurringFee`: one row per SP and slot, unblended =
  recurring part of the commitment for the slot, `total_commitment_to_date` = commitment for the
  slot, `used_commitment` = sum of that slot's covered effective costs (so used + unused = total by
  construction). `SavingsPlanUpfrontFee` in the period of the SP's start.
* EDP: on every AWS-billed row except Tax/Credit/Refund/marketplace (and split-cost child rows),
  every `net_*` column = gross x (1 - EDP_RATE); `discount = {'edp_discount': net - gross}` and
  `discount_total_discount` (negative) on rows with a non-zero unblended cost. `EdpDiscount` rows
  (per account and product, per day at >= 100k rows/month hourly, else per period) carry
  unblended = the sum of the discounts of the rows they summarise (negative), and
  `line_item_net_unblended_cost = 0` because the discount is already inside the net columns.
  Hence sum(unblended) over all rows = sum(net_unblended) over all rows.
* Split cost allocation (EKS/ECS on container hosts): per host-hour 2-4 child rows with
  `line_item_operation` `EKSPod-EC2`/`ECSTask-EC2`, the pod/task ARN as resource id and
  `split_line_item_parent_resource_id` = the host instance; their unblended costs add up to the
  parent row's (split cost + share of unused cost). They duplicate the parent and are excluded
  from every total of the answer key (reported separately) and from FOCUS.
* Support (Business) is one `Fee` row per account (payer included) on its recurring AWS charges
  (10 % / 7 % / 5 % / 3 % tiers, minimum $100). Tax: one `Tax` row per account and product at the
  account's rate on the net charges of that product (payer and most accounts 6.25-8.25 %, the
  sandbox 0 %). Credits: 'AWS Activate Credits', 30 % of the top three usage products of the
  sandbox account (or ml-research, or the last linked account with usage). Refund: 1 % of the EC2
  charges of prod-payments (`bill_bill_type = 'Refund'`).
* `identity_line_item_id` is a 52-character base32 hash, unique within the period's delivery;
  `bill_invoice_id` is one invoice per payer and period.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.organisation import (
    EDP_RATE,
    INVOICING_ENTITY,
    K_DDB,
    K_EBS,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_LAMBDA,
    K_RDS,
    K_S3,
    K_SNAP,
    MS_PER_HOUR,
    Organisation,
    add_months,
    fmt_rate,
    hex_strings,
    iso_h,
    period_hours,
    period_int,
    rng_for,
    splitmix64,
    stable_int,
)
from infralyzer.exports.schemas import CUR2_SCHEMA

# internal line item types
(USAGE, DISC, SP_COV, SP_NEG, SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP, FEE_SUPPORT, TAX, CREDIT, REFUND, EDP,
 SPLIT_EKS, SPLIT_ECS, UNUSED) = range(16)
N_LT = 16
LT_NAMES = ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
            "SavingsPlanUpfrontFee", "RIFee", "Fee", "Fee", "Tax", "Credit", "Refund", "EdpDiscount", "Usage", "Usage",
            "Usage"]
SPLIT_LTS = (SPLIT_EKS, SPLIT_ECS)
EPS = 1e-9

INT_FIELDS = ("lt", "acct", "sku", "res", "com", "pod")
I64_FIELDS = ("t0", "t1")
FLOAT_FIELDS = (
    "amount", "cost", "public", "nf",
    "sp_eff", "sp_rate", "sp_total", "sp_used", "sp_amort_up", "sp_recur",
    "ri_amort_usage", "ri_recur_usage", "ri_eff", "ri_amort_period", "ri_unused_amort", "ri_unused_recur",
    "ri_unused_qty", "ri_total_units", "ri_upfront",
    "split_ratio", "split_usage", "split_actual", "split_reserved", "split_cost", "split_unused",
    "split_pub_cost", "split_pub_unused",
)
BOOL_FIELDS = ("elig",)


def r10(x):
    return np.round(np.asarray(x, dtype=np.float64), 10)


class Rows(dict):
    """A block of rows: field name -> numpy array (all of length n)."""

    @property
    def n(self) -> int:
        return len(self["lt"]) if "lt" in self else 0

    @staticmethod
    def make(n: int, **cols) -> "Rows":
        r = Rows()
        for k, v in cols.items():
            a = np.asarray(v)
            r[k] = np.full(n, a) if a.ndim == 0 else a
        return r

    @staticmethod
    def concat(parts: list["Rows"]) -> "Rows":
        parts = [p for p in parts if p.n]
        out = Rows()
        if not parts:
            for k in INT_FIELDS:
                out[k] = np.zeros(0, np.int32)
            return out
        for k in INT_FIELDS + I64_FIELDS + FLOAT_FIELDS + BOOL_FIELDS + ("net", "disc"):
            if not any(k in p for p in parts):
                continue
            arrs = []
            for p in parts:
                if k in p:
                    arrs.append(p[k])
                elif k in INT_FIELDS:
                    arrs.append(np.full(p.n, -1, np.int32))
                elif k in I64_FIELDS:
                    arrs.append(np.zeros(p.n, np.int64))
                elif k in BOOL_FIELDS:
                    arrs.append(np.zeros(p.n, bool))
                else:
                    arrs.append(np.full(p.n, np.nan))
            out[k] = np.concatenate(arrs)
        return out

    def get_f(self, k: str) -> np.ndarray:
        return self[k] if k in self else np.full(self.n, np.nan)



def finalize(rows: Rows) -> Rows:
    """Round money/quantities, derive net twins and the EDP discount."""
    for k in FLOAT_FIELDS:
        if k in rows and k not in ("sp_rate", "nf"):
            rows[k] = r10(rows[k])
    n = rows.n
    for k in INT_FIELDS:
        if k not in rows:
            rows[k] = np.full(n, -1, np.int32)
    elig = rows["elig"] if "elig" in rows else np.zeros(n, bool)
    rows["elig"] = elig
    cost = rows["cost"]
    net = np.where(elig, r10(cost * (1.0 - EDP_RATE)), cost)
    net = np.where(rows["lt"] == EDP, 0.0, net)
    rows["net"] = net
    rows["disc"] = np.where(elig & (cost != 0), r10(net - cost), np.nan)
    return rows


def commit_scope(org: Organisation) -> np.ndarray:
    """Commit service group (index in answer_key.COMMIT_GROUPS) of each SKU whose usage RIs / SPs can
    cover, -1 elsewhere; decided from the kind of charge the SKU prices (cached on the organisation).

    Eligible: EC2 instance-hours (On-Demand and Spot, any OS), RDS instance-hours, Fargate vCPU/GB-hours,
    Lambda duration (GB-seconds) and DynamoDB provisioned RCU/WCU-hours. Not: EBS, snapshots, data
    transfer, EKS cluster hours, Lambda requests, DynamoDB request units and storage, S3, other
    services, marketplace, fee and product pseudo SKUs."""
    g = org.cache.get("_commit_scope")
    if g is None:
        t = org.skus
        g = np.full(t.n, -1, np.int64)
        for i, s in enumerate(t.items):
            k = s.key
            if (k[0] in ("ec2", "rds", "fargate") or (k[0] == "lambda" and k[1] == "gbs")
                    or (k[0] == "ddb" and k[1] in ("rcu", "wcu"))):
                g[i] = ak.COMMIT_GROUPS.index(ak.COMMIT_GROUP_OF_PRODUCT[s.product_code])
        org.cache["_commit_scope"] = g
    return g


def grouped_cover(group: np.ndarray, prio: np.ndarray, tie: np.ndarray, need: np.ndarray,
                  cap: np.ndarray) -> np.ndarray:
    """Greedy fill of `cap[group]` by `need`, highest `prio` first within each group.

    Returns the covered fraction of each need (1, 0, or a fraction for the boundary item)."""
    if len(need) == 0:
        return np.zeros(0)
    order = np.lexsort((tie, -prio, group))
    g = group[order]
    nd = need[order]
    cs = np.cumsum(nd)
    start = np.r_[True, g[1:] != g[:-1]]
    gid = np.cumsum(start) - 1
    base = (cs - nd)[start]
    before = (cs - nd) - base[gid]
    c = cap[g]
    take = np.clip(c - before, 0.0, nd)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(nd > 0, take / nd, 0.0)
    frac = np.where(frac > 1 - EPS, 1.0, np.where(frac < EPS, 0.0, frac))
    out = np.empty_like(frac)
    out[order] = frac
    return out


def _overlap(a0, a1, b0, b1):
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None)


def _normal_from_hash(keys: np.ndarray) -> np.ndarray:
    """Standard normal draws that depend only on the integer keys (Box-Muller on two hashes)."""
    h1 = splitmix64(keys)
    h2 = splitmix64(h1 ^ np.uint64(0xD1B54A32D192ED03))
    u1 = ((h1 >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    u2 = ((h2 >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


class PeriodSim:
    """Simulation of one billing period (and revision) of an organisation."""

    def __init__(self, org: Organisation, period: str, revision: int = 0, block_rows: int = 100_000):
        self.org, self.period, self.revision = org, period, int(revision)
        self.block_rows = block_rows
        self.p0, self.p1 = period_hours(period)
        self.ph = self.p1 - self.p0
        self.slot_h = org.slot_hours
        self.n_slots = self.ph // self.slot_h
        self.slot0 = self.p0 + np.arange(self.n_slots, dtype=np.int64) * self.slot_h
        hours = self.p0 + np.arange(self.ph, dtype=np.int64)
        weekday = ((hours // 24) + 3) % 7  # 1970-01-01 was a Thursday (Mon = 0)
        hod = hours % 24
        business = ((weekday < 5) & (hod >= 8) & (hod < 20)).astype(np.float64)
        self.sched_frac = np.stack([np.ones(self.n_slots), business.reshape(self.n_slots, self.slot_h).mean(axis=1)])
        self.n_days = self.ph // 24
        self.t = org.skus
        self.n_acct = len(org.all_accounts)
        self.n_prod = len(self.t.products)
        self.period_seed = stable_int("period", org.seed, period)
        self._build_resources()
        # commitments: active hours per slot
        self.c_act = {}
        for c in org.commitments:
            self.c_act[c.idx] = _overlap(self.slot0, self.slot0 + self.slot_h, c.start_h, c.end_h).astype(np.float64)
        order = sorted(org.commitments, key=lambda c: (c.kind != "ReservedInstance",
                                                          c.offering == "ComputeSavingsPlans", c.idx))
        self.commit_order = order
        # accumulators
        self.ledger = ak.Ledger(self.n_acct, self.n_prod, EDP_RATE)
        self.coverage = ak.Coverage(commit_scope(org))
        self.commit_acc = {c.idx: dict(total=0.0, used=0.0, covered_public=0.0, hours=0.0, recurring_fee=0.0,
                                       upfront_fee=0.0, used_hours=0.0) for c in org.commitments}
        n_buckets = self.n_days if org.edp_daily else 1
        self.edp_acc = np.zeros((self.n_acct, self.n_prod, n_buckets))
        self.support_base = np.zeros(self.n_acct)
        n_res = self.n_res
        self.cat_pub = np.zeros(n_res)
        self.cat_unb = np.zeros(n_res)
        self.cat_rows = np.zeros(n_res, np.int64)
        self.cat_opt = np.zeros((n_res, 4))  # OnDemand, Spot, Reserved, SavingsPlan (usage amounts)
        self.spend_unb = np.zeros((self.n_acct, len(org.regions) + 1, self.n_prod))
        self.spend_amt = np.zeros_like(self.spend_unb)
        self.snap_cost = np.zeros(2)  # young, older than 12 months
        self.row_count = 0
        self.focus_count = 0
        self.split_rows = 0
        self._class_cache: dict[int, dict] = {}
        self.done = False

    # ------------------------------------------------------------------ resources of the period
    def _build_resources(self) -> None:
        org = self.org
        hr, dr = org.hr, org.dr
        alive = (hr["birth"] < self.p1) & (hr["death"] > self.p0)
        idx = np.nonzero(alive)[0]
        sub = {k: v[idx] for k, v in hr.items()}
        sub["gidx"] = idx
        bursts = self._bursts(sub) if self.revision > 0 else None
        if bursts is not None:
            sub = {k: np.concatenate([sub[k], bursts[k]]) for k in sub}
        self.hr = sub
        dalive = (dr["birth"] < self.p1) & (dr["death"] > self.p0)
        didx = np.nonzero(dalive)[0]
        self.dr = {k: v[didx] for k, v in dr.items()}
        self.dr["gidx"] = didx
        self.nh = len(self.hr["kind"])
        self.nd = len(self.dr["kind"])
        self.n_res = self.nh + self.nd
        rid = list(self.hr["rid"]) + list(self.dr["rid"])
        arns = [c.arn for c in org.commitments]
        self.rid_vocab = pa.array(rid + arns, type=pa.string())
        self.res_acct = np.concatenate([self.hr["acct"], self.dr["acct"]]).astype(np.int32)
        self.res_region = np.concatenate([self.hr["region"], self.dr["region"]]).astype(np.int32)
        self.res_az = np.concatenate([self.hr["az"], self.dr["az"]]).astype(np.int32)
        self.res_tag = np.concatenate([self.hr["tag"], self.dr["tag"]]).astype(np.int32)
        self.res_iam = np.concatenate([self.hr["iam"], self.dr["iam"]]).astype(np.int32)
        self.res_kind = np.concatenate([self.hr["kind"], self.dr["kind"]]).astype(np.int32)
        self.res_sku = np.concatenate([self.hr["sku"][:, 0], self.dr["sku"][:, 0]]).astype(np.int32)
        self.res_birth = np.concatenate([self.hr["birth"], self.dr["birth"]])
        # pods of the period's hosts
        pods = org.pods
        host = np.nonzero(self.hr["host"] > 0)[0]
        g = self.hr["gidx"][host]
        self.pod_start = np.full(self.nh, -1, np.int64)
        self.pod_n = np.zeros(self.nh, np.int64)
        self.pod_start[host] = pods["offset"][g]
        self.pod_n[host] = pods["offset"][g + 1] - pods["offset"][g]
        self.pod_vocab = pa.array(list(pods["ids"]), type=pa.string())

    def _bursts(self, sub: dict) -> dict | None:
        """Late-arriving usage of a re-delivery: short-lived On-Demand instances (cumulative per revision)."""
        generic = np.nonzero((sub["role"] == "generic") & sub["sp_ok"] & (sub["kind"] == K_EC2))[0]
        if len(generic) == 0:
            return None
        parts = []
        for j in range(1, self.revision + 1):
            rng = rng_for(self.org.seed, 7, period_int(self.period), j)
            nb = max(2, int(round(0.03 * len(generic))))
            tmpl = generic[rng.integers(0, len(generic), nb)]
            part = {k: v[tmpl].copy() for k, v in sub.items()}
            part["birth"] = self.p0 + rng.integers(0, max(1, self.ph - 80), nb)
            part["death"] = part["birth"] + rng.integers(6, 73, nb)
            part["sched"][:] = 0
            part["core"][:] = False
            part["role"][:] = "burst"
            part["gidx"][:] = -1
            ids = hex_strings(np.arange(nb), 17, salt=stable_int("burst", self.org.seed, self.period, j))
            part["rid"] = np.array([f"i-{h}" for h in ids], dtype=object)
            parts.append(part)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    # ------------------------------------------------------------------ blocks
    def blocks(self):
        """Yield finalized `Rows` blocks; accumulators are complete when the generator ends."""
        assert not self.done, "a PeriodSim can be walked once"
        yield from self._hourly_blocks()
        yield from self._daily_blocks()
        final = self._final_block()
        if final.n:
            yield final
        self.done = True

    def n_blocks_estimate(self) -> int:
        return len(self._hourly_plan()) + len(self._daily_plan()) + 1

    def _hourly_plan(self) -> list[tuple[int, int]]:
        per_slot = float(((self.hr["sku"] >= 0).sum(axis=1) + self.pod_n).sum()) * 1.4 + 8
        step = max(1, min(self.n_slots, int(self.block_rows // max(per_slot, 1.0))))
        return [(s, min(self.n_slots, s + step)) for s in range(0, self.n_slots, step)]

    def _daily_plan(self) -> list[tuple[int, int, int, int]]:
        lines = (self.dr["sku"] >= 0).sum(axis=1)
        per_day = float(lines.sum()) + 1
        if per_day * self.n_days <= self.block_rows:
            return [(0, self.n_days, 0, self.nd)]
        if per_day <= self.block_rows:
            step = max(1, int(self.block_rows // per_day))
            return [(d, min(self.n_days, d + step), 0, self.nd) for d in range(0, self.n_days, step)]
        cum = np.cumsum(lines)
        cuts = [0]
        while cuts[-1] < self.nd:
            nxt = int(np.searchsorted(cum, (cum[cuts[-1] - 1] if cuts[-1] else 0) + self.block_rows, side="right"))
            cuts.append(max(cuts[-1] + 1, min(self.nd, nxt)))
        return [(d, d + 1, a, b) for d in range(self.n_days) for a, b in zip(cuts[:-1], cuts[1:])]

    def _hourly_blocks(self):
        if self.nh == 0:
            return
        for s0, s1 in self._hourly_plan():
            rows = self._hourly_block(s0, s1)
            if rows.n:
                yield rows

    def _daily_blocks(self):
        if self.nd == 0:
            return
        for d0, d1, a, b in self._daily_plan():
            rows = self._daily_block(d0, d1, a, b)
            if rows.n:
                yield rows

    # ------------------------------------------------------------------ hourly
    def _hourly_block(self, s0: int, s1: int) -> Rows:
        hr, t, sh = self.hr, self.t, self.slot_h
        st = self.slot0[s0:s1]
        ov = _overlap(st[None, :], st[None, :] + sh, hr["birth"][:, None], hr["death"][:, None]).astype(np.float64)
        act = ov * self.sched_frac[hr["sched"].astype(np.int64)][:, s0:s1]
        r, s = np.nonzero(act > 0)
        hrs = act[r, s]
        u = []
        for line in (0, 1):
            m = hr["sku"][r, line] >= 0
            u.append((r[m], s[m], np.full(int(m.sum()), line), hr["sku"][r[m], line], hrs[m] * hr["q"][r[m], line]))
        u_r, u_s, u_l, u_sku, u_qty = (np.concatenate([x[i] for x in u]) for i in range(5))
        n_u = len(u_r)
        od = t.od[u_sku]
        rate = t.rate[u_sku]
        rem = np.ones(n_u)
        pieces = []  # (unit indices, commitment, share)
        sp_used_model: dict[int, np.ndarray] = {}
        for c in self.commit_order:
            act_c = self.c_act[c.idx][s0:s1]
            if not act_c.any():
                continue
            if c.kind == "ReservedInstance":
                cand = np.nonzero((hr["ri"][u_r] == c.idx) & (u_l == 0) & (rem > EPS))[0]
                need = u_qty[cand] * rem[cand]
                prio = np.zeros(len(cand))
                cap = c.n * act_c
            else:
                spr_all = c.sp_rate[u_sku]
                cand = np.nonzero(hr["sp_ok"][u_r] & ~np.isnan(spr_all) & (rem > EPS))[0]
                spr = spr_all[cand]
                need = spr * u_qty[cand] * rem[cand]
                prio = 1.0 - spr / od[cand]
                cap = c.hourly * act_c
            frac = grouped_cover(u_s[cand], prio, u_r[cand].astype(np.float64), need, cap)
            m = frac > 0
            idx = cand[m]
            share = frac[m] * rem[idx]
            pieces.append((idx, c, share))
            rem[idx] = rem[idx] - share
            rem[rem < EPS] = 0.0
        left = np.nonzero(rem > 0)[0]
        parts: list[Rows] = []
        acct_u = hr["acct"][u_r].astype(np.int32)
        ms0 = st * MS_PER_HOUR
        t0_u = ms0[u_s]
        t1_u = t0_u + sh * MS_PER_HOUR
        nf_u = t.nf[u_sku]
        prod_u = t.prod[u_sku]
        # --- On-Demand / Spot remainder
        if len(left):
            i = left
            amt = u_qty[i] * rem[i]
            cost = rate[i] * amt
            pub = od[i] * amt
            elig = t.aws[u_sku[i]]
            spot = t.spot[u_sku[i]]
            self.ledger.add(USAGE, acct_u[i], prod_u[i], cost, cost, pub, elig)
            self.coverage.add_usage(u_sku[i], pub, cost, spot)
            self.support_base += np.bincount(acct_u[i], weights=np.where(elig, cost, 0.0), minlength=self.n_acct)
            parts.append(Rows.make(len(i), lt=USAGE, acct=acct_u[i], sku=u_sku[i], res=u_r[i], t0=t0_u[i],
                                   t1=t1_u[i], amount=amt, cost=cost, public=pub, nf=nf_u[i], elig=elig))
            self._spend_add(acct_u[i], u_sku[i], cost, amt)
            self._cat_opt(u_r[i], np.where(spot, 1, 0), amt)
            # split cost allocation children of container hosts
            parts.append(self._split_children(i, u_r, u_sku, amt, cost, pub, t0_u, t1_u, acct_u, rate, od))
        # --- commitment pieces
        for idx, c, share in pieces:
            amt = u_qty[idx] * share
            pub = od[idx] * amt
            acc = self.commit_acc[c.idx]
            acc["covered_public"] += float(pub.sum())
            if c.kind == "ReservedInstance":
                up = c.upfront_hourly * amt
                rec = c.recurring_hourly * amt
                eff = up + rec
                acc["used_hours"] += float(amt.sum())
                acc["used"] += float(eff.sum())
                self.ledger.add(DISC, acct_u[idx], prod_u[idx], np.zeros(len(idx)), eff, pub, True)
                self.coverage.add(ak.RESERVED, u_sku[idx], pub)
                parts.append(Rows.make(len(idx), lt=DISC, acct=acct_u[idx], sku=u_sku[idx], res=u_r[idx], com=c.idx,
                                       t0=t0_u[idx], t1=t1_u[idx], amount=amt, cost=0.0, public=pub, nf=nf_u[idx],
                                       ri_amort_usage=up, ri_recur_usage=rec, ri_eff=eff, elig=True))
                self._spend_add(acct_u[idx], u_sku[idx], np.zeros(len(idx)), amt)
                self._cat_opt(u_r[idx], 2, amt)
            else:
                spr = c.sp_rate[u_sku[idx]]
                eff = spr * amt
                odc = od[idx] * amt
                acc["used"] += float(eff.sum())
                sp_used_model[c.idx] = sp_used_model.get(c.idx, np.zeros(s1 - s0)) + np.bincount(
                    u_s[idx], weights=eff, minlength=s1 - s0)
                self.ledger.add(SP_COV, acct_u[idx], prod_u[idx], odc, eff, pub, True)
                self.ledger.add(SP_NEG, acct_u[idx], prod_u[idx], -odc, np.zeros(len(idx)), -pub, True)
                self.coverage.add(ak.SAVINGS_PLAN, u_sku[idx], pub)
                common = dict(acct=acct_u[idx], sku=u_sku[idx], res=u_r[idx], com=c.idx, t0=t0_u[idx], t1=t1_u[idx],
                              elig=True)
                parts.append(Rows.make(len(idx), lt=SP_COV, amount=amt, cost=odc, public=pub, nf=nf_u[idx],
                                       sp_eff=eff, sp_rate=spr, **common))
                parts.append(Rows.make(len(idx), lt=SP_NEG, amount=0.0, cost=-odc, public=-pub, nf=nf_u[idx],
                                       sp_rate=spr, **common))
                self._spend_add(acct_u[idx], u_sku[idx], odc, amt)
                self._cat_opt(u_r[idx], 3, amt)
        block = finalize(Rows.concat(parts))
        # --- Savings Plan recurring fees of these slots (used commitment = sum of rounded covered rows)
        fee_parts = []
        for c in self.org.commitments:
            if c.kind != "SavingsPlan":
                continue
            act_c = self.c_act[c.idx][s0:s1]
            sl = np.nonzero(act_c > 0)[0]
            if not len(sl):
                continue
            m = (block["lt"] == SP_COV) & (block["com"] == c.idx)
            slot_of = ((block["t0"][m] // MS_PER_HOUR) - st[0]) // sh
            used_rows = r10(np.bincount(slot_of.astype(np.int64), weights=block["sp_eff"][m], minlength=s1 - s0))
            a = act_c[sl]
            total = c.hourly * a
            rec = c.recurring_hourly * a
            used_model = sp_used_model.get(c.idx, np.zeros(s1 - s0))[sl]
            acc = self.commit_acc[c.idx]
            acc["total"] += float(total.sum())
            acc["hours"] += float(a.sum())
            acc["recurring_fee"] += float(rec.sum())
            payer = np.zeros(len(sl), np.int32)
            prod = np.full(len(sl), self.t.prod[c.fee_sku], np.int32)
            self.ledger.add(SP_RECUR, payer, prod, rec, total - used_model, np.zeros(len(sl)), True)
            self.support_base[0] += float(rec.sum())
            fee_parts.append(Rows.make(
                len(sl), lt=SP_RECUR, acct=0, sku=c.fee_sku, res=-1, com=c.idx, t0=ms0[sl],
                t1=ms0[sl] + sh * MS_PER_HOUR, amount=a, cost=rec, public=0.0, sp_total=total,
                sp_used=np.minimum(used_rows[sl], r10(total)), sp_amort_up=c.upfront_hourly * a, sp_recur=rec,
                elig=True,
            ))
        if fee_parts:
            block = Rows.concat([block, finalize(Rows.concat(fee_parts))])
        self._accumulate(block)
        return block

    def _split_children(self, i, u_r, u_sku, amt, cost, pub, t0_u, t1_u, acct_u, rate, od) -> Rows:
        hr = self.hr
        r = u_r[i]
        host = hr["host"][r] > 0
        if not host.any():
            return Rows()
        j = np.nonzero(host)[0]
        rr = r[j]
        npods = self.pod_n[rr]
        rep = np.repeat(np.arange(len(j)), npods)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(npods) - npods, npods)
        pod = self.pod_start[rr][rep] + within
        ratio = self.org.pods["ratio"][pod]
        util = hr["util"][rr][rep]
        p_cost = cost[j][rep]
        p_pub = pub[j][rep]
        p_amt = amt[j][rep]
        sku = u_sku[i][j][rep]
        vc = self._vcpu(sku)
        split_cost = ratio * p_cost
        unused = (1.0 - util) * p_cost * ratio / util
        unb = split_cost + unused
        lt = np.where(hr["host"][rr][rep] == 1, SPLIT_EKS, SPLIT_ECS)
        usage = ratio * vc * p_amt
        self.ledger.add_split(len(rep), float(unb.sum()))
        return Rows.make(
            len(rep), lt=lt, acct=acct_u[i][j][rep], sku=sku, res=rr[rep], pod=pod, t0=t0_u[i][j][rep],
            t1=t1_u[i][j][rep], amount=p_amt * ratio / util, cost=unb, public=p_pub * ratio / util,
            split_ratio=ratio, split_usage=usage, split_actual=usage * 0.8, split_reserved=usage,
            split_cost=split_cost, split_unused=unused, split_pub_cost=ratio * p_pub,
            split_pub_unused=(1.0 - util) * p_pub * ratio / util, elig=False,
        )

    def _vcpu(self, sku: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_vcpu_of"):
            self._vcpu_of = np.array([float(s.pmap.get("vcpu") or 1.0) for s in self.t.items])
        return self._vcpu_of[sku]

    # ------------------------------------------------------------------ daily
    def _daily_block(self, d0: int, d1: int, a: int, b: int) -> Rows:
        dr, t = self.dr, self.t
        day0 = self.p0 + np.arange(d0, d1, dtype=np.int64) * 24
        birth, death = dr["birth"][a:b], dr["death"][a:b]
        ov = _overlap(day0[None, :], day0[None, :] + 24, birth[:, None], death[:, None]).astype(np.float64)
        r, d = np.nonzero(ov > 0)
        hrs = ov[r, d]
        rg = r + a  # index into period daily arrays
        cols = []
        for line in range(dr["sku"].shape[1]):
            m = dr["sku"][rg, line] >= 0
            if m.any():
                cols.append((rg[m], d[m], np.full(int(m.sum()), line), dr["sku"][rg[m], line], hrs[m]))
        if not cols:
            return Rows()
        u_r, u_d, u_l, u_sku, u_h = (np.concatenate([x[i] for x in cols]) for i in range(5))
        base = dr["base"][u_r, u_l]
        sigma = t.sigma[u_sku]
        qty = base * u_h
        qty = np.where(t.monthly[u_sku], qty / self.ph, qty)
        noisy = sigma > 0
        if noisy.any():
            day_abs = (self.p0 // 24) + d0 + u_d[noisy]
            key = (np.uint64(self.org.seed & 0xFFFF) << np.uint64(48)) ^ (
                day_abs.astype(np.uint64) << np.uint64(28)) ^ (
                dr["gidx"][u_r[noisy]].astype(np.uint64) << np.uint64(4)) ^ u_l[noisy].astype(np.uint64)
            z = _normal_from_hash(key)
            sg = sigma[noisy]
            qty[noisy] = qty[noisy] * np.exp(np.clip(sg * z, -3 * sg, 3 * sg) - 0.5 * sg * sg)
        rate = t.rate[u_sku]
        od = t.od[u_sku]
        cost = rate * qty
        pub = od * qty
        acct = dr["acct"][u_r].astype(np.int32)
        elig = t.aws[u_sku]
        prod = t.prod[u_sku]
        self.ledger.add(USAGE, acct, prod, cost, cost, pub, elig)
        self.coverage.add_usage(u_sku, pub, cost, t.spot[u_sku])
        self.support_base += np.bincount(acct, weights=np.where(elig, cost, 0.0), minlength=self.n_acct)
        res = (self.nh + u_r).astype(np.int32)
        t0 = (self.p0 + (d0 + u_d) * 24) * MS_PER_HOUR
        kind = dr["kind"][u_r]
        snap = kind == K_SNAP
        if snap.any():
            old = dr["birth"][u_r[snap]] <= period_hours(add_months(self.period, -12))[0]
            self.snap_cost += np.array([cost[snap][~old].sum(), cost[snap][old].sum()])
        rows = Rows.make(len(u_r), lt=USAGE, acct=acct, sku=u_sku, res=res, t0=t0, t1=t0 + 24 * MS_PER_HOUR,
                         amount=qty, cost=cost, public=pub, elig=elig)
        self._spend_add(acct, u_sku, cost, qty)
        self._cat_opt(res, 0, qty)
        rows = finalize(rows)
        self._accumulate(rows)
        return rows

    # ------------------------------------------------------------------ monthly
    def _final_block(self) -> Rows:
        org, t = self.org, self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
        parts = []
        # RIFee, RI upfront fees, SP upfront fees
        for c in org.commitments:
            hours = float(self.c_act[c.idx].sum())
            acc = self.commit_acc[c.idx]
            starts_here = self.p0 <= c.start_h < self.p1
            prod = t.prod[c.fee_sku]
            if c.kind == "ReservedInstance" and hours > 0:
                total_units = c.n * hours
                unused_q = max(0.0, total_units - acc["used_hours"])
                rec = c.n * c.recurring_hourly * hours
                amort_period = c.n * c.upfront_hourly * hours
                unused_amort = unused_q * c.upfront_hourly
                unused_rec = unused_q * c.recurring_hourly
                acc["total"] += c.n * c.hourly * hours
                acc["hours"] += hours
                acc["recurring_fee"] += rec
                self.ledger.add(RI_FEE, np.zeros(1, np.int32), np.array([prod]), np.array([rec]),
                                np.array([unused_amort + unused_rec]), np.zeros(1), True)
                self.support_base[0] += rec
                parts.append(Rows.make(
                    1, lt=RI_FEE, acct=0, sku=c.fee_sku, res=-1, com=c.idx, t0=max(self.p0, c.start_h) * MS_PER_HOUR,
                    t1=min(self.p1, c.end_h) * MS_PER_HOUR, amount=total_units, cost=rec, public=0.0, nf=c.nf,
                    ri_amort_period=amort_period, ri_unused_amort=unused_amort, ri_unused_recur=unused_rec,
                    ri_unused_qty=unused_q, ri_total_units=total_units, ri_upfront=c.n * c.upfront, elig=True,
                ))
            if starts_here and c.upfront > 0:
                amount = c.n * c.upfront if c.kind == "ReservedInstance" else c.upfront
                acc["upfront_fee"] += amount
                lt = FEE_RI_UP if c.kind == "ReservedInstance" else SP_UPFRONT
                self.ledger.add(lt, np.zeros(1, np.int32), np.array([prod]), np.array([amount]), np.zeros(1),
                                np.zeros(1), True)
                parts.append(Rows.make(
                    1, lt=lt, acct=0, sku=c.fee_sku, res=-1, com=c.idx, t0=c.start_h * MS_PER_HOUR,
                    t1=(c.start_h + 1) * MS_PER_HOUR, amount=float(c.n if c.kind == "ReservedInstance" else 1),
                    cost=amount, public=0.0, ri_upfront=c.n * c.upfront if c.kind == "ReservedInstance" else np.nan,
                    elig=True,
                ))
        # Support (Business) per account
        sup = np.maximum(100.0, 0.10 * np.minimum(self.support_base, 10_000)
                         + 0.07 * np.clip(self.support_base - 10_000, 0, 70_000)
                         + 0.05 * np.clip(self.support_base - 80_000, 0, 170_000)
                         + 0.03 * np.clip(self.support_base - 250_000, 0, None))
        sup = np.round(sup, 2)
        s_sku = t.index[("support",)]
        accts = np.arange(self.n_acct, dtype=np.int32)
        self.ledger.add(FEE_SUPPORT, accts, np.full(self.n_acct, t.prod[s_sku]), sup, sup, np.zeros(self.n_acct), True)
        parts.append(Rows.make(self.n_acct, lt=FEE_SUPPORT, acct=accts, sku=s_sku, res=-1, t0=p0ms, t1=p1ms,
                               amount=1.0, cost=sup, public=0.0, elig=True))
        # Tax per account and product on the net charges (model)
        rates = np.array([a.tax_rate for a in org.all_accounts])
        base = self.ledger.prod_net.copy()
        tax = base * rates[:, None]
        ai, pi = np.nonzero((tax > 0.0000005) & (base > 0))
        if len(ai):
            tv = tax[ai, pi]
            skus = np.array([t.index[("product", t.products[p])] for p in pi], np.int32)
            self.ledger.add(TAX, ai.astype(np.int32), pi, tv, tv, np.zeros(len(ai)), False, taxable=False)
            parts.append(Rows.make(len(ai), lt=TAX, acct=ai.astype(np.int32), sku=skus, res=-1, t0=p0ms, t1=p1ms,
                                   cost=tv, public=0.0, elig=False))
        # Credits: 30 % of the top three products of the sandbox (or last) account
        names = [a.name for a in org.all_accounts]
        usage = self.ledger.prod_gross.copy()
        for code in ("AWSSupportBusiness", "ComputeSavingsPlans"):  # credits apply to usage, not fees
            if code in t.product_index:
                usage[:, t.product_index[code]] = 0.0
        prefer = [names.index(x) for x in ("dev-sandbox", "ml-research") if x in names]
        ca = next((a for a in prefer + list(range(self.n_acct - 1, 0, -1)) if usage[a].sum() > 0), self.n_acct - 1)
        gross = usage[ca]
        top = [p for p in np.argsort(-gross, kind="stable")[:3] if gross[p] > 0]
        if top:
            cv = -0.3 * gross[top]
            skus = np.array([t.index[("product", t.products[p])] for p in top], np.int32)
            self.ledger.add(CREDIT, np.full(len(top), ca, np.int32), np.array(top), cv, cv, np.zeros(len(top)), False,
                            taxable=False)
            parts.append(Rows.make(len(top), lt=CREDIT, acct=ca, sku=skus, res=-1, t0=p0ms, t1=p1ms, cost=cv,
                                   public=0.0, elig=False))
        # Refund: 1 % of EC2 of one production account
        ra = names.index("prod-payments") if "prod-payments" in names else 1
        ec2 = t.product_index.get("AmazonEC2")
        if ec2 is not None and self.ledger.prod_gross[ra, ec2] > 0:
            rv = -round(0.01 * float(self.ledger.prod_gross[ra, ec2]), 2)
            if rv < 0:
                self.ledger.add(REFUND, np.array([ra], np.int32), np.array([ec2]), np.array([rv]), np.array([rv]),
                                np.zeros(1), False, taxable=False)
                parts.append(Rows.make(1, lt=REFUND, acct=ra, sku=t.index[("product", "AmazonEC2")], res=-1,
                                       t0=p0ms, t1=p1ms, cost=rv, public=0.0, elig=False))
        block = finalize(Rows.concat(parts))
        self._accumulate(block)  # adds the discounts of these fees to the EDP accumulator
        # EdpDiscount rows: sum of the discounts of the rows they summarise
        ai, pi, di = np.nonzero(np.abs(self.edp_acc) > 0)
        if len(ai):
            val = r10(self.edp_acc[ai, pi, di])
            if self.org.edp_daily:
                t0 = (self.p0 + di * 24) * MS_PER_HOUR
                t1 = t0 + 24 * MS_PER_HOUR
            else:
                t0, t1 = np.full(len(ai), p0ms), np.full(len(ai), p1ms)
            skus = np.array([t.index[("product", t.products[p])] for p in pi], np.int32)
            edp = finalize(Rows.make(len(ai), lt=EDP, acct=ai.astype(np.int32), sku=skus, res=-1, t0=t0, t1=t1,
                                     cost=val, public=0.0, elig=False))
            self.row_count += edp.n
            self.focus_count += edp.n
            block = Rows.concat([block, edp])
        self.ledger.close_edp()
        return block

    # ------------------------------------------------------------------ accumulators
    def _spend_add(self, acct, sku, cost, amount) -> None:
        aws = self.t.aws[sku]
        if not aws.any():
            return
        reg = self.t.region[sku] + 1
        prod = self.t.prod[sku]
        key = (acct[aws].astype(np.int64) * self.spend_unb.shape[1] + reg[aws]) * self.n_prod + prod[aws]
        size = self.spend_unb.size
        self.spend_unb += np.bincount(key, weights=r10(cost[aws]), minlength=size).reshape(self.spend_unb.shape)
        self.spend_amt += np.bincount(key, weights=r10(amount[aws]), minlength=size).reshape(self.spend_amt.shape)

    def _cat_opt(self, res, option, amount) -> None:
        opt = np.broadcast_to(np.asarray(option), np.shape(res))
        key = np.asarray(res, np.int64) * 4 + opt
        self.cat_opt += np.bincount(key, weights=amount, minlength=self.cat_opt.size).reshape(self.cat_opt.shape)

    def _accumulate(self, rows: Rows) -> None:
        n = rows.n
        if not n:
            return
        lt = rows["lt"]
        self.row_count += n
        split = np.isin(lt, SPLIT_LTS)
        self.split_rows += int(split.sum())
        unused = ((lt == SP_RECUR) & (rows.get_f("sp_total") - rows.get_f("sp_used") > 0)) | (
            (lt == RI_FEE) & ((rows.get_f("ri_unused_amort") + rows.get_f("ri_unused_recur")) > 0))
        self.focus_count += int(n - split.sum() - (lt == SP_NEG).sum() + unused.sum())
        # EDP discounts by account, product, day bucket
        d = rows["disc"]
        m = ~np.isnan(d)
        if m.any():
            prod = self.t.prod[rows["sku"][m]]
            if self.org.edp_daily:
                bucket = np.clip((rows["t0"][m] // MS_PER_HOUR - self.p0) // 24, 0, self.n_days - 1)
            else:
                bucket = np.zeros(int(m.sum()), np.int64)
            key = (rows["acct"][m].astype(np.int64) * self.n_prod + prod) * self.edp_acc.shape[2] + bucket
            self.edp_acc += np.bincount(key, weights=d[m], minlength=self.edp_acc.size).reshape(self.edp_acc.shape)
        # resource catalogue sums (usage rows of resources, negation and split rows excluded)
        res = rows["res"]
        m = (res >= 0) & np.isin(lt, (USAGE, DISC, SP_COV))
        if m.any():
            self.cat_pub += np.bincount(res[m], weights=rows["public"][m], minlength=self.n_res)
            self.cat_unb += np.bincount(res[m], weights=rows["cost"][m], minlength=self.n_res)
            self.cat_rows += np.bincount(res[m], minlength=self.n_res)

    # ------------------------------------------------------------------ results
    def result(self) -> dict:
        assert self.done, "walk blocks() first"
        return {
            "catalogue": self._catalogue(),
            "spend": self._spend(),
            "key": self.key_fragment(),
        }

    def _catalogue(self) -> pl.DataFrame:
        from infralyzer.exports.generate.organisation import catalogue_schema, tags_json

        org, t = self.org, self.t
        kinds_kept = (K_EC2, K_FARGATE, K_RDS, K_EKS, K_EBS, K_SNAP, K_S3, K_LAMBDA, K_DDB)
        rid = self.rid_vocab.to_pylist()
        sel = np.nonzero((self.cat_rows > 0) & np.isin(self.res_kind, kinds_kept))[0]
        opts = np.array(["OnDemand", "Spot", "Reserved", "SavingsPlan"])
        rtype_of = {K_EC2: "Ec2Instance", K_EBS: "EbsVolume", K_LAMBDA: "LambdaFunction", K_RDS: "RdsDbInstance"}
        rows = {k: [] for k in catalogue_schema()}
        for i in sel:
            kind = int(self.res_kind[i])
            s = t.items[self.res_sku[i]]
            if kind == K_FARGATE:
                rtype = "EcsService" if s.product_code == "AmazonECS" else None
            else:
                rtype = rtype_of.get(kind)
            if kind == K_EBS:
                itype = s.pmap.get("volume_api_name")
            elif kind in (K_EC2, K_RDS):
                itype = s.instance_type
            else:
                itype = None
            rows["resource_id"].append(rid[i])
            rows["account_id"].append(org.all_accounts[self.res_acct[i]].account_id)
            rows["region"].append(org.regions[self.res_region[i]][0] if self.res_region[i] >= 0 else None)
            rows["product_code"].append(s.product_code)
            rows["resource_type"].append(rtype)
            rows["instance_type"].append(itype)
            rows["usage_type"].append(s.usage_type)
            rows["processor"].append(s.processor if kind in (K_EC2, K_RDS, K_FARGATE, K_LAMBDA) else None)
            rows["operating_system"].append(s.os if kind in (K_EC2, K_FARGATE) else None)
            rows["purchase_option"].append(str(opts[int(np.argmax(self.cat_opt[i]))]))
            rows["public_on_demand_cost"].append(round(float(self.cat_pub[i]), 10))
            rows["unblended_cost"].append(round(float(self.cat_unb[i]), 10))
            rows["tags"].append(tags_json(org.tag_profiles[self.res_tag[i]]))
        return pl.DataFrame(rows, schema=catalogue_schema())

    def _spend(self) -> pl.DataFrame:
        org, t = self.org, self.t
        a, r, p = np.nonzero((self.spend_unb != 0) | (self.spend_amt != 0))
        return pl.DataFrame(
            {
                "account_id": [org.all_accounts[i].account_id for i in a],
                "region": [org.regions[i - 1][0] if i > 0 else None for i in r],
                "product_code": [t.products[i] for i in p],
                "unblended_cost": np.round(self.spend_unb[a, r, p], 10),
                "usage_amount": np.round(self.spend_amt[a, r, p], 10),
            },
            schema={"account_id": pl.String, "region": pl.String, "product_code": pl.String,
                    "unblended_cost": pl.Float64, "usage_amount": pl.Float64},
        )

    def key_fragment(self) -> dict:
        return ak.period_fragment(self)


# ====================================================================================== Arrow (CUR)

TS = pa.timestamp("ms", tz="UTC")
_MAP_STR = pa.map_(pa.string(), pa.string())


def take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx)
    mask = idx < 0
    ind = pa.array(np.where(mask, 0, idx).astype(np.int32), mask=mask if mask.any() else None)
    return vocab.take(ind)


def f64(x) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    m = np.isnan(x)
    return pa.array(x, type=pa.float64(), mask=m if m.any() else None)


def ts(ms) -> pa.Array:
    return pa.array(np.asarray(ms, dtype=np.int64), type=TS)


def const(value, n: int, type_=pa.string()) -> pa.Array:
    if value is None:
        return pa.nulls(n, type_)
    return take(pa.array([value], type=type_), np.zeros(n, np.int32))


def line_item_ids(period_seed: int, start: int, n: int) -> pa.Array:
    """52-character base32 ids, unique within the period (bijective hash of the row counter)."""
    keys = np.arange(start, start + n, dtype=np.uint64) ^ np.uint64(period_seed & 0x7FFFFFFFFFFF0000)
    w = [splitmix64(keys)]
    for _ in range(4):
        w.append(splitmix64(w[-1] ^ np.uint64(0x632BE59BD9B4E019)))
    words = np.stack(w, axis=1)
    bits = np.unpackbits(words.view(np.uint8).reshape(n, 40), axis=1)[:, :260].reshape(n, 52, 5)
    idx = bits @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)
    chars = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)[idx]
    offsets = np.arange(0, 52 * (n + 1), 52, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes()))


def interval_strings(t0: np.ndarray, t1: np.ndarray) -> pa.Array:
    key = t0.astype(np.int64) * 100_000 + ((t1 - t0) // MS_PER_HOUR).astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    vocab = []
    for k in uniq:
        a = int(k // 100_000) // MS_PER_HOUR
        b = a + int(k % 100_000)
        vocab.append(f"{iso_h(a)}/{iso_h(b)}")
    return take(pa.array(vocab, type=pa.string()), inv.ravel())


class OrgVocab:
    """Arrow vocabularies shared by every block of an organisation (cached on the org)."""

    def __init__(self, org: Organisation):
        self.org = org
        n_acct = len(org.all_accounts)
        self.acct_id = pa.array([a.account_id for a in org.all_accounts], type=pa.string())
        self.acct_name = pa.array([a.name for a in org.all_accounts], type=pa.string())
        self.cost_category = pa.array(
            [[("business_unit", a.business_unit)] if a.business_unit else [] for a in org.all_accounts], type=_MAP_STR)
        self.resource_tags = pa.array([sorted(p.items()) for p in org.tag_profiles], type=_MAP_STR)
        combined, focus = [], []
        for p in org.tag_profiles:
            for a in org.all_accounts:
                acc = {"accountTag/owner": a.owner}
                if a.business_unit:
                    acc["accountTag/business-unit"] = a.business_unit
                combined.append(sorted({**p, **acc}.items()))
                focus.append(sorted({**{k[5:] if k.startswith("user_") else k: v for k, v in p.items()},
                                     **acc}.items()))
        self.n_acct = n_acct
        self.tags = pa.array(combined, type=_MAP_STR)
        self.focus_tags = pa.array(focus, type=_MAP_STR)
        azs = [f"{r[0]}{c}" for r in org.regions for c in "abc"]
        self.az = pa.array(azs, type=pa.string())
        self.iam = pa.array(org.iam_principals, type=pa.string())
        self.sku = org.skus.arrow()

    @staticmethod
    def of(org: Organisation) -> "OrgVocab":
        v = org.cache.get("_vocab")
        if v is None:
            v = org.cache["_vocab"] = OrgVocab(org)
        return v


def class_index(sim: PeriodSim, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Unique (lt, sku, com, acct) classes of the block and the inverse index."""
    n_sku = sim.t.n + 1
    n_com = len(sim.org.commitments) + 1
    key = ((rows["lt"].astype(np.int64) * n_com + (rows["com"] + 1)) * n_sku + (rows["sku"] + 1)) * (
        sim.n_acct + 1) + (rows["acct"] + 1)
    uniq, inv = np.unique(key, return_inverse=True)
    dec = []
    for k in uniq:
        k = int(k)
        acct = k % (sim.n_acct + 1) - 1
        k //= sim.n_acct + 1
        sku = k % n_sku - 1
        k //= n_sku
        com = k % n_com - 1
        lt = k // n_com
        dec.append((lt, sku, com, acct))
    return dec, inv.ravel()


def class_info(sim: PeriodSim, lt: int, sku: int, com: int, acct: int) -> dict:
    """Everything that depends only on the row's class (line type, SKU, commitment, account)."""
    ck = (lt, sku, com, acct)
    cached = sim._class_cache.get(ck)
    if cached is not None:
        return cached
    org = sim.org
    s = org.skus.items[sku] if sku >= 0 else None
    c = org.commitments[com] if com >= 0 else None
    name = LT_NAMES[lt]
    aws = s is None or s.billing_entity == "AWS"
    elig = aws and lt not in (TAX, CREDIT, REFUND, EDP) + SPLIT_LTS
    usage_like = lt in (USAGE, DISC, SP_COV, SP_NEG) + SPLIT_LTS
    d: dict = {"lt_name": name}
    d["bill_type"] = "Purchase" if lt in (SP_UPFRONT, FEE_RI_UP) else ("Refund" if lt == REFUND else "Anniversary")
    d["operation"] = {SPLIT_EKS: "EKSPod-EC2", SPLIT_ECS: "ECSTask-EC2"}.get(lt, s.operation if s else None)
    # rates
    if lt in (USAGE,) + SPLIT_LTS:
        rate = s.rate
    elif lt in (SP_COV, SP_NEG):
        rate = s.od
    elif lt == DISC:
        rate = 0.0
    elif lt in (SP_RECUR, RI_FEE):
        rate = c.recurring_hourly
    else:
        rate = None
    d["rate"] = fmt_rate(rate)
    d["net_rate"] = fmt_rate(None if rate is None else (round(rate * (1 - EDP_RATE), 10) if elig else rate))
    d["public_rate"] = fmt_rate(s.od) if (usage_like or lt == DISC) and s is not None and s.od is not None else None
    if lt in (USAGE,) + SPLIT_LTS:
        term = "Spot" if s.spot else "OnDemand"
    elif lt in (DISC, RI_FEE, FEE_RI_UP):
        term = "Reserved"
    elif lt in (SP_COV, SP_NEG):
        term = "OnDemand"
    else:
        term = None
    d["term"] = term
    d["unit"] = s.unit if s is not None and lt not in (TAX, CREDIT, REFUND, EDP) else None
    if usage_like and s is not None and s.rate is not None:
        d["rate_code"], d["rate_id"] = s.rate_code, s.rate_id
    elif lt == DISC:
        d["rate_code"], d["rate_id"] = f"{s.sku_id}.4NA7Y494T4.6YS6EN2CT7", str(int(s.rate_id) + 1)
    else:
        d["rate_code"] = d["rate_id"] = None
    ri = c is not None and c.kind == "ReservedInstance"
    sp = c is not None and c.kind == "SavingsPlan"
    d["lease"] = c.term if ri else None
    d["offering_class"] = c.offering if ri else None
    d["purchase_option"] = c.payment_option if ri else None
    d["tax_type"] = "Sales Tax" if lt == TAX else None
    # description
    acct_id = org.all_accounts[acct].account_id if acct >= 0 else ""
    if lt == DISC:
        osd = "Linux/UNIX (Amazon VPC)" if c.product_code == "AmazonEC2" else f"{c.engine}, Single-AZ"
        desc = f"USD 0.0 hourly fee per {osd}, {c.instance_type} instance"
    elif lt == SP_NEG:
        desc = f"SavingsPlanNegation used by AccountId : {acct_id} and UsageSku : {s.sku_id}"
    elif lt == SP_RECUR:
        desc = f"{s.desc} recurring fee"
    elif lt == SP_UPFRONT:
        desc = f"{s.desc} upfront fee"
    elif lt == RI_FEE:
        desc = s.desc
    elif lt == FEE_RI_UP:
        desc = f"Sign up charge for subscription: {c.subscription_id}, planId: {stable_int('plan', c.arn) % 10**7}"
    elif lt == TAX:
        desc = f"Tax for product code {s.product_code}"
    elif lt == CREDIT:
        desc = "AWS Activate Credits"
    elif lt == REFUND:
        desc = f"Refund for overcharge of {s.product_name} in the previous billing period"
    elif lt == EDP:
        desc = "Enterprise Program Discount"
    elif lt == UNUSED:
        desc = f"Unused {'Savings Plan' if c.kind == 'SavingsPlan' else 'Reserved Instance'} commitment ({c.arn})"
    else:
        desc = s.desc if s is not None else None
    d["desc"] = desc
    # reservation strings
    if ri and lt in (DISC, RI_FEE, FEE_RI_UP):
        d["ri_arn"] = c.arn
        d["ri_start"], d["ri_end"] = iso_h(c.start_h), iso_h(c.end_h)
        d["ri_sub"] = c.subscription_id
        if lt == RI_FEE:
            hours = float(sim.c_act[c.idx].sum())
            d["ri_mod"] = "Original"
            d["ri_nres"] = str(c.n)
            d["ri_units_per"] = f"{hours:g}"
            d["ri_nunits_per"] = f"{hours * c.nf:g}"
            d["ri_total_units"] = f"{c.n * hours:g}"
            d["ri_total_nunits"] = f"{c.n * hours * c.nf:g}"
    if sp and lt in (SP_COV, SP_NEG, SP_RECUR, SP_UPFRONT):
        d["sp_arn"] = c.arn
        d["sp_offering"] = c.offering
        d["sp_payment"] = c.payment_option
        d["sp_term"] = c.term
        d["sp_region"] = c.region
        d["sp_family"] = c.instance_family
        d["sp_start"], d["sp_end"] = iso_h(c.start_h), iso_h(c.end_h)
    d["resource_from_commitment"] = lt in (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP)
    # FOCUS
    cat = {USAGE: "Usage", DISC: "Usage", SP_COV: "Usage", UNUSED: "Usage", SP_RECUR: "Purchase",
           SP_UPFRONT: "Purchase", RI_FEE: "Purchase", FEE_RI_UP: "Purchase", FEE_SUPPORT: "Purchase",
           TAX: "Tax", CREDIT: "Credit", EDP: "Credit", REFUND: "Adjustment"}.get(lt)
    d["ChargeCategory"] = cat
    d["ChargeClass"] = "Correction" if lt == REFUND else None
    d["ChargeFrequency"] = {SP_RECUR: "Recurring", RI_FEE: "Recurring", FEE_SUPPORT: "Recurring", TAX: "Recurring",
                            SP_UPFRONT: "One-Time", FEE_RI_UP: "One-Time", CREDIT: "One-Time",
                            REFUND: "One-Time"}.get(lt, "Usage-Based")
    if lt == USAGE:
        pc = "Dynamic" if s.spot else "Standard"
    elif lt in (DISC, SP_COV, UNUSED):
        pc = "Committed"
    elif cat == "Purchase":
        pc = "Standard"
    elif lt == TAX:
        pc = None
    else:
        pc = "Other"
    d["PricingCategory"] = pc
    commit_row = c is not None and lt in (DISC, SP_COV, UNUSED, SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP)
    d["CommitmentDiscountId"] = c.arn if commit_row else None
    d["CommitmentDiscountCategory"] = ("Spend" if sp else "Usage") if commit_row else None
    d["CommitmentDiscountType"] = ("Savings Plan" if sp else "Reserved Instance") if commit_row else None
    d["CommitmentDiscountName"] = c.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1] if commit_row else None
    d["CommitmentDiscountStatus"] = ("Used" if lt in (DISC, SP_COV) else ("Unused" if lt == UNUSED else None)) \
        if commit_row else None
    d["CommitmentDiscountUnit"] = ("USD" if sp else "Hours") if commit_row else None
    consumed = lt in (USAGE, DISC, SP_COV)
    d["ConsumedUnit"] = s.unit if consumed else None
    priced = consumed or cat == "Purchase"
    d["PricingUnit"] = s.unit if priced and s is not None and s.unit and lt != UNUSED else None
    d["ListUnitPrice"] = s.od if consumed and s.od is not None else np.nan
    d["SkuId"] = s.sku_id if s is not None and s.key[0] != "product" and lt not in (TAX, CREDIT, REFUND, EDP) \
        and lt != UNUSED else None
    d["SkuPriceId"] = d["rate_code"] if consumed else None
    d["SkuMeter"] = s.sku_meter if d["SkuId"] else None
    d["ServiceName"] = s.product_name if s else None
    d["PublisherName"] = s.legal_entity if s else None
    d["RegionId"] = s.region if s else None
    d["FocusResourceType"] = (("Savings Plan" if sp else "Reserved Instance") if lt in (
        SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP, UNUSED) else (s.focus_resource_type if s else None))
    d["elig"] = elig
    sim._class_cache[ck] = d
    return d


def class_columns(sim: PeriodSim, classes: list[tuple], inv: np.ndarray, names: list[str],
                  numeric: tuple[str, ...] = ()) -> dict[str, pa.Array]:
    infos = [class_info(sim, *k) for k in classes]
    out = {}
    for name in names:
        values = [i.get(name) for i in infos]
        if name in numeric:
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)[inv]
        else:
            out[name] = take(pa.array(values, type=pa.string()), inv)
    return out


_CLASS_STR = ["lt_name", "bill_type", "operation", "rate", "net_rate", "public_rate", "term", "unit", "rate_code",
              "rate_id", "lease", "offering_class", "purchase_option", "tax_type", "desc", "ri_arn", "ri_start",
              "ri_end", "ri_sub", "ri_mod", "ri_nres", "ri_units_per", "ri_nunits_per", "ri_total_units",
              "ri_total_nunits", "sp_arn", "sp_offering", "sp_payment", "sp_term", "sp_region", "sp_family",
              "sp_start", "sp_end"]


def net_of(x: np.ndarray, elig: np.ndarray) -> np.ndarray:
    return np.where(elig, r10(x * (1.0 - EDP_RATE)), x)


def discount_map(disc: np.ndarray) -> pa.Array:
    has = ~np.isnan(disc)
    offsets = np.zeros(len(disc) + 1, np.int32)
    offsets[1:] = np.cumsum(has)
    m = int(has.sum())
    keys = const("edp_discount", m)
    items = pa.array(disc[has], type=pa.float64())
    return pa.MapArray.from_arrays(pa.array(offsets), keys, items)


def resource_strings(sim: PeriodSim, rows: Rows) -> dict[str, np.ndarray]:
    """Per-row resource-derived indices (tag profile, AZ, IAM)."""
    res = rows["res"]
    has = res >= 0
    safe = np.where(has, res, 0)
    tag = np.where(has, sim.res_tag[safe], 0)
    az = np.where(has, sim.res_az[safe], -1)
    iam = np.where(has & np.isin(rows["lt"], (USAGE,)), sim.res_iam[safe], -1)
    return {"tag": tag, "az": az, "iam": iam}


def cur_table(sim: PeriodSim, rows: Rows, start_row: int) -> pa.Table:
    org = sim.org
    v = OrgVocab.of(org)
    n = rows.n
    lt = rows["lt"]
    sku, acct, com = rows["sku"], rows["acct"], rows["com"]
    classes, inv = class_index(sim, rows)
    cc = class_columns(sim, classes, inv, _CLASS_STR)
    rs = resource_strings(sim, rows)
    cols: dict[str, pa.Array] = {}
    p0ms, p1ms = sim.p0 * MS_PER_HOUR, sim.p1 * MS_PER_HOUR
    cols["bill_bill_type"] = cc["bill_type"]
    cols["bill_billing_entity"] = take(v.sku["billing_entity"], sku)
    cols["bill_billing_period_end_date"] = ts(np.full(n, p1ms))
    cols["bill_billing_period_start_date"] = ts(np.full(n, p0ms))
    cols["bill_invoice_id"] = const(org.invoice_id(sim.period), n)
    cols["bill_invoicing_entity"] = const(INVOICING_ENTITY, n)
    cols["bill_payer_account_id"] = const(org.payer_account_id, n)
    cols["bill_payer_account_name"] = const(org.payer_account_name, n)
    cols["identity_line_item_id"] = line_item_ids(sim.period_seed, start_row, n)
    cols["identity_time_interval"] = interval_strings(rows["t0"], rows["t1"])
    cols["line_item_availability_zone"] = take(v.az, rs["az"])
    cost = rows["cost"]
    elig = rows["elig"]
    cols["line_item_blended_cost"] = f64(cost)
    cols["line_item_blended_rate"] = cc["rate"]
    cols["line_item_currency_code"] = const("USD", n)
    cols["line_item_iam_principal"] = take(v.iam, rs["iam"])
    cols["line_item_legal_entity"] = take(v.sku["legal_entity"], sku)
    cols["line_item_line_item_description"] = cc["desc"]
    cols["line_item_line_item_type"] = cc["lt_name"]
    cols["line_item_net_unblended_cost"] = f64(rows["net"])
    cols["line_item_net_unblended_rate"] = cc["net_rate"]
    nf = rows.get_f("nf")
    amount = rows.get_f("amount")
    cols["line_item_normalization_factor"] = f64(nf)
    cols["line_item_normalized_usage_amount"] = f64(r10(amount * nf))
    cols["line_item_operation"] = cc["operation"]
    cols["line_item_product_code"] = take(v.sku["product_code"], sku)
    res_idx = np.where(np.isin(lt, SPLIT_LTS), -1, rows["res"])
    from_commit = np.isin(lt, (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP))
    res_idx = np.where(from_commit, sim.n_res + com, res_idx)
    rid = take(sim.rid_vocab, res_idx)
    if np.isin(lt, SPLIT_LTS).any():
        pod_ids = take(sim.pod_vocab, rows["pod"])
        rid = pc.if_else(pa.array(np.isin(lt, SPLIT_LTS)), pod_ids, rid)
    cols["line_item_resource_id"] = rid
    cols["line_item_tax_type"] = cc["tax_type"]
    cols["line_item_unblended_cost"] = f64(cost)
    cols["line_item_unblended_rate"] = cc["rate"]
    cols["line_item_usage_account_id"] = take(v.acct_id, acct)
    cols["line_item_usage_account_name"] = take(v.acct_name, acct)
    cols["line_item_usage_amount"] = f64(amount)
    cols["line_item_usage_end_date"] = ts(rows["t1"])
    cols["line_item_usage_start_date"] = ts(rows["t0"])
    cols["line_item_usage_type"] = take(v.sku["usage_type"], sku)
    cols["pricing_currency"] = const("USD", n)
    cols["pricing_lease_contract_length"] = cc["lease"]
    cols["pricing_offering_class"] = cc["offering_class"]
    cols["pricing_public_on_demand_cost"] = f64(np.nan_to_num(rows.get_f("public"), nan=0.0))
    cols["pricing_public_on_demand_rate"] = cc["public_rate"]
    cols["pricing_purchase_option"] = cc["purchase_option"]
    cols["pricing_rate_code"] = cc["rate_code"]
    cols["pricing_rate_id"] = cc["rate_id"]
    cols["pricing_term"] = cc["term"]
    cols["pricing_unit"] = cc["unit"]
    # product
    cols["product"] = take(v.sku["pmap"], sku)
    for col, key in [("product_from_location", "from_location"), ("product_from_location_type", "from_location_type"),
                     ("product_from_region_code", "from_region"), ("product_instance_family", "instance_family"),
                     ("product_instance_type", "instance_type"), ("product_location", "location"),
                     ("product_location_type", "location_type"), ("product_operation", "operation"),
                     ("product_pricing_unit", "unit"), ("product_product_family", "family"),
                     ("product_region_code", "region"), ("product_servicecode", "servicecode"),
                     ("product_sku", "sku_id"), ("product_to_location", "to_location"),
                     ("product_to_location_type", "to_location_type"), ("product_to_region_code", "to_region"),
                     ("product_usagetype", "usage_type")]:
        cols[col] = take(v.sku[key], sku)
    # reservation
    ri_row = np.isin(lt, (DISC, RI_FEE, FEE_RI_UP))
    for col, key in [("reservation_amortized_upfront_cost_for_usage", "ri_amort_usage"),
                     ("reservation_amortized_upfront_fee_for_billing_period", "ri_amort_period"),
                     ("reservation_effective_cost", "ri_eff"),
                     ("reservation_recurring_fee_for_usage", "ri_recur_usage"),
                     ("reservation_unused_amortized_upfront_fee_for_billing_period", "ri_unused_amort"),
                     ("reservation_unused_quantity", "ri_unused_qty"),
                     ("reservation_unused_recurring_fee", "ri_unused_recur"),
                     ("reservation_upfront_value", "ri_upfront")]:
        cols[col] = f64(rows.get_f(key))
    for col, key in [("reservation_net_amortized_upfront_cost_for_usage", "ri_amort_usage"),
                     ("reservation_net_amortized_upfront_fee_for_billing_period", "ri_amort_period"),
                     ("reservation_net_effective_cost", "ri_eff"),
                     ("reservation_net_recurring_fee_for_usage", "ri_recur_usage"),
                     ("reservation_net_unused_amortized_upfront_fee_for_billing_period", "ri_unused_amort"),
                     ("reservation_net_unused_recurring_fee", "ri_unused_recur"),
                     ("reservation_net_upfront_value", "ri_upfront")]:
        cols[col] = f64(net_of(rows.get_f(key), elig))
    cols["reservation_unused_normalized_unit_quantity"] = f64(r10(rows.get_f("ri_unused_qty") * nf))
    cols["reservation_availability_zone"] = pa.nulls(n, pa.string())
    cols["reservation_end_time"] = cc["ri_end"]
    cols["reservation_modification_status"] = cc["ri_mod"]
    cols["reservation_normalized_units_per_reservation"] = cc["ri_nunits_per"]
    cols["reservation_number_of_reservations"] = cc["ri_nres"]
    cols["reservation_reservation_a_r_n"] = cc["ri_arn"]
    cols["reservation_start_time"] = cc["ri_start"]
    cols["reservation_subscription_id"] = cc["ri_sub"]
    cols["reservation_total_reserved_normalized_units"] = cc["ri_total_nunits"]
    cols["reservation_total_reserved_units"] = cc["ri_total_units"]
    cols["reservation_units_per_reservation"] = cc["ri_units_per"]
    del ri_row
    # savings plans
    cols["savings_plan_amortized_upfront_commitment_for_billing_period"] = f64(rows.get_f("sp_amort_up"))
    cols["savings_plan_net_amortized_upfront_commitment_for_billing_period"] = f64(
        net_of(rows.get_f("sp_amort_up"), elig))
    cols["savings_plan_recurring_commitment_for_billing_period"] = f64(rows.get_f("sp_recur"))
    cols["savings_plan_net_recurring_commitment_for_billing_period"] = f64(net_of(rows.get_f("sp_recur"), elig))
    cols["savings_plan_savings_plan_effective_cost"] = f64(rows.get_f("sp_eff"))
    cols["savings_plan_net_savings_plan_effective_cost"] = f64(net_of(rows.get_f("sp_eff"), elig))
    cols["savings_plan_savings_plan_rate"] = f64(rows.get_f("sp_rate"))
    cols["savings_plan_total_commitment_to_date"] = f64(rows.get_f("sp_total"))
    cols["savings_plan_used_commitment"] = f64(rows.get_f("sp_used"))
    cols["savings_plan_end_time"] = cc["sp_end"]
    cols["savings_plan_start_time"] = cc["sp_start"]
    cols["savings_plan_instance_type_family"] = cc["sp_family"]
    cols["savings_plan_offering_type"] = cc["sp_offering"]
    cols["savings_plan_payment_option"] = cc["sp_payment"]
    cols["savings_plan_purchase_term"] = cc["sp_term"]
    cols["savings_plan_region"] = cc["sp_region"]
    cols["savings_plan_savings_plan_a_r_n"] = cc["sp_arn"]
    # split cost allocation
    split = np.isin(lt, SPLIT_LTS)
    cols["split_line_item_actual_usage"] = f64(rows.get_f("split_actual"))
    cols["split_line_item_net_split_cost"] = f64(np.where(split, r10(rows.get_f("split_cost") * (1 - EDP_RATE)),
                                                          np.nan))
    cols["split_line_item_net_unused_cost"] = f64(np.where(split, r10(rows.get_f("split_unused") * (1 - EDP_RATE)),
                                                           np.nan))
    parent = take(sim.rid_vocab, np.where(split, rows["res"], -1))
    cols["split_line_item_parent_resource_id"] = parent
    cols["split_line_item_public_on_demand_split_cost"] = f64(rows.get_f("split_pub_cost"))
    cols["split_line_item_public_on_demand_unused_cost"] = f64(rows.get_f("split_pub_unused"))
    cols["split_line_item_reserved_usage"] = f64(rows.get_f("split_reserved"))
    cols["split_line_item_split_cost"] = f64(rows.get_f("split_cost"))
    cols["split_line_item_split_usage"] = f64(rows.get_f("split_usage"))
    cols["split_line_item_split_usage_ratio"] = f64(rows.get_f("split_ratio"))
    cols["split_line_item_unused_cost"] = f64(rows.get_f("split_unused"))
    # discounts, categories, tags
    disc = rows["disc"]
    cols["discount"] = discount_map(disc)
    cols["discount_bundled_discount"] = pa.nulls(n, pa.float64())
    cols["discount_total_discount"] = f64(disc)
    cols["cost_category"] = take(v.cost_category, acct)
    cols["resource_tags"] = take(v.resource_tags, rs["tag"])
    cols["tags"] = take(v.tags, rs["tag"].astype(np.int64) * v.n_acct + acct)
    arrays = [cols[f.name] if f.name in cols else pa.nulls(n, f.type) for f in CUR2_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=CUR2_SCHEMA)


__all__ = ["PeriodSim", "Rows", "cur_table", "LT_NAMES"]
