"""A block of simulated rows: the internal line item types and the numeric fields of a row."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.reference import EDP_RATE

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
