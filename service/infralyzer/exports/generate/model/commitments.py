"""Reserved Instances and Savings Plans of the payer, placed relative to the anchor period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infralyzer.exports.generate.model.clock import TERM_1Y_H, TERM_3Y_H, add_months, period_hours
from infralyzer.exports.generate.model.hashing import stable_int, token
from infralyzer.exports.generate.model.prices import Sku, SkuTable, ec2_type_info
from infralyzer.exports.generate.model.reference import PRODUCT_NAMES


@dataclass
class Commitment:
    idx: int
    arn: str
    kind: str  # "SavingsPlan" | "ReservedInstance"
    name: str  # short label
    offering: str  # SP: ComputeSavingsPlans/EC2InstanceSavingsPlans; RI: standard/convertible
    payment_option: str  # "No Upfront" | "Partial Upfront" | "All Upfront"
    term: str  # "1yr" | "3yr"
    start_h: int
    end_h: int
    product_code: str
    region: str | None
    instance_family: str | None = None
    instance_type: str | None = None
    n: int = 0  # RI: number of reservations
    hourly: float = 0.0  # SP: hourly commitment H; RI: effective cost per reservation-hour
    upfront: float = 0.0  # total upfront payment
    upfront_hourly: float = 0.0  # SP: H x upfront share; RI: per reservation-hour
    recurring_hourly: float = 0.0  # SP: H x (1 - upfront share); RI: per reservation-hour
    nf: float = 0.0  # RI normalization factor
    fee_sku: int = -1
    subscription_id: str = ""
    target_utilisation: str = ""
    sp_rate: np.ndarray | None = None  # per SKU (NaN = not eligible)
    engine: str | None = None
    os: str | None = None

    @property
    def term_hours(self) -> int:
        return self.end_h - self.start_h

    @property
    def payment_key(self) -> str:
        return self.payment_option.replace(" ", "")


SP_DISCOUNT = {"C1": 0.50, "EI": 0.40}


def _family_factor(fam: str) -> float:
    return 0.9 + 0.2 * ((stable_int("spfam", fam) % 1000) / 1000.0)


def sp_rates(t: SkuTable, c: Commitment, base_discount: float) -> np.ndarray:
    """SP rate per SKU for the SKUs this plan may cover (NaN elsewhere)."""
    out = np.full(len(t.items), np.nan)
    for i, s in enumerate(t.items):
        if s.key[0] == "ec2" and not s.spot:
            itype, region = s.key[1], s.key[2]
            fam = itype.split(".")[0]
            if c.offering == "EC2InstanceSavingsPlans" and not (fam == c.instance_family and region == c.region):
                continue
            info = ec2_type_info(itype)
            rr = t.regions[t.region_index[region]]
            linux = round(info["linux_od"] * rr[3], 4)
            d = base_discount * _family_factor(fam)
            out[i] = round(linux * (1.0 - d) + (s.od - linux), 8)
        elif s.key[0] == "fargate" and c.offering == "ComputeSavingsPlans":
            out[i] = round(s.od * (1.0 - 0.9 * base_discount), 8)
    return out


def place_commitments(seed: int, payer: str, anchor: str, t: SkuTable, hr: dict, pool: dict,
                      regions: list[tuple]) -> list[Commitment]:
    """The five commitments (see the module doc of organisation.py), their fee SKUs, and `hr["ri"]`
    (the RI that may cover each hourly resource)."""
    return _Placement(seed, payer, anchor, t, hr, pool, regions).place()


def _hour_of(base_h: int, days: int, hour: int) -> int:
    return base_h + days * 24 + hour


class _Placement:
    """Places the commitments of the payer relative to the anchor period, on the pools of the population."""

    def __init__(self, seed: int, payer: str, anchor: str, t: SkuTable, hr: dict, pool: dict, regions: list[tuple]):
        self.seed, self.payer, self.anchor = seed, payer, anchor
        self.t, self.hr, self.pool, self.regions = t, hr, pool, regions
        self.anchor_end_h = period_hours(anchor)[1]

    def place(self) -> list[Commitment]:
        hr = self.hr
        reservations = [self._ri_ec2_standard(), self._ri_ec2_convertible(), self._ri_rds()]
        hr["ri"] = np.full(len(hr["kind"]), -1, np.int16)
        for c in reservations:
            hr["ri"][hr["role"] == c.name] = c.idx
        commitments = reservations + [self._sp_ec2_instance(), self._sp_compute()]
        for c in commitments:
            c.fee_sku = self._sp_fee_sku(c) if c.kind == "SavingsPlan" else self._ri_fee_sku(c)
            c.subscription_id = str(stable_int("sub", self.seed, c.name) % 10_000_000_000)
        return commitments

    def _sp_arn(self, label: str) -> str:
        u = token("sp", self.seed, label, n=32, alphabet=b"0123456789abcdef")
        return f"arn:aws:savingsplans::{self.payer}:savingsplan/{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"

    def _ri_ec2_arn(self, label: str, region: str) -> str:
        u = token("ri", self.seed, label, n=32, alphabet=b"0123456789abcdef")
        return (f"arn:aws:ec2:{region}:{self.payer}:reserved-instances/"
                f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}")

    def _ri_ec2_standard(self) -> Commitment:
        """RI-A: m5.xlarge us-east-1 No Upfront standard 1yr, expires 50 days after the anchor month."""
        role, a1 = self.hr["role"], self.anchor_end_h
        n_a = int((role == "RI-A").sum())
        end_a = _hour_of(a1, 50, 0)
        sku_a = self.pool["RI-A"][2][0]
        od_a = self.t.items[sku_a].od
        ri_a = Commitment(0, self._ri_ec2_arn("RI-A", "us-east-1"), "ReservedInstance", "RI-A", "standard",
                          "No Upfront", "1yr", end_a - TERM_1Y_H, end_a, "AmazonEC2", "us-east-1", "m5", "m5.xlarge",
                          n=n_a, nf=8.0, target_utilisation="100% used", os="Linux")
        ri_a.recurring_hourly = round(od_a * 0.63, 6)
        ri_a.upfront_hourly = 0.0
        ri_a.hourly = ri_a.recurring_hourly
        return ri_a

    def _ri_ec2_convertible(self) -> Commitment:
        """RI-B: c5.2xlarge eu-west-1 Partial Upfront convertible 3yr, bought in anchor-2."""
        anchor = self.anchor
        n_ao, n_bh, skus_b = self.pool["RI-B"]
        start_b = _hour_of(period_hours(add_months(anchor, -2))[0], 5, 13)
        od_b = self.t.items[skus_b[0]].od
        eff_b = od_b * 0.5
        ri_b = Commitment(1, self._ri_ec2_arn("RI-B", "eu-west-1"), "ReservedInstance", "RI-B", "convertible",
                          "Partial Upfront", "3yr", start_b, start_b + TERM_3Y_H, "AmazonEC2", "eu-west-1", "c5",
                          "c5.2xlarge", n=n_ao + (n_bh + 1) // 2, nf=16.0, target_utilisation="partly used", os="Linux")
        ri_b.upfront = round(eff_b * 0.5 * TERM_3Y_H, 2)  # per reservation
        ri_b.upfront_hourly = ri_b.upfront / TERM_3Y_H
        ri_b.recurring_hourly = round(eff_b * 0.5, 6)
        ri_b.hourly = ri_b.upfront_hourly + ri_b.recurring_hourly
        return ri_b

    def _ri_rds(self) -> Commitment:
        """RI-RDS: db.r6g.large PostgreSQL us-east-1 All Upfront 1yr, 4 reservations per running instance."""
        role, a1 = self.hr["role"], self.anchor_end_h
        n_rp = int((role == "RI-RDS").sum())
        end_r = _hour_of(a1, 80, 0)
        od_r = self.t.items[self.pool["RI-RDS"][2][0]].od
        ri_r = Commitment(2, "", "ReservedInstance", "RI-RDS", "standard", "All Upfront", "1yr", end_r - TERM_1Y_H,
                          end_r, "AmazonRDS", "us-east-1", "r6g", "db.r6g.large", n=4 * n_rp, nf=4.0,
                          target_utilisation="largely unused", engine="PostgreSQL")
        ri_id = token("rdsri", self.seed, n=12, alphabet=b"abcdefghijklmnopqrstuvwxyz").lower()
        ri_r.arn = f"arn:aws:rds:us-east-1:{self.payer}:ri:{ri_id}-pg-r6g"
        ri_r.upfront = round(od_r * 0.58 * TERM_1Y_H, 2)
        ri_r.upfront_hourly = ri_r.upfront / TERM_1Y_H
        ri_r.recurring_hourly = 0.0
        ri_r.hourly = ri_r.upfront_hourly
        return ri_r

    def _sp_ec2_instance(self) -> Commitment:
        """SP-EI: EC2 Instance SP r5 us-west-2 Partial Upfront 1yr, bought mid-month in anchor-1."""
        hr, anchor = self.hr, self.anchor
        role = hr["role"]
        start_ei = _hour_of(period_hours(add_months(anchor, -1))[0], 14, 9)
        sp_ei = Commitment(3, self._sp_arn("SP-EI"), "SavingsPlan", "SP-EI", "EC2InstanceSavingsPlans",
                           "Partial Upfront", "1yr", start_ei, start_ei + TERM_1Y_H, "ComputeSavingsPlans", "us-west-2",
                           "r5", target_utilisation="partly used")
        sp_ei.sp_rate = sp_rates(self.t, sp_ei, SP_DISCOUNT["EI"])
        ei_mask = role == "SP-EI"
        ei_cost = sp_ei.sp_rate[hr["sku"][ei_mask, 0]]
        ei_ao = ei_cost[hr["sched"][ei_mask] == 0].sum()
        ei_bh = ei_cost[hr["sched"][ei_mask] == 1].sum()
        sp_ei.hourly = max(0.001, round(ei_ao + 0.5 * ei_bh, 3))
        return sp_ei

    def _sp_compute(self) -> Commitment:
        """SP-C1: Compute SP No Upfront 3yr, expires 20 days after the anchor month, always fully used."""
        hr, a1 = self.hr, self.anchor_end_h
        role = hr["role"]
        end_c1 = _hour_of(a1, 20, 0)
        sp_c1 = Commitment(4, self._sp_arn("SP-C1"), "SavingsPlan", "SP-C1", "ComputeSavingsPlans", "No Upfront",
                           "3yr", end_c1 - TERM_3Y_H, end_c1, "ComputeSavingsPlans", None,
                           target_utilisation="100% used")
        sp_c1.sp_rate = sp_rates(self.t, sp_c1, SP_DISCOUNT["C1"])
        gen = (role == "generic") & hr["core"] & (hr["sched"] == 0) & hr["sp_ok"]
        base_cost = np.nansum(sp_c1.sp_rate[hr["sku"][gen, 0]])
        sp_c1.hourly = max(0.001, round(0.35 * base_cost, 3))
        return sp_c1

    def _sp_fee_sku(self, c: Commitment) -> int:
        """The Savings Plan's fee SKU; sets its upfront / recurring split."""
        t = self.t
        share = {"No Upfront": 0.0, "Partial Upfront": 0.5, "All Upfront": 1.0}[c.payment_option]
        c.upfront_hourly = c.hourly * share
        c.recurring_hourly = c.hourly - c.upfront_hourly
        c.upfront = round(c.upfront_hourly * c.term_hours, 10)
        label = "ComputeSP" if c.offering == "ComputeSavingsPlans" else "EC2InstanceSP"
        return t.add(Sku(
            key=("spfee", c.idx), product_code="ComputeSavingsPlans", servicecode="ComputeSavingsPlans",
            product_name=PRODUCT_NAMES["ComputeSavingsPlans"], family=None,
            usage_type=f"{label}:{c.term}{c.payment_key}", operation=None, region=None, unit="Hrs",
            rate=c.recurring_hourly, od=None,
            pmap={"product_name": PRODUCT_NAMES["ComputeSavingsPlans"], "servicecode": "ComputeSavingsPlans",
                  "purchase_option": c.payment_option, "term": c.term},
            desc=f"{c.term} {c.payment_option} {'Compute' if label == 'ComputeSP' else 'EC2 Instance'} "
                 f"Savings Plan", sku_meter="Savings Plan Commitment", focus_resource_type="Savings Plan",
        ))

    def _ri_fee_sku(self, c: Commitment) -> int:
        """The RI's fee SKU (`RIFee` rows): the reserved instance's SKU attributes at the recurring rate."""
        t, regions = self.t, self.regions
        s = t.items[self.pool[c.name][2][0]]
        rr = regions[[r[0] for r in regions].index(c.region)]
        ut = f"{rr[1]}-HeavyUsage:{c.instance_type}"
        osd = "Linux/UNIX (Amazon VPC)" if c.product_code == "AmazonEC2" else f"{c.engine}, Single-AZ"
        return t.add(Sku(
            key=("rifee", c.idx), product_code=c.product_code, servicecode=c.product_code,
            product_name=PRODUCT_NAMES[c.product_code], family=s.family, usage_type=ut, operation=s.operation,
            region=c.region, unit="Hrs", rate=c.recurring_hourly, od=None, pmap=dict(s.pmap),
            desc=f"USD {c.recurring_hourly:g} hourly fee per {osd}, {c.instance_type} instance",
            instance_type=c.instance_type, instance_family=s.instance_family, nf=c.nf,
            processor=s.processor, os=s.os, sku_meter="Reserved Instance", focus_resource_type="Reserved Instance",
        ))
