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
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pyarrow as pa

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.model.clock import MS_PER_HOUR, add_months, period_hours, period_int
from infralyzer.exports.generate.model.hashing import hex_strings, rng_for, splitmix64, stable_int
from infralyzer.exports.generate.model.organisation_model import OrganisationModel
from infralyzer.exports.generate.model.reference import (
    EDP_RATE,
    K_DDB,
    K_EBS,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_LAMBDA,
    K_RDS,
    K_S3,
    K_SNAP,
)
from infralyzer.exports.generate.simulation.rows import (
    CREDIT,
    DISC,
    EDP,
    EPS,
    FEE_RI_UP,
    FEE_SUPPORT,
    REFUND,
    RI_FEE,
    SP_COV,
    SP_NEG,
    SP_RECUR,
    SP_UPFRONT,
    SPLIT_EKS,
    SPLIT_ECS,
    SPLIT_LTS,
    TAX,
    USAGE,
    Rows,
    finalize,
    r10,
)

def catalogue_schema() -> dict:
    return {
        "resource_id": pl.String, "account_id": pl.String, "region": pl.String, "product_code": pl.String,
        "resource_type": pl.String, "instance_type": pl.String, "usage_type": pl.String, "processor": pl.String,
        "operating_system": pl.String, "purchase_option": pl.String, "public_on_demand_cost": pl.Float64,
        "unblended_cost": pl.Float64, "tags": pl.String,
    }


def tags_json(profile: dict) -> str | None:
    return json.dumps(profile, sort_keys=True) if profile else None


def commit_scope(org: OrganisationModel) -> np.ndarray:
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

    def __init__(self, org: OrganisationModel, period: str, revision: int = 0, block_rows: int = 100_000):
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
