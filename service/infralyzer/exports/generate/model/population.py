"""The population of resources: hourly-billed (EC2, Fargate, RDS, EKS) and daily-billed (EBS,
snapshots, S3, Lambda, DynamoDB, data transfer, other services, marketplace), each with a lifetime
and a schedule, drawn for a scale k (deterministic in (seed, k))."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.accounts import Account
from infralyzer.exports.generate.model.clock import CORE_FROM_H, WINDOW_START_H
from infralyzer.exports.generate.model.daily_resources import DailyResources
from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.hourly_resources import HourlyResources
from infralyzer.exports.generate.model.prices import SkuTable
from infralyzer.exports.generate.model.reference import REGION_WEIGHTS


class PopulationBuilder(HourlyResources, DailyResources):
    """Draws the resource population for a given scale k (deterministic in (seed, k))."""

    def __init__(self, seed: int, k: float, n_regions: int, accounts: list[Account], regions: list[tuple],
                 granularity: str):
        self.seed, self.k = seed, k
        self.rng = rng_for(seed, 2, int(k * 1000))
        self.accounts = accounts  # all accounts, payer first
        self.linked = accounts[1:]
        self.regions = regions
        self.granularity = granularity
        self.t = SkuTable(regions)
        self.hr: dict[str, list] = {}
        self.dr: dict[str, list] = {}
        self.hr_parts: list[dict] = []
        self.dr_parts: list[dict] = []
        w = np.array([a.weight for a in self.linked])
        self.acct_p = w / w.sum()
        rw = np.array(REGION_WEIGHTS[: len(regions)])
        self.region_p = rw / rw.sum()
        self.region_index = {r[0]: i for i, r in enumerate(regions)}
        self._account_index = {a.name: i for i, a in enumerate(accounts)}

    def n(self, c: float, lo: int = 1) -> int:
        return max(lo, int(round(c * self.k)))

    def pick_accounts(self, n: int) -> np.ndarray:
        return 1 + self.rng.choice(len(self.linked), size=n, p=self.acct_p)

    def pick_regions(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.regions), size=n, p=self.region_p)

    def az(self, region_idx: np.ndarray) -> np.ndarray:
        return region_idx * 3 + self.rng.integers(0, 3, len(region_idx))

    def _account_named(self, name: str, fallback: int) -> int:
        return self._account_index.get(name, fallback)

    def _core_birth(self, m: int) -> np.ndarray:
        return self.rng.integers(CORE_FROM_H, WINDOW_START_H, m)

    def build(self) -> None:
        """Hourly resources first, then daily ones (root volumes follow the EC2 instances)."""
        self._build_hourly()
        self._build_daily()

    # ---------------------------------------------------------------- assemble
    @staticmethod
    def _concat(parts: list[dict]) -> dict:
        keys = set().union(*(p.keys() for p in parts))
        out = {}
        n = sum(len(p["kind"]) for p in parts)
        for k in keys:
            arrs = []
            for p in parts:
                if k in p:
                    arrs.append(p[k])
                else:
                    m = len(p["kind"])
                    ref = next(q[k] for q in parts if k in q)
                    fill = np.zeros((m,) + ref.shape[1:], dtype=ref.dtype)
                    if ref.dtype.kind in "iu":
                        fill[...] = -1 if k not in ("npods",) else 0
                    elif ref.dtype.kind == "f":
                        fill[...] = np.nan if k not in ("util",) else 0.0
                    elif ref.dtype.kind == "O":
                        fill[...] = None
                    arrs.append(fill)
            out[k] = np.concatenate(arrs)
        assert all(len(v) == n for v in out.values())
        return out
