"""Attributes that depend only on a row's class (line item type, SKU, commitment, account), computed
once per class and shared by the CUR and FOCUS writers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from infralyzer.exports.generate.model.clock import iso_h
from infralyzer.exports.generate.model.hashing import stable_int
from infralyzer.exports.generate.model.reference import EDP_RATE
from infralyzer.exports.generate.simulation.period import PeriodSim
from infralyzer.exports.generate.simulation.rows import (
    CREDIT,
    DISC,
    EDP,
    FEE_RI_UP,
    FEE_SUPPORT,
    LT_NAMES,
    REFUND,
    RI_FEE,
    SP_COV,
    SP_NEG,
    SP_RECUR,
    SP_UPFRONT,
    SPLIT_ECS,
    SPLIT_EKS,
    SPLIT_LTS,
    TAX,
    UNUSED,
    USAGE,
    Rows,
)
from infralyzer.exports.generate.writers.arrow import fmt_rate, take


def class_index(sim: PeriodSim, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Unique (lt, sku, com, acct) classes of the block and the inverse index."""
    n_sku = sim.t.n + 1
    n_com = len(sim.org.commitments) + 1
    key = ((rows["lt"].astype(np.int64) * n_com + (rows["com"] + 1)) * n_sku + (rows["sku"] + 1)) * (
        sim.n_acct + 1) + (rows["acct"] + 1)
    uniq, inv = np.unique(key, return_inverse=True)
    dec = []
    for k in uniq:
        k = int(k)
        acct = k % (sim.n_acct + 1) - 1
        k //= sim.n_acct + 1
        sku = k % n_sku - 1
        k //= n_sku
        com = k % n_com - 1
        lt = k // n_com
        dec.append((lt, sku, com, acct))
    return dec, inv.ravel()


def class_info(sim: PeriodSim, lt: int, sku: int, com: int, acct: int) -> dict:
    """Everything that depends only on the row's class (line type, SKU, commitment, account)."""
    ck = (lt, sku, com, acct)
    cached = sim._class_cache.get(ck)
    if cached is not None:
        return cached
    org = sim.org
    s = org.skus.items[sku] if sku >= 0 else None
    c = org.commitments[com] if com >= 0 else None
    aws = s is None or s.billing_entity == "AWS"
    elig = aws and lt not in (TAX, CREDIT, REFUND, EDP) + SPLIT_LTS
    d: dict = {"lt_name": LT_NAMES[lt], "elig": elig}
    d.update(_pricing_attributes(lt, s, c, elig))
    d["desc"] = _description(lt, s, c, org.all_accounts[acct].account_id if acct >= 0 else "")
    d.update(_commitment_attributes(sim, lt, c))
    d.update(_focus_attributes(lt, s, c, d["rate_code"]))
    sim._class_cache[ck] = d
    return d


def _pricing_attributes(lt: int, s, c, elig: bool) -> dict:
    """Bill type, operation, rates (net of the EDP when eligible), pricing term, unit and rate codes."""
    usage_like = lt in (USAGE, DISC, SP_COV, SP_NEG) + SPLIT_LTS
    d: dict = {}
    d["bill_type"] = "Purchase" if lt in (SP_UPFRONT, FEE_RI_UP) else ("Refund" if lt == REFUND else "Anniversary")
    d["operation"] = {SPLIT_EKS: "EKSPod-EC2", SPLIT_ECS: "ECSTask-EC2"}.get(lt, s.operation if s else None)
    # rates
    if lt in (USAGE,) + SPLIT_LTS:
        rate = s.rate
    elif lt in (SP_COV, SP_NEG):
        rate = s.od
    elif lt == DISC:
        rate = 0.0
    elif lt in (SP_RECUR, RI_FEE):
        rate = c.recurring_hourly
    else:
        rate = None
    d["rate"] = fmt_rate(rate)
    d["net_rate"] = fmt_rate(None if rate is None else (round(rate * (1 - EDP_RATE), 10) if elig else rate))
    d["public_rate"] = fmt_rate(s.od) if (usage_like or lt == DISC) and s is not None and s.od is not None else None
    if lt in (USAGE,) + SPLIT_LTS:
        term = "Spot" if s.spot else "OnDemand"
    elif lt in (DISC, RI_FEE, FEE_RI_UP):
        term = "Reserved"
    elif lt in (SP_COV, SP_NEG):
        term = "OnDemand"
    else:
        term = None
    d["term"] = term
    d["unit"] = s.unit if s is not None and lt not in (TAX, CREDIT, REFUND, EDP) else None
    if usage_like and s is not None and s.rate is not None:
        d["rate_code"], d["rate_id"] = s.rate_code, s.rate_id
    elif lt == DISC:
        d["rate_code"], d["rate_id"] = f"{s.sku_id}.4NA7Y494T4.6YS6EN2CT7", str(int(s.rate_id) + 1)
    else:
        d["rate_code"] = d["rate_id"] = None
    ri = c is not None and c.kind == "ReservedInstance"
    d["lease"] = c.term if ri else None
    d["offering_class"] = c.offering if ri else None
    d["purchase_option"] = c.payment_option if ri else None
    d["tax_type"] = "Sales Tax" if lt == TAX else None
    return d


