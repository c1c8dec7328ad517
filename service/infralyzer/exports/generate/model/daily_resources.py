"""Daily-billed resources of the population: EBS volumes and snapshots, S3 buckets, Lambda functions,
DynamoDB tables, data transfer, other services and marketplace. A mixin of
`population.PopulationBuilder` (it draws from the builder's random generator, so the order of the
steps is part of the model)."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.clock import (
    CHURN_FROM_H,
    CHURN_TO_H,
    CORE_FROM_H,
    INF_H,
    WINDOW_START_H,
    hour_of_date,
)
from infralyzer.exports.generate.model.lifetimes import lifetimes
from infralyzer.exports.generate.model.prices import (
    MISC_SERVICES,
    ddb_sku,
    dt_sku,
    ebs_sku,
    lambda_sku,
    marketplace_sku,
    misc_sku,
    s3_sku,
)
from infralyzer.exports.generate.model.reference import (
    DAILY_LINES,
    K_DDB,
    K_DT,
    K_EBS,
    K_EC2,
    K_LAMBDA,
    K_MISC,
    K_MP,
    K_S3,
    K_SNAP,
)


class DailyResources:
    """Draws the daily-billed resources."""

    def _build_daily(self) -> None:
        self._ebs_volumes()
        self._ebs_snapshots()
        self._s3_buckets()
        self._lambda_functions()
        self._dynamodb_tables()
        self._data_transfer()
        self._other_services()
        self._marketplace()

    def daily(self, kind, acct, region, az, birth, death, skus, base, core=None, **extra):
        n = len(acct)
        part = dict(
            kind=np.full(n, kind, np.int8), acct=np.asarray(acct, np.int16), region=np.asarray(region, np.int16),
            az=np.asarray(az, np.int32), birth=np.asarray(birth, np.int64), death=np.asarray(death, np.int64),
            sku=np.asarray(skus, np.int32), base=np.asarray(base, np.float64),
            core=np.asarray(core if core is not None else (np.asarray(death) >= INF_H), bool),
        )
        for key, v in extra.items():
            part[key] = np.asarray(v)
        self.dr_parts.append(part)

    def _lines(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full((n, DAILY_LINES), -1, np.int32), np.zeros((n, DAILY_LINES), np.float64)

    def _ebs_volumes(self) -> None:
        """EBS volumes: one root volume per EC2 instance (incl. pools and hosts), 25 % a data volume."""
        rng, t = self.rng, self.t
        ec2 = [p for p in self.hr_parts if p["kind"][0] == K_EC2]
        acct = np.concatenate([p["acct"] for p in ec2])
        reg = np.concatenate([p["region"] for p in ec2])
        az = np.concatenate([p["az"] for p in ec2])
        birth = np.concatenate([p["birth"] for p in ec2])
        death = np.concatenate([p["death"] for p in ec2])
        n_inst = len(acct)
        data = rng.random(n_inst) < 0.25
        idx = np.concatenate([np.arange(n_inst), np.nonzero(data)[0]])
        is_data = np.concatenate([np.zeros(n_inst, bool), np.ones(int(data.sum()), bool)])
        n_std = max(3, int(round(0.05 * self.k)))  # standalone (often unattached) volumes
        nv = len(idx) + n_std
        v_acct = np.concatenate([acct[idx], self.pick_accounts(n_std)])
        v_reg = np.concatenate([reg[idx], self.pick_regions(n_std)])
        v_az = np.concatenate([az[idx], np.zeros(n_std, np.int32)])
        v_az[len(idx):] = self.az(v_reg[len(idx):])
        sb, sd, _ = lifetimes(rng, n_std, max(0.6, 3 / n_std), 24 * 150.0)
        v_birth = np.concatenate([birth[idx], sb])
        v_death = np.concatenate([death[idx], sd])
        # 10 % of data volumes outlive their instance (detached) by 1-6 months
        outlive = np.concatenate([is_data & (rng.random(len(idx)) < 0.1), np.zeros(n_std, bool)])
        finite = v_death < INF_H
        v_death = np.where(outlive & finite, v_death + rng.integers(720, 4320, nv), v_death)
        vtype = np.where(np.concatenate([is_data, np.ones(n_std, bool)]),
                         rng.choice(3, nv, p=[0.4, 0.45, 0.15]), rng.choice(2, nv, p=[0.6, 0.4]))
        size = np.where(np.concatenate([is_data, np.ones(n_std, bool)]),
                        np.round(np.exp(rng.normal(5.5, 0.9, nv))).clip(50, 4000),
                        rng.choice([8, 20, 30, 50, 100], nv)).astype(float)
        iops = np.where(vtype == 2, rng.integers(10, 100, nv) * 100, np.where(
            (vtype == 1) & (rng.random(nv) < 0.3), rng.integers(31, 80, nv) * 100, 3000)).astype(float)
        tput = np.where((vtype == 1) & (rng.random(nv) < 0.2), rng.choice([250, 500], nv), 125).astype(float)
        j0 = len(idx)
        vtype[j0:j0 + 3] = [0, 1, 2]
        iops[j0 + 1], tput[j0 + 1], iops[j0 + 2] = 6000.0, 250.0, 4000.0
        skus, base = self._lines(nv)
        names = ["gp2", "gp3", "io1"]
        for i in range(nv):
            region = self.regions[v_reg[i]][0]
            vt = names[vtype[i]]
            skus[i, 0] = ebs_sku(t, vt, region)
            base[i, 0] = size[i]
            j = 1
            if vt == "io1":
                skus[i, j], base[i, j] = ebs_sku(t, "io1_iops", region), iops[i]
                j += 1
            if vt == "gp3" and iops[i] > 3000:
                skus[i, j], base[i, j] = ebs_sku(t, "gp3_iops", region), iops[i] - 3000
                j += 1
            if vt == "gp3" and tput[i] > 125:
                skus[i, j], base[i, j] = ebs_sku(t, "gp3_tp", region), (tput[i] - 125) / 1024.0
        self.daily(K_EBS, v_acct, v_reg, v_az, v_birth, v_death, skus, base,
                   core=v_death >= INF_H, vtype=vtype, size=size,
                   attached=np.concatenate([np.ones(len(idx), bool), np.zeros(n_std, bool)]))

    def _ebs_snapshots(self) -> None:
        """EBS snapshots: legacy (created before 2020, kept), rolling ones and monthly backup chains."""
        rng, t = self.rng, self.t
        ns = self.n(3.0)
        n_leg = max(1, int(round(ns * 0.03)))
        m = ns - n_leg
        life = 24 * 30.0 * rng.uniform(2, 16, m)
        span = CHURN_TO_H - hour_of_date(2018, 1)
        b = hour_of_date(2018, 1) + ((np.arange(m) + rng.random(m)) * span / m).astype(np.int64)
        s_birth = np.concatenate([rng.integers(hour_of_date(2015, 1), WINDOW_START_H, n_leg), b])
        s_death = np.concatenate([np.full(n_leg, INF_H), b + life.astype(np.int64)])
        n_chain = max(1, int(round(0.02 * self.k)))
        step, keep = 730, 24 * 90
        per = (CHURN_TO_H - CHURN_FROM_H) // step
        cb = (CHURN_FROM_H + rng.integers(0, step, n_chain)[:, None] + np.arange(per)[None, :] * step).ravel()
        s_birth = np.concatenate([s_birth, cb])
        s_death = np.concatenate([s_death, cb + keep])
        ns = len(s_birth)
        s_acct = self.pick_accounts(ns)
        s_reg = self.pick_regions(ns)
        skus, base = self._lines(ns)
        for i in range(ns):
            skus[i, 0] = ebs_sku(t, "snap", self.regions[s_reg[i]][0])
        base[:, 0] = np.round(np.exp(rng.normal(4.0, 1.0, ns))).clip(1, 2000)
        self.daily(K_SNAP, s_acct, s_reg, np.full(ns, -1), s_birth, s_death, skus, base)

    def _s3_buckets(self):
        """S3 buckets: storage classes, requests and retrievals."""
        rng, t = self.rng, self.t
        nb = self.n(0.3)
        bb, bd, bcore = lifetimes(rng, nb, 0.85, 24 * 300.0)
        b_acct = self.pick_accounts(nb)
        b_reg = self.pick_regions(nb)
        skus, base = self._lines(nb)
        std_gb = np.exp(rng.normal(5.3, 1.4, nb))
        for i in range(nb):
            region = self.regions[b_reg[i]][0]
            lines = [("std", std_gb[i])]
            if rng.random() < 0.4:
                lines.append(("sia", std_gb[i] * rng.uniform(0.3, 3)))
            if rng.random() < 0.15:
                lines.append(("gir", std_gb[i] * rng.uniform(0.5, 5)))
            if rng.random() < 0.15:
                lines.append(("gda", std_gb[i] * rng.uniform(2, 20)))
            if rng.random() < 0.2:
                lines.append(("int_fa", std_gb[i] * rng.uniform(0.2, 1)))
                lines.append(("int_ia", std_gb[i] * rng.uniform(0.2, 2)))
            lines.append(("req1", np.exp(rng.normal(6.5, 1.3))))
            lines.append(("req2", np.exp(rng.normal(8.5, 1.3))))
            if any(x[0] == "sia" for x in lines):
                lines.append(("ret_sia", np.exp(rng.normal(-1.5, 1.0))))
            for j, (line, q) in enumerate(lines[:DAILY_LINES]):
                skus[i, j], base[i, j] = s3_sku(t, line, region), q
        self.daily(K_S3, b_acct, b_reg, np.full(nb, -1), bb, bd, skus, base, core=bcore)

    def _lambda_functions(self) -> None:
        """Lambda functions, x86 and arm64."""
        rng, t = self.rng, self.t
        nl = self.n(0.5, 2)
        lb, ld, lcore = lifetimes(rng, nl, max(0.85, 2 / nl), 24 * 180.0)
        l_acct = self.pick_accounts(nl)
        l_reg = self.pick_regions(nl)
        arm = rng.random(nl) < 0.3
        arm[0], arm[1] = True, False
        skus, base = self._lines(nl)
        base[:, 0] = np.exp(rng.normal(6.0, 1.3, nl))
        base[:, 1] = np.exp(rng.normal(8.0, 1.3, nl))
        for i in range(nl):
            region = self.regions[l_reg[i]][0]
            skus[i, 0] = lambda_sku(t, "gbs", region, bool(arm[i]))
            skus[i, 1] = lambda_sku(t, "req", region, bool(arm[i]))
        self.daily(K_LAMBDA, l_acct, l_reg, np.full(nl, -1), lb, ld, skus, base, core=lcore, arm=arm,
                   memory=rng.choice([128, 256, 512, 1024, 2048], nl))

    def _dynamodb_tables(self) -> None:
        """DynamoDB tables, provisioned and on-demand."""
        rng, t = self.rng, self.t
        nd = self.n(0.15, 2)
        db, dd, dcore = lifetimes(rng, nd, max(0.85, 2 / nd), 24 * 300.0)
        d_acct = self.pick_accounts(nd)
        d_reg = self.pick_regions(nd)
        prov = rng.random(nd) < 0.5
        prov[0], prov[1] = True, False
        skus, base = self._lines(nd)
        for i in range(nd):
            region = self.regions[d_reg[i]][0]
            if prov[i]:
                skus[i, 0], base[i, 0] = ddb_sku(t, "rcu", region), float(rng.integers(5, 500))
                skus[i, 1], base[i, 1] = ddb_sku(t, "wcu", region), float(rng.integers(5, 200))
            else:
                skus[i, 0], base[i, 0] = ddb_sku(t, "rru", region), float(np.exp(rng.normal(9, 1.5)))
                skus[i, 1], base[i, 1] = ddb_sku(t, "wru", region), float(np.exp(rng.normal(7.5, 1.5)))
            skus[i, 2], base[i, 2] = ddb_sku(t, "storage", region), float(np.exp(rng.normal(2.5, 1.3)))
        self.daily(K_DDB, d_acct, d_reg, np.full(nd, -1), db, dd, skus, base, core=dcore)

    def _data_transfer(self) -> None:
        """Data transfer of generic On-Demand instances (30 %), keyed by the instance id."""
        rng, t = self.rng, self.t
        g = self.generic
        sel = np.nonzero(rng.random(len(g["acct"])) < 0.3)[0]
        if len(sel) == 0 or not g["core"][sel].any():  # at least one long-lived instance with data transfer
            sel = np.union1d(sel, np.nonzero(g["core"])[0][:1])
        ndt = len(sel)
        skus, base = self._lines(ndt)
        nreg = len(self.regions)
        for j, i in enumerate(sel):
            region = self.regions[g["reg"][i]][0]
            skus[j, 0], base[j, 0] = dt_sku(t, "out", region), float(np.exp(rng.normal(-1.0, 1.2)))
            c = 1
            if rng.random() < 0.4:
                other = self.regions[(g["reg"][i] + 1 + rng.integers(0, nreg - 1)) % nreg][0]
                skus[j, c], base[j, c] = dt_sku(t, "interregion", region, other), float(np.exp(rng.normal(-1.5, 1)))
                c += 1
            if rng.random() < 0.5:
                skus[j, c], base[j, c] = dt_sku(t, "interaz", region), float(np.exp(rng.normal(-0.5, 1)))
        self.daily(K_DT, g["acct"][sel], g["reg"][sel], g["az"][sel], g["birth"][sel], g["death"][sel], skus, base,
                   core=g["core"][sel], generic_index=sel)

    def _other_services(self) -> None:
        """Other services per (account, region), no resource id."""
        rng, t = self.rng, self.t
        combos = [(a, r, p) for a in range(1, len(self.accounts)) for r in range(len(self.regions))
                  for p in MISC_SERVICES if not (MISC_SERVICES[p][6] and r > 0)]
        nm = min(len(combos), self.n(0.15, 4))
        pick = rng.choice(len(combos), nm, replace=False)
        r53 = next(i for i, c in enumerate(combos) if c[2] == "AmazonRoute53")
        if r53 not in pick:
            pick[0] = r53
        skus, base = self._lines(nm)
        m_acct = np.array([combos[i][0] for i in pick])
        m_reg = np.array([combos[i][1] for i in pick])
        for j, i in enumerate(pick):
            a, r, p = combos[i]
            skus[j, 0] = misc_sku(t, p, self.regions[r][0])
            base[j, 0] = {"AmazonCloudWatch": 40.0, "awskms": 6.0, "AWSQueueService": 20000.0,
                          "AmazonRoute53": 2.0}[p] * float(np.exp(rng.normal(0, 0.7)))
        self.daily(K_MISC, m_acct, m_reg, np.full(nm, -1), np.full(nm, CORE_FROM_H), np.full(nm, INF_H), skus, base)

    def _marketplace(self) -> None:
        """Marketplace subscription (one or two accounts)."""
        rng, t = self.rng, self.t
        nmp = 2 if len(self.linked) > 6 else 1
        skus, base = self._lines(nmp)
        skus[:, 0] = marketplace_sku(t)
        base[:, 0] = np.maximum(1.0, np.round(self.k * rng.uniform(0.05, 0.15, nmp)))  # monitored hosts
        self.daily(K_MP, np.arange(1, nmp + 1), np.zeros(nmp, int), np.full(nmp, -1), np.full(nmp, CORE_FROM_H),
                   np.full(nmp, INF_H), skus, base)
