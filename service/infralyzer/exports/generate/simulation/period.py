"""One billing period of the organisation, simulated in blocks of rows.

`PeriodSim(org, period, revision)` walks the period in blocks and yields `Rows` (a dict of numpy
arrays with the *meaning* of each row: line item type, account, SKU, resource, commitment, times,
quantities and costs). `writers.cur.cur_table(sim, rows)` turns a block into an Arrow table of
exactly `CUR2_SCHEMA`; `writers.focus.focus_table(sim, rows)` turns the same block into FOCUS 1.2
rows, so both exports describe the same charges. Everything is numpy-vectorised per block (no
Python loop per row); a block holds at most `block_rows` usage rows (default 100k) so memory stays
bounded. While the blocks are walked, the answer-key ledger and the period's results accumulate.

Blocks, one module each: (1) `hourly.py`: hourly-billed resources over a range of slots (hours, or
days at DAILY granularity): usage lines, commitment coverage, Savings Plan recurring fees of those
slots, split-cost child rows; (2) `daily.py`: daily resources (storage, requests, Lambda, DynamoDB,
data transfer, other services, marketplace) over a range of days and resources; (3) `monthly.py`:
the monthly rows at the end: RIFee, upfront fees, Support, Tax, Credits, Refund, EdpDiscount.
`results.py` holds the accumulators and what the period adds up to.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from infralyzer.exports.generate import answer_key as ak
from infralyzer.exports.generate.model.clock import overlap, period_hours, period_int
from infralyzer.exports.generate.model.hashing import hex_strings, rng_for, stable_int
from infralyzer.exports.generate.model.organisation_model import OrganisationModel
from infralyzer.exports.generate.model.reference import EDP_RATE, K_EC2
from infralyzer.exports.generate.simulation.commitment_cover import commit_scope
from infralyzer.exports.generate.simulation.daily import DailyCharges
from infralyzer.exports.generate.simulation.hourly import HourlyCharges
from infralyzer.exports.generate.simulation.monthly import MonthlyCharges
from infralyzer.exports.generate.simulation.results import PeriodResults


class PeriodSim(HourlyCharges, DailyCharges, MonthlyCharges, PeriodResults):
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
            self.c_act[c.idx] = overlap(self.slot0, self.slot0 + self.slot_h, c.start_h, c.end_h).astype(np.float64)
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
