"""Hourly-billed resources of the population: EC2 instances (generic, commitment pools, container
hosts), EKS clusters, Fargate services and RDS instances. A mixin of `population.PopulationBuilder`
(it draws from the builder's random generator, so the order of the steps is part of the model)."""

from __future__ import annotations

import numpy as np

from infralyzer.exports.generate.model.clock import INF_H
from infralyzer.exports.generate.model.lifetimes import churn_births, lifetimes
from infralyzer.exports.generate.model.prices import ec2_sku, eks_cluster_sku, fargate_sku, rds_sku
from infralyzer.exports.generate.model.reference import (
    EC2_FAMILIES,
    GENERIC_TYPES,
    HOST_TYPES,
    K_EC2,
    K_EKS,
    K_FARGATE,
    K_RDS,
    RDS_ENGINES,
    RDS_TYPES,
)


class HourlyResources:
    """Draws the hourly-billed resources."""

    def _build_hourly(self) -> None:
        self._generic_instances()
        self._commitment_pools()
        hosts = self._container_hosts()
        self._eks_clusters(*hosts)
        self._fargate_services()
        self._rds_instances()
        self._rds_pool()

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
        birth, death, core = lifetimes(rng, n, core_share, life_h)
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

    def _generic_instances(self) -> None:
        """Generic instances: core ones and, from k >= 2, churning ones."""
        k = self.k
        life_ec2 = 24 * 120.0
        n_alive_churn = 0.22 * k
        n_core = self.n(1.0, 4)
        n_churn = churn_births(n_alive_churn, life_ec2) if k >= 2 else 0
        pop = self.ec2_population(n_core + n_churn, n_core / max(1, n_core + n_churn), life_ec2)
        self.generic = pop

    def _commitment_pools(self) -> None:
        """RI / SP pools (core, dedicated), all shared tenancy Linux."""
        self.pool = {}
        for name, itype, region, acct_name, n_ao, n_bh, os_ in [
            ("RI-A", "m5.xlarge", "us-east-1", "prod-platform", self.n(0.03), 0, "Linux"),
            ("RI-B", "c5.2xlarge", "eu-west-1", "prod-data", self.n(0.02), self.n(0.02), "Linux"),
            ("SP-EI", "r5.xlarge", "us-west-2", "prod-payments", self.n(0.04), self.n(0.04), "Linux"),
        ]:
            m = n_ao + n_bh
            ri_i = self.region_index[region]
            a = self._account_named(acct_name, 1)
            sku = ec2_sku(self.t, itype, region, os_, False)
            if name == "SP-EI":  # mixed sizes and OS inside the EC2 Instance SP family
                skus = [ec2_sku(self.t, ("r5.large", "r5.xlarge", "r5.2xlarge")[j % 3], region,
                                "Windows" if j % 5 == 4 else "Linux", False) for j in range(m)]
            else:
                skus = [sku] * m
            sched = np.array([0] * n_ao + [1] * n_bh, np.int8)
            self.hourly(K_EC2, np.full(m, a), np.full(m, ri_i), self.az(np.full(m, ri_i)), self._core_birth(m),
                        np.full(m, INF_H), sched, skus, np.ones(m), role=name, core=np.ones(m, bool))
            self.pool[name] = (n_ao, n_bh, skus)

    def _container_hosts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Container hosts (never covered by commitments) with EKS / ECS split cost allocation."""
        rng = self.rng
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
        self.hourly(K_EC2, h_acct, h_reg, self.az(h_reg), self._core_birth(n_hosts), np.full(n_hosts, INF_H),
                    np.zeros(n_hosts, np.int8), h_sku, np.ones(n_hosts), host=host_kind, sp_ok=False,
                    role="host", core=np.ones(n_hosts, bool), npods=npods, util=util)
        return h_acct, h_reg, host_kind

    def _eks_clusters(self, h_acct: np.ndarray, h_reg: np.ndarray, host_kind: np.ndarray) -> None:
        """EKS clusters: one per account x region with EKS hosts."""
        n_hosts = len(h_acct)
        clusters = sorted({(int(h_acct[i]), int(h_reg[i])) for i in range(n_hosts) if host_kind[i] == 1})
        if clusters:
            m = len(clusters)
            ca = np.array([c[0] for c in clusters])
            cr = np.array([c[1] for c in clusters])
            self.hourly(K_EKS, ca, cr, np.full(m, -1), self._core_birth(m), np.full(m, INF_H), np.zeros(m, np.int8),
                        [eks_cluster_sku(self.t, self.regions[r][0]) for r in cr], np.ones(m), sp_ok=False,
                        role="eks", core=np.ones(m, bool))

    def _fargate_services(self) -> None:
        """Fargate services (ECS and EKS), some ARM."""
        rng = self.rng
        nf = self.n(0.12, 2)
        fb, fd, fcore = lifetimes(rng, nf, max(0.8, 2 / nf), 24 * 200.0)
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

    def _rds_instances(self) -> None:
        """RDS instances; an Oracle, a SQL Server and a MySQL one at any scale."""
        rng = self.rng
        nr = self.n(0.12, 3)
        rb, rd, rcore = lifetimes(rng, nr, max(0.85, 3 / nr), 24 * 240.0)
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

    def _rds_pool(self) -> None:
        """The running instances of the RDS Reserved Instance (core)."""
        n_rp = self.n(0.02)
        ue1 = self.region_index["us-east-1"]
        rp_sku = rds_sku(self.t, "db.r6g.large", "us-east-1", "PostgreSQL", False)
        self.hourly(K_RDS, np.full(n_rp, self._account_named("prod-payments", 1)), np.full(n_rp, ue1),
                    self.az(np.full(n_rp, ue1)), self._core_birth(n_rp), np.full(n_rp, INF_H),
                    np.zeros(n_rp, np.int8), np.full(n_rp, rp_sku), np.ones(n_rp), sp_ok=False, role="RI-RDS",
                    core=np.ones(n_rp, bool))
        self.pool["RI-RDS"] = (n_rp, 0, [rp_sku])
