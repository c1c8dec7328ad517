"""The monthly rows at the end of a period: RIFee and upfront fees, Support, Tax, Credits, Refund
and EdpDiscount. A mixin of `period.PeriodSim`."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.clock import MS_PER_HOUR
from infralyzer.exports.generate.simulation.rows import (
    CREDIT,
    EDP,
    FEE_RI_UP,
    FEE_SUPPORT,
    REFUND,
    RI_FEE,
    SP_UPFRONT,
    TAX,
    Rows,
    finalize,
    r10,
)


class MonthlyCharges:
    """The period's monthly charges, written after every usage block."""

    def _final_block(self) -> Rows:
        parts = self._commitment_fee_rows()
        parts.append(self._support_rows())
        names = [a.name for a in self.org.all_accounts]
        for rows in (self._tax_rows(), self._credit_rows(names), self._refund_rows(names)):
            if rows is not None:
                parts.append(rows)
        block = finalize(Rows.concat(parts))
        self._accumulate(block)  # adds the discounts of these fees to the EDP accumulator
        edp = self._edp_rows()
        if edp is not None:
            self.row_count += edp.n
            self.focus_count += edp.n
            block = Rows.concat([block, edp])
        self.ledger.close_edp()
        return block

    def _commitment_fee_rows(self) -> list[Rows]:
        """RIFee of every RI active in the period, and the upfront fee of a commitment starting in it."""
        org, t = self.org, self.t
        parts = []
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
        return parts

    def _support_rows(self) -> Rows:
        """Support (Business) per account: 10 / 7 / 5 / 3 % tiers of its recurring AWS charges, minimum $100."""
        t = self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
        sup = np.maximum(100.0, 0.10 * np.minimum(self.support_base, 10_000)
                         + 0.07 * np.clip(self.support_base - 10_000, 0, 70_000)
                         + 0.05 * np.clip(self.support_base - 80_000, 0, 170_000)
                         + 0.03 * np.clip(self.support_base - 250_000, 0, None))
        sup = np.round(sup, 2)
        s_sku = t.index[("support",)]
        accts = np.arange(self.n_acct, dtype=np.int32)
        self.ledger.add(FEE_SUPPORT, accts, np.full(self.n_acct, t.prod[s_sku]), sup, sup, np.zeros(self.n_acct), True)
        return Rows.make(self.n_acct, lt=FEE_SUPPORT, acct=accts, sku=s_sku, res=-1, t0=p0ms, t1=p1ms,
                         amount=1.0, cost=sup, public=0.0, elig=True)

    def _tax_rows(self) -> Rows | None:
        """Tax per account and product on the net charges (model)."""
        org, t = self.org, self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
        rates = np.array([a.tax_rate for a in org.all_accounts])
        base = self.ledger.prod_net.copy()
        tax = base * rates[:, None]
        ai, pi = np.nonzero((tax > 0.0000005) & (base > 0))
        if len(ai):
            tv = tax[ai, pi]
            skus = np.array([t.index[("product", t.products[p])] for p in pi], np.int32)
            self.ledger.add(TAX, ai.astype(np.int32), pi, tv, tv, np.zeros(len(ai)), False, taxable=False)
            return Rows.make(len(ai), lt=TAX, acct=ai.astype(np.int32), sku=skus, res=-1, t0=p0ms, t1=p1ms,
                             cost=tv, public=0.0, elig=False)
        return None

    def _credit_rows(self, names: list[str]) -> Rows | None:
        """Credits (AWS Activate): 30 % of the top three usage products of the sandbox (or last) account."""
        t = self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
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
            return Rows.make(len(top), lt=CREDIT, acct=ca, sku=skus, res=-1, t0=p0ms, t1=p1ms, cost=cv,
                             public=0.0, elig=False)
        return None

    def _refund_rows(self, names: list[str]) -> Rows | None:
        """Refund: 1 % of the EC2 charges of one production account."""
        t = self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
        ra = names.index("prod-payments") if "prod-payments" in names else 1
        ec2 = t.product_index.get("AmazonEC2")
        if ec2 is not None and self.ledger.prod_gross[ra, ec2] > 0:
            rv = -round(0.01 * float(self.ledger.prod_gross[ra, ec2]), 2)
            if rv < 0:
                self.ledger.add(REFUND, np.array([ra], np.int32), np.array([ec2]), np.array([rv]), np.array([rv]),
                                np.zeros(1), False, taxable=False)
                return Rows.make(1, lt=REFUND, acct=ra, sku=t.index[("product", "AmazonEC2")], res=-1,
                                 t0=p0ms, t1=p1ms, cost=rv, public=0.0, elig=False)
        return None

    def _edp_rows(self) -> Rows | None:
        """EdpDiscount rows: the sum of the discounts of the rows they summarise."""
        t = self.t
        p0ms, p1ms = self.p0 * MS_PER_HOUR, self.p1 * MS_PER_HOUR
        ai, pi, di = np.nonzero(np.abs(self.edp_acc) > 0)
        if len(ai):
            val = r10(self.edp_acc[ai, pi, di])
            if self.org.edp_daily:
                t0 = (self.p0 + di * 24) * MS_PER_HOUR
                t1 = t0 + 24 * MS_PER_HOUR
            else:
                t0, t1 = np.full(len(ai), p0ms), np.full(len(ai), p1ms)
            skus = np.array([t.index[("product", t.products[p])] for p in pi], np.int32)
            return finalize(Rows.make(len(ai), lt=EDP, acct=ai.astype(np.int32), sku=skus, res=-1, t0=t0, t1=t1,
                                      cost=val, public=0.0, elig=False))
        return None