def _description(lt: int, s, c, acct_id: str) -> str | None:
    """`line_item_line_item_description`, as AWS words it per line item type."""
    if lt == DISC:
        osd = "Linux/UNIX (Amazon VPC)" if c.product_code == "AmazonEC2" else f"{c.engine}, Single-AZ"
        desc = f"USD 0.0 hourly fee per {osd}, {c.instance_type} instance"
    elif lt == SP_NEG:
        desc = f"SavingsPlanNegation used by AccountId : {acct_id} and UsageSku : {s.sku_id}"
    elif lt == SP_RECUR:
        desc = f"{s.desc} recurring fee"
    elif lt == SP_UPFRONT:
        desc = f"{s.desc} upfront fee"
    elif lt == RI_FEE:
        desc = s.desc
    elif lt == FEE_RI_UP:
        desc = f"Sign up charge for subscription: {c.subscription_id}, planId: {stable_int('plan', c.arn) % 10**7}"
    elif lt == TAX:
        desc = f"Tax for product code {s.product_code}"
    elif lt == CREDIT:
        desc = "AWS Activate Credits"
    elif lt == REFUND:
        desc = f"Refund for overcharge of {s.product_name} in the previous billing period"
    elif lt == EDP:
        desc = "Enterprise Program Discount"
    elif lt == UNUSED:
        desc = f"Unused {'Savings Plan' if c.kind == 'SavingsPlan' else 'Reserved Instance'} commitment ({c.arn})"
    else:
        desc = s.desc if s is not None else None
    return desc


def _commitment_attributes(sim: PeriodSim, lt: int, c) -> dict:
    """Reservation and Savings Plan strings of the rows a commitment is on."""
    ri = c is not None and c.kind == "ReservedInstance"
    sp = c is not None and c.kind == "SavingsPlan"
    d: dict = {}
    if ri and lt in (DISC, RI_FEE, FEE_RI_UP):
        d["ri_arn"] = c.arn
        d["ri_start"], d["ri_end"] = iso_h(c.start_h), iso_h(c.end_h)
        d["ri_sub"] = c.subscription_id
        if lt == RI_FEE:
            hours = float(sim.c_act[c.idx].sum())
            d["ri_mod"] = "Original"
            d["ri_nres"] = str(c.n)
            d["ri_units_per"] = f"{hours:g}"
            d["ri_nunits_per"] = f"{hours * c.nf:g}"
            d["ri_total_units"] = f"{c.n * hours:g}"
            d["ri_total_nunits"] = f"{c.n * hours * c.nf:g}"
    if sp and lt in (SP_COV, SP_NEG, SP_RECUR, SP_UPFRONT):
        d["sp_arn"] = c.arn
        d["sp_offering"] = c.offering
        d["sp_payment"] = c.payment_option
        d["sp_term"] = c.term
        d["sp_region"] = c.region
        d["sp_family"] = c.instance_family
        d["sp_start"], d["sp_end"] = iso_h(c.start_h), iso_h(c.end_h)
    d["resource_from_commitment"] = lt in (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP)
    return d


