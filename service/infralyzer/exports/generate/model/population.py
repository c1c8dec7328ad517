"""The population of resources: hourly-billed (EC2, Fargate, RDS, EKS) and daily-billed (EBS,
snapshots, S3, Lambda, DynamoDB, data transfer, other services, marketplace), each with a lifetime
and a schedule, drawn for a scale k (deterministic in (seed, k))."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.accounts import Account
from infralyzer.exports.generate.model.clock import (
    CHURN_FROM_H,
    CHURN_TO_H,
    CORE_FROM_H,
    INF_H,
    WINDOW_START_H,
    hour_of_date,
)
from infralyzer.exports.generate.model.hashing import rng_for
from infralyzer.exports.generate.model.prices import (
    SkuTable,
    ddb_sku,
    dt_sku,
    ebs_sku,
    ec2_sku,
    eks_cluster_sku,
    fargate_sku,
    MISC_SERVICES,
    lambda_sku,
    marketplace_sku,
    misc_sku,
    rds_sku,
    s3_sku,
)
from infralyzer.exports.generate.model.reference import (
    DAILY_LINES,
    EC2_FAMILIES,
    GENERIC_TYPES,
    HOST_TYPES,
    K_DDB,
    K_DT,
    K_EBS,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_LAMBDA,
    K_MISC,
    K_MP,
    K_RDS,
    K_S3,
    K_SNAP,
    RDS_ENGINES,
    RDS_TYPES,
    REGION_WEIGHTS,
)

def _lifetimes(rng, n: int, core_share: float, life_mean_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(birth, death, core) for n resources: core ones (born 2016-2020, never die) first."""
    n_core = int(round(n * core_share))
    birth = np.empty(n, dtype=np.int64)
    death = np.empty(n, dtype=np.int64)
    birth[:n_core] = rng.integers(CORE_FROM_H, WINDOW_START_H, n_core)
    death[:n_core] = INF_H
    m = n - n_core
    if m:
        span = CHURN_TO_H - CHURN_FROM_H
        b = CHURN_FROM_H + ((np.arange(m) + rng.random(m)) * span / m).astype(np.int64)
        life = (life_mean_h * rng.uniform(0.25, 1.75, m)).astype(np.int64) + 1
        birth[n_core:] = b
        death[n_core:] = b + life
    core = np.zeros(n, dtype=bool)
    core[:n_core] = True
    return birth, death, core


def _churn_births(n_alive: float, life_mean_h: float) -> int:
    """How many churn resources to create so that ~n_alive are alive at any time."""
    return int(round(n_alive * (CHURN_TO_H - CHURN_FROM_H) / life_mean_h))


