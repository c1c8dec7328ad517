"""Daily-billed resources (storage, requests, Lambda, DynamoDB, data transfer, other services,
marketplace) over a range of days and resources. A mixin of `period.PeriodSim`."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate import injected_anomalies
from infralyzer.exports.generate.model.clock import MS_PER_HOUR, add_months, overlap, period_hours
from infralyzer.exports.generate.model.hashing import normal_from_hash
from infralyzer.exports.generate.model.reference import K_SNAP
from infralyzer.exports.generate.simulation.rows import USAGE, Rows, finalize


class DailyCharges:
    """Charges of daily-billed resources."""

    def _daily_block(self, d0: int, d1: int, a: int, b: int) -> Rows:
        units = self._daily_units(d0, d1, a, b)
        if units is None:
            return Rows()
        u_r, u_d, u_l, u_sku, u_h = units
        qty = self._daily_quantities(d0, u_r, u_d, u_l, u_sku, u_h)
        return self._daily_rows(d0, u_r, u_d, u_sku, qty)

    def _daily_units(self, d0: int, d1: int, a: int, b: int) -> tuple | None:
        """(resource, day, SKU line, SKU, alive hours) of every daily line of resources a..b."""
        dr = self.dr
        day0 = self.p0 + np.arange(d0, d1, dtype=np.int64) * 24
        birth, death = dr["birth"][a:b], dr["death"][a:b]
        ov = overlap(day0[None, :], day0[None, :] + 24, birth[:, None], death[:, None]).astype(np.float64)
        r, d = np.nonzero(ov > 0)
        hrs = ov[r, d]
        rg = r + a  # index into period daily arrays
        cols = []
        for line in range(dr["sku"].shape[1]):
            m = dr["sku"][rg, line] >= 0
            if m.any():
                cols.append((rg[m], d[m], np.full(int(m.sum()), line), dr["sku"][rg[m], line], hrs[m]))
        if not cols:
            return None
        return tuple(np.concatenate([x[i] for x in cols]) for i in range(5))

    def _daily_quantities(self, d0: int, u_r, u_d, u_l, u_sku, u_h) -> np.ndarray:
        """Base quantity x alive hours (per-month units prorated), with day-to-day noise that depends
        only on (seed, day, resource, line)."""
        dr, t = self.dr, self.t
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
            z = normal_from_hash(key)
            sg = sigma[noisy]
            qty[noisy] = qty[noisy] * np.exp(np.clip(sg * z, -3 * sg, 3 * sg) - 0.5 * sg * sg)
        return injected_anomalies.apply(self, d0, u_r, u_d, u_sku, qty)

    def _daily_rows(self, d0: int, u_r, u_d, u_sku, qty) -> Rows:
        dr, t = self.dr, self.t
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