def _focus_attributes(lt: int, s, c, rate_code: str | None) -> dict:
    """FOCUS charge, pricing, commitment, SKU and service columns."""
    sp = c is not None and c.kind == "SavingsPlan"
    d: dict = {}
    cat = {USAGE: "Usage", DISC: "Usage", SP_COV: "Usage", UNUSED: "Usage", SP_RECUR: "Purchase",
           SP_UPFRONT: "Purchase", RI_FEE: "Purchase", FEE_RI_UP: "Purchase", FEE_SUPPORT: "Purchase",
           TAX: "Tax", CREDIT: "Credit", EDP: "Credit", REFUND: "Adjustment"}.get(lt)
    d["ChargeCategory"] = cat
    d["ChargeClass"] = "Correction" if lt == REFUND else None
    d["ChargeFrequency"] = {SP_RECUR: "Recurring", RI_FEE: "Recurring", FEE_SUPPORT: "Recurring", TAX: "Recurring",
                            SP_UPFRONT: "One-Time", FEE_RI_UP: "One-Time", CREDIT: "One-Time",
                            REFUND: "One-Time"}.get(lt, "Usage-Based")
    if lt == USAGE:
        pc = "Dynamic" if s.spot else "Standard"
    elif lt in (DISC, SP_COV, UNUSED):
        pc = "Committed"
    elif cat == "Purchase":
        pc = "Standard"
    elif lt == TAX:
        pc = None
    else:
        pc = "Other"
    d["PricingCategory"] = pc
    commit_row = c is not None and lt in (DISC, SP_COV, UNUSED, SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP)
    d["CommitmentDiscountId"] = c.arn if commit_row else None
    d["CommitmentDiscountCategory"] = ("Spend" if sp else "Usage") if commit_row else None
    d["CommitmentDiscountType"] = ("Savings Plan" if sp else "Reserved Instance") if commit_row else None
    d["CommitmentDiscountName"] = c.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1] if commit_row else None
    d["CommitmentDiscountStatus"] = ("Used" if lt in (DISC, SP_COV) else ("Unused" if lt == UNUSED else None)) \
        if commit_row else None
    d["CommitmentDiscountUnit"] = ("USD" if sp else "Hours") if commit_row else None
    consumed = lt in (USAGE, DISC, SP_COV)
    d["ConsumedUnit"] = s.unit if consumed else None
    priced = consumed or cat == "Purchase"
    d["PricingUnit"] = s.unit if priced and s is not None and s.unit and lt != UNUSED else None
    d["ListUnitPrice"] = s.od if consumed and s.od is not None else np.nan
    d["SkuId"] = s.sku_id if s is not None and s.key[0] != "product" and lt not in (TAX, CREDIT, REFUND, EDP) \
        and lt != UNUSED else None
    d["SkuPriceId"] = rate_code if consumed else None
    d["SkuMeter"] = s.sku_meter if d["SkuId"] else None
    d["ServiceName"] = s.product_name if s else None
    d["PublisherName"] = s.legal_entity if s else None
    d["RegionId"] = s.region if s else None
    d["FocusResourceType"] = (("Savings Plan" if sp else "Reserved Instance") if lt in (
        SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP, UNUSED) else (s.focus_resource_type if s else None))
    return d


def class_columns(sim: PeriodSim, classes: list[tuple], inv: np.ndarray, names: list[str],
                  numeric: tuple[str, ...] = ()) -> dict[str, pa.Array]:
    infos = [class_info(sim, *k) for k in classes]
    out = {}
    for name in names:
        values = [i.get(name) for i in infos]
        if name in numeric:
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)[inv]
        else:
            out[name] = take(pa.array(values, type=pa.string()), inv)
    return out


def resource_strings(sim: PeriodSim, rows: Rows) -> dict[str, np.ndarray]:
    """Per-row resource-derived indices (tag profile, AZ, IAM)."""
    res = rows["res"]
    has = res >= 0
    safe = np.where(has, res, 0)
    tag = np.where(has, sim.res_tag[safe], 0)
    az = np.where(has, sim.res_az[safe], -1)
    iam = np.where(has & np.isin(rows["lt"], (USAGE,)), sim.res_iam[safe], -1)
    return {"tag": tag, "az": az, "iam": iam}