class PopulationBuilder:
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

    def n(self, c: float, lo: int = 1) -> int:
        return max(lo, int(round(c * self.k)))

    def pick_accounts(self, n: int) -> np.ndarray:
        return 1 + self.rng.choice(len(self.linked), size=n, p=self.acct_p)

    def pick_regions(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.regions), size=n, p=self.region_p)

    def az(self, region_idx: np.ndarray) -> np.ndarray:
        return region_idx * 3 + self.rng.integers(0, 3, len(region_idx))

    # ---------------------------------------------------------------- hourly resources
    def hourly(self, kind, acct, region, az, birth, death, sched, sku0, q0, sku1=None, q1=None, ri=-1, sp_ok=True,
               host=0, role="generic", core=None, **extra):
        n = len(acct)
        part = dict(
            kind=np.full(n, kind, np.int8), acct=np.asarray(acct, np.int16), region=np.asarray(region, np.int16),
            az=np.asarray(az, np.int32), birth=np.asarray(birth, np.int64), death=np.asarray(death, np.int64),
            sched=np.asarray(sched, np.int8),
            sku=np.stack([np.asarray(sku0, np.int32),
                          np.asarray(sku1 if sku1 is not None else np.full(n, -1), np.int32)], axis=1),
            q=np.stack([np.asarray(q0, np.float64),
                        np.asarray(q1 if q1 is not None else np.zeros(n), np.float64)], axis=1),
            ri=np.full(n, ri, np.int16) if np.isscalar(ri) else np.asarray(ri, np.int16),
            sp_ok=np.full(n, sp_ok, bool) if np.isscalar(sp_ok) else np.asarray(sp_ok, bool),
            host=np.full(n, host, np.int8) if np.isscalar(host) else np.asarray(host, np.int8),
            role=np.full(n, role, object),
            core=np.asarray(core if core is not None else (death >= INF_H), bool),
        )
        for key, v in extra.items():
            part[key] = np.asarray(v)
        self.hr_parts.append(part)

    def ec2_population(self, n: int, core_share: float, life_h: float, types=None, type_w=None,
                       windows_p=0.12, spot_p=0.12, bh_core=0.15, bh_churn=0.35, role="generic"):
        rng = self.rng
        birth, death, core = _lifetimes(rng, n, core_share, life_h)
        types = types or [t for t, _ in GENERIC_TYPES]
        w = np.array(type_w or [wt for _, wt in GENERIC_TYPES], dtype=float)
        ti = rng.choice(len(types), size=n, p=w / w.sum())
        acct = self.pick_accounts(n)
        reg = self.pick_regions(n)
        az = self.az(reg)
        grav = np.array([EC2_FAMILIES[types[i].split(".")[0]][0] == "Graviton" for i in ti])
        win = (rng.random(n) < windows_p) & ~grav
        spot = (rng.random(n) < spot_p) & ~win
        if role == "generic":  # archetypes present at any scale: Spot, Windows AMD, Graviton, previous generation
            for j, (itype, w, sp) in enumerate([("c5.large", False, True), ("m5a.large", True, False),
                                                ("m6g.large", False, False), ("m4.large", False, False)]):
                if j < n and core[j]:
                    ti[j], win[j], spot[j] = types.index(itype), w, sp
        sched = np.where(core, rng.random(n) < bh_core, rng.random(n) < bh_churn).astype(np.int8)
        sku = np.array([ec2_sku(self.t, types[ti[i]], self.regions[reg[i]][0], "Windows" if win[i] else "Linux",
                                bool(spot[i])) for i in range(n)], dtype=np.int32)
        self.hourly(K_EC2, acct, reg, az, birth, death, sched, sku, np.ones(n), role=role, core=core,
                    sp_ok=~spot)
        return dict(birth=birth, death=death, core=core, acct=acct, reg=reg, az=az, sku=sku, sched=sched, spot=spot)

    def build(self):
        rng, k = self.rng, self.k
        life_ec2 = 24 * 120.0
        n_alive_churn = 0.22 * k
        n_core = self.n(1.0, 4)
        n_churn = _churn_births(n_alive_churn, life_ec2) if k >= 2 else 0
        pop = self.ec2_population(n_core + n_churn, n_core / max(1, n_core + n_churn), life_ec2)
        self.generic = pop
        reg_idx = {r[0]: i for i, r in enumerate(self.regions)}
        acct_by_name = {a.name: i for i, a in enumerate(self.accounts)}

        def acct_named(name: str, fallback: int) -> int:
            return acct_by_name.get(name, fallback)

        core_birth = lambda m: rng.integers(CORE_FROM_H, WINDOW_START_H, m)  # noqa: E731
        # --- RI / SP pools (core, dedicated), all shared tenancy Linux
        self.pool = {}
        for name, itype, region, acct_name, n_ao, n_bh, os_ in [
            ("RI-A", "m5.xlarge", "us-east-1", "prod-platform", self.n(0.03), 0, "Linux"),
            ("RI-B", "c5.2xlarge", "eu-west-1", "prod-data", self.n(0.02), self.n(0.02), "Linux"),
            ("SP-EI", "r5.xlarge", "us-west-2", "prod-payments", self.n(0.04), self.n(0.04), "Linux"),
        ]:
            m = n_ao + n_bh
            ri_i = reg_idx[region]
            a = acct_named(acct_name, 1)
            sku = ec2_sku(self.t, itype, region, os_, False)
            if name == "SP-EI":  # mixed sizes and OS inside the EC2 Instance SP family
                skus = [ec2_sku(self.t, ("r5.large", "r5.xlarge", "r5.2xlarge")[j % 3], region,
                                "Windows" if j % 5 == 4 else "Linux", False) for j in range(m)]
            else:
                skus = [sku] * m
            sched = np.array([0] * n_ao + [1] * n_bh, np.int8)
            self.hourly(K_EC2, np.full(m, a), np.full(m, ri_i), self.az(np.full(m, ri_i)), core_birth(m),
                        np.full(m, INF_H), sched, skus, np.ones(m), role=name, core=np.ones(m, bool))
            self.pool[name] = (n_ao, n_bh, skus)
        # --- container hosts (never covered by commitments) with EKS / ECS split cost allocation
        n_hosts = self.n(0.08, 2)
        hi = rng.integers(0, len(HOST_TYPES), n_hosts)
        h_acct = self.pick_accounts(n_hosts)
        h_reg = self.pick_regions(n_hosts)
        h_spot = rng.random(n_hosts) < 0.5
        host_kind = np.where(rng.random(n_hosts) < 0.7, 1, 2).astype(np.int8)  # 1 EKS, 2 ECS
        host_kind[0], host_kind[1] = 1, 2
        h_spot[0], h_spot[1] = True, False
        h_sku = [ec2_sku(self.t, HOST_TYPES[hi[i]], self.regions[h_reg[i]][0], "Linux", bool(h_spot[i]))
                 for i in range(n_hosts)]
        npods = rng.integers(2, 5, n_hosts).astype(np.int16)
        npods[:2] = 2
        util = rng.uniform(0.55, 0.9, n_hosts)
        self.hourly(K_EC2, h_acct, h_reg, self.az(h_reg), core_birth(n_hosts), np.full(n_hosts, INF_H),
                    np.zeros(n_hosts, np.int8), h_sku, np.ones(n_hosts), host=host_kind, sp_ok=False,
                    role="host", core=np.ones(n_hosts, bool), npods=npods, util=util)
        # --- EKS clusters (one per account x region with EKS hosts)
        clusters = sorted({(int(h_acct[i]), int(h_reg[i])) for i in range(n_hosts) if host_kind[i] == 1})
        if clusters:
            m = len(clusters)
            ca = np.array([c[0] for c in clusters])
            cr = np.array([c[1] for c in clusters])
            self.hourly(K_EKS, ca, cr, np.full(m, -1), core_birth(m), np.full(m, INF_H), np.zeros(m, np.int8),
                        [eks_cluster_sku(self.t, self.regions[r][0]) for r in cr], np.ones(m), sp_ok=False,
                        role="eks", core=np.ones(m, bool))
        # --- Fargate services (ECS and EKS), some ARM
        nf = self.n(0.12, 2)
        fb, fd, fcore = _lifetimes(rng, nf, max(0.8, 2 / nf), 24 * 200.0)
        f_acct = self.pick_accounts(nf)
        f_reg = self.pick_regions(nf)
        arm = rng.random(nf) < 0.25
        arm[0], arm[1] = False, True
        prod = np.where(rng.random(nf) < 0.7, "AmazonECS", "AmazonEKS")
        prod[0], prod[1] = "AmazonECS", "AmazonEKS"  # both kinds even in a tiny organisation
        vcpu = rng.choice([0.25, 0.5, 1.0, 2.0, 4.0], nf, p=[0.15, 0.3, 0.3, 0.15, 0.1])
        gb = vcpu * rng.choice([2.0, 4.0, 8.0], nf)
        tasks = rng.integers(1, 4, nf)
        f_sched = (rng.random(nf) < 0.2).astype(np.int8)
        f_sched[0], f_sched[1] = 0, 1  # the EKS one runs business hours only
        self.hourly(
            K_FARGATE, f_acct, f_reg, np.full(nf, -1), fb, fd, f_sched,
            [fargate_sku(self.t, "vcpu", self.regions[f_reg[i]][0], bool(arm[i]), prod[i]) for i in range(nf)],
            vcpu * tasks,
            [fargate_sku(self.t, "gb", self.regions[f_reg[i]][0], bool(arm[i]), prod[i]) for i in range(nf)],
            gb * tasks, role="fargate", core=fcore,
        )
        # --- RDS instances
        nr = self.n(0.12, 3)
        rb, rd, rcore = _lifetimes(rng, nr, max(0.85, 3 / nr), 24 * 240.0)
        r_acct = self.pick_accounts(nr)
        r_reg = self.pick_regions(nr)
        engines = list(RDS_ENGINES)
        ew = np.array([RDS_ENGINES[e][5] for e in engines])
        eng = rng.choice(len(engines), nr, p=ew / ew.sum())
        eng[:3] = [engines.index("Oracle"), engines.index("SQL Server"), engines.index("MySQL")]
        rtypes = list(RDS_TYPES)
        r_sku, r_az = [], []
        multi = rng.random(nr) < 0.3
        for i in range(nr):
            e = engines[eng[i]]
            choices = [t for t in rtypes if RDS_ENGINES[e][4] or RDS_TYPES[t][2] != "Graviton"]
            if e == "Aurora PostgreSQL":
                choices = [t for t in choices if ".r" in t]
            itype = choices[rng.integers(0, len(choices))]
            r_sku.append(rds_sku(self.t, itype, self.regions[r_reg[i]][0], e, bool(multi[i])))
        r_az = np.where(multi, -1, self.az(r_reg))
        self.hourly(K_RDS, r_acct, r_reg, r_az, rb, rd, np.zeros(nr, np.int8), r_sku, np.ones(nr), sp_ok=False,
                    role="rds", core=rcore)
        # RDS RI pool
        n_rp = self.n(0.02)
        ue1 = reg_idx["us-east-1"]
        rp_sku = rds_sku(self.t, "db.r6g.large", "us-east-1", "PostgreSQL", False)
        self.hourly(K_RDS, np.full(n_rp, acct_named("prod-payments", 1)), np.full(n_rp, ue1),
                    self.az(np.full(n_rp, ue1)), core_birth(n_rp), np.full(n_rp, INF_H),
                    np.zeros(n_rp, np.int8), np.full(n_rp, rp_sku), np.ones(n_rp), sp_ok=False, role="RI-RDS",
                    core=np.ones(n_rp, bool))
        self.pool["RI-RDS"] = (n_rp, 0, [rp_sku])
        self._build_daily()

    # ---------------------------------------------------------------- daily resources
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

    def _build_daily(self):
        rng, t = self.rng, self.t
        # --- EBS volumes: one root volume per EC2 instance (incl. pools and hosts), 25 % a data volume
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
        sb, sd, _ = _lifetimes(rng, n_std, max(0.6, 3 / n_std), 24 * 150.0)
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
        # --- EBS snapshots: legacy (created before 2020, kept) and rolling
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
        # --- S3 buckets
        nb = self.n(0.3)
        bb, bd, bcore = _lifetimes(rng, nb, 0.85, 24 * 300.0)
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
        # --- Lambda functions
        nl = self.n(0.5, 2)
        lb, ld, lcore = _lifetimes(rng, nl, max(0.85, 2 / nl), 24 * 180.0)
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
        # --- DynamoDB tables
        nd = self.n(0.15, 2)
        db, dd, dcore = _lifetimes(rng, nd, max(0.85, 2 / nd), 24 * 300.0)
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
        # --- data transfer of generic On-Demand instances (30 %), keyed by the instance id
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
        # --- other services per (account, region), no resource id
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
        # --- marketplace subscription (one or two accounts)
        nmp = 2 if len(self.linked) > 6 else 1
        skus, base = self._lines(nmp)
        skus[:, 0] = marketplace_sku(t)
        base[:, 0] = np.maximum(1.0, np.round(self.k * rng.uniform(0.05, 0.15, nmp)))  # monitored hosts
        self.daily(K_MP, np.arange(1, nmp + 1), np.zeros(nmp, int), np.full(nmp, -1), np.full(nmp, CORE_FROM_H),
                   np.full(nmp, INF_H), skus, base)

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
