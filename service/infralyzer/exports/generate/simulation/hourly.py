"""Hourly-billed resources over a range of slots: usage lines, their coverage by RIs and Savings
Plans, the Savings Plan recurring fees of those slots and the split-cost child rows of container
hosts. A mixin of `period.PeriodSim` (it reads the period's state set up there)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.model.clock import MS_PER_HOUR, overlap
from infralyzer.exports.generate.simulation.commitment_cover import grouped_cover
from infralyzer.exports.generate.simulation.rows import (
    DISC,
    EPS,
    SP_COV,
    SP_NEG,
    SP_RECUR,
    SPLIT_ECS,
    SPLIT_EKS,
    USAGE,
    Rows,
    finalize,
    r10,
)


@dataclass
class UsageUnits:
    """The usage lines of a block of slots: one unit per (resource, slot, SKU line)."""

    res: np.ndarray  # resource index in the period's hourly resources
    slot: np.ndarray  # slot index within the block
    line: np.ndarray  # 0 = the resource's main SKU, 1 = its second line (Fargate GB-hours)
    sku: np.ndarray
    qty: np.ndarray
    od: np.ndarray  # public On-Demand rate
    rate: np.ndarray  # unblended rate (Spot price for Spot)
    acct: np.ndarray
    t0: np.ndarray  # ms
    t1: np.ndarray
    nf: np.ndarray
    prod: np.ndarray


class HourlyCharges:
    """Charges of hourly-billed resources."""

    def _hourly_block(self, s0: int, s1: int) -> Rows:
        st = self.slot0[s0:s1]
        u = self._usage_units(s0, s1, st)
        rem, pieces = self._cover_with_commitments(u, s0, s1)
        parts: list[Rows] = []
        left = np.nonzero(rem > 0)[0]
        if len(left):
            parts += self._on_demand_rows(u, left, rem)
        sp_used_model: dict[int, np.ndarray] = {}
        for idx, c, share in pieces:
            parts += self._commitment_rows(u, idx, c, share, sp_used_model, s1 - s0)
        block = finalize(Rows.concat(parts))
        fee_parts = self._sp_fee_rows(block, s0, s1, st, sp_used_model)
        if fee_parts:
            block = Rows.concat([block, finalize(Rows.concat(fee_parts))])
        self._accumulate(block)
        return block

    def _usage_units(self, s0: int, s1: int, st: np.ndarray) -> UsageUnits:
        """Active hours of each alive resource in each slot, times its quantity, per SKU line."""
        hr, t, sh = self.hr, self.t, self.slot_h
        ov = overlap(st[None, :], st[None, :] + sh, hr["birth"][:, None], hr["death"][:, None]).astype(np.float64)
        act = ov * self.sched_frac[hr["sched"].astype(np.int64)][:, s0:s1]
        r, s = np.nonzero(act > 0)
        hrs = act[r, s]
        u = []
        for line in (0, 1):
            m = hr["sku"][r, line] >= 0
            u.append((r[m], s[m], np.full(int(m.sum()), line), hr["sku"][r[m], line], hrs[m] * hr["q"][r[m], line]))
        u_r, u_s, u_l, u_sku, u_qty = (np.concatenate([x[i] for x in u]) for i in range(5))
        t0 = (st * MS_PER_HOUR)[u_s]
        return UsageUnits(res=u_r, slot=u_s, line=u_l, sku=u_sku, qty=u_qty, od=t.od[u_sku], rate=t.rate[u_sku],
                          acct=hr["acct"][u_r].astype(np.int32), t0=t0, t1=t0 + sh * MS_PER_HOUR, nf=t.nf[u_sku],
                          prod=t.prod[u_sku])

    def _cover_with_commitments(self, u: UsageUnits, s0: int, s1: int) -> tuple[np.ndarray, list]:
        """RIs first (exactly matching instances), then Savings Plans by savings percentage; the unit
        at the boundary of a slot's commitment is split. Returns the uncovered share of each unit and
        the covered pieces (unit indices, commitment, share)."""
        hr = self.hr
        rem = np.ones(len(u.res))
        pieces = []
        for c in self.commit_order:
            act_c = self.c_act[c.idx][s0:s1]
            if not act_c.any():
                continue
            if c.kind == "ReservedInstance":
                cand = np.nonzero((hr["ri"][u.res] == c.idx) & (u.line == 0) & (rem > EPS))[0]
                need = u.qty[cand] * rem[cand]
                prio = np.zeros(len(cand))
                cap = c.n * act_c
            else:
                spr_all = c.sp_rate[u.sku]
                cand = np.nonzero(hr["sp_ok"][u.res] & ~np.isnan(spr_all) & (rem > EPS))[0]
                spr = spr_all[cand]
                need = spr * u.qty[cand] * rem[cand]
                prio = 1.0 - spr / u.od[cand]
                cap = c.hourly * act_c
            frac = grouped_cover(u.slot[cand], prio, u.res[cand].astype(np.float64), need, cap)
            m = frac > 0
            idx = cand[m]
            share = frac[m] * rem[idx]
            pieces.append((idx, c, share))
            rem[idx] = rem[idx] - share
            rem[rem < EPS] = 0.0
        return rem, pieces

    def _on_demand_rows(self, u: UsageUnits, i: np.ndarray, rem: np.ndarray) -> list[Rows]:
        """Usage rows of the uncovered (On-Demand or Spot) share, and their split-cost children."""
        t = self.t
        amt = u.qty[i] * rem[i]
        cost = u.rate[i] * amt
        pub = u.od[i] * amt
        elig = t.aws[u.sku[i]]
        spot = t.spot[u.sku[i]]
        self.ledger.add(USAGE, u.acct[i], u.prod[i], cost, cost, pub, elig)
        self.coverage.add_usage(u.sku[i], pub, cost, spot)
        self.support_base += np.bincount(u.acct[i], weights=np.where(elig, cost, 0.0), minlength=self.n_acct)
        rows = Rows.make(len(i), lt=USAGE, acct=u.acct[i], sku=u.sku[i], res=u.res[i], t0=u.t0[i], t1=u.t1[i],
                         amount=amt, cost=cost, public=pub, nf=u.nf[i], elig=elig)
        self._spend_add(u.acct[i], u.sku[i], cost, amt)
        self._cat_opt(u.res[i], np.where(spot, 1, 0), amt)
        return [rows, self._split_children(u, i, amt, cost, pub)]

    def _commitment_rows(self, u: UsageUnits, idx: np.ndarray, c, share: np.ndarray, sp_used_model: dict,
                         n_slots: int) -> list[Rows]:
        """DiscountedUsage rows of an RI, or SavingsPlanCoveredUsage + negation rows of a Savings Plan."""
        amt = u.qty[idx] * share
        pub = u.od[idx] * amt
        acc = self.commit_acc[c.idx]
        acc["covered_public"] += float(pub.sum())
        if c.kind == "ReservedInstance":
            up = c.upfront_hourly * amt
            rec = c.recurring_hourly * amt
            eff = up + rec
            acc["used_hours"] += float(amt.sum())
            acc["used"] += float(eff.sum())
            self.ledger.add(DISC, u.acct[idx], u.prod[idx], np.zeros(len(idx)), eff, pub, True)
            self.coverage.add(ak.RESERVED, u.sku[idx], pub)
            rows = Rows.make(len(idx), lt=DISC, acct=u.acct[idx], sku=u.sku[idx], res=u.res[idx], com=c.idx,
                             t0=u.t0[idx], t1=u.t1[idx], amount=amt, cost=0.0, public=pub, nf=u.nf[idx],
                             ri_amort_usage=up, ri_recur_usage=rec, ri_eff=eff, elig=True)
            self._spend_add(u.acct[idx], u.sku[idx], np.zeros(len(idx)), amt)
            self._cat_opt(u.res[idx], 2, amt)
            return [rows]
        spr = c.sp_rate[u.sku[idx]]
        eff = spr * amt
        odc = u.od[idx] * amt
        acc["used"] += float(eff.sum())
        sp_used_model[c.idx] = sp_used_model.get(c.idx, np.zeros(n_slots)) + np.bincount(
            u.slot[idx], weights=eff, minlength=n_slots)
        self.ledger.add(SP_COV, u.acct[idx], u.prod[idx], odc, eff, pub, True)
        self.ledger.add(SP_NEG, u.acct[idx], u.prod[idx], -odc, np.zeros(len(idx)), -pub, True)
        self.coverage.add(ak.SAVINGS_PLAN, u.sku[idx], pub)
        common = dict(acct=u.acct[idx], sku=u.sku[idx], res=u.res[idx], com=c.idx, t0=u.t0[idx], t1=u.t1[idx],
                      elig=True)
        covered = Rows.make(len(idx), lt=SP_COV, amount=amt, cost=odc, public=pub, nf=u.nf[idx], sp_eff=eff,
                            sp_rate=spr, **common)
        negation = Rows.make(len(idx), lt=SP_NEG, amount=0.0, cost=-odc, public=-pub, nf=u.nf[idx], sp_rate=spr,
                             **common)
        self._spend_add(u.acct[idx], u.sku[idx], odc, amt)
        self._cat_opt(u.res[idx], 3, amt)
        return [covered, negation]

    def _sp_fee_rows(self, block: Rows, s0: int, s1: int, st: np.ndarray, sp_used_model: dict) -> list[Rows]:
        """Savings Plan recurring fee per plan and slot (used commitment = sum of the rounded covered rows)."""
        sh = self.slot_h
        ms0 = st * MS_PER_HOUR
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
        return fee_parts

    def _split_children(self, u: UsageUnits, i: np.ndarray, amt, cost, pub) -> Rows:
        """Split cost allocation: per container-host row, one child row per pod / task."""
        hr = self.hr
        r = u.res[i]
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
        sku = u.sku[i][j][rep]
        vc = self._vcpu(sku)
        split_cost = ratio * p_cost
        unused = (1.0 - util) * p_cost * ratio / util
        unb = split_cost + unused
        lt = np.where(hr["host"][rr][rep] == 1, SPLIT_EKS, SPLIT_ECS)
        usage = ratio * vc * p_amt
        self.ledger.add_split(len(rep), float(unb.sum()))
        return Rows.make(
            len(rep), lt=lt, acct=u.acct[i][j][rep], sku=sku, res=rr[rep], pod=pod, t0=u.t0[i][j][rep],
            t1=u.t1[i][j][rep], amount=p_amt * ratio / util, cost=unb, public=p_pub * ratio / util,
            split_ratio=ratio, split_usage=usage, split_actual=usage * 0.8, split_reserved=usage,
            split_cost=split_cost, split_unused=unused, split_pub_cost=ratio * p_pub,
            split_pub_unused=(1.0 - util) * p_pub * ratio / util, elig=False,
        )

    def _vcpu(self, sku: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_vcpu_of"):
            self._vcpu_of = np.array([float(s.pmap.get("vcpu") or 1.0) for s in self.t.items])
        return self._vcpu_of[sku]
