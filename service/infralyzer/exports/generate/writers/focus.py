"""FOCUS 1.2 rows (AWS export `FOCUS_1_2_AWS`, folder `focus`) describing the same charges as the CUR.

Each block of `simulation.period.PeriodSim` is mapped here, so both exports come from the same model rows.
Mapping (docs/exports.md, 'FOCUS 1.2 with AWS columns'; docs/cost_rules.md, 'FOCUS equivalence'):

* Rows dropped: `SavingsPlanNegation` and the split cost allocation child rows.
* Rows added: for every `SavingsPlanRecurringFee` row with unused commitment and every `RIFee` row
  with unused reservations, one `ChargeCategory = 'Usage'`, `CommitmentDiscountStatus = 'Unused'`
  row: `ResourceId = CommitmentDiscountId` (the ARN), `BilledCost = 0`, `EffectiveCost` = the unused
  amortised amount, ConsumedQuantity/Unit and PricingQuantity/Unit null.
* `BilledCost` = CUR unblended, except covered SP usage (0, there is no negation row). RI
  DiscountedUsage is 0 already. `EffectiveCost`: usage -> unblended; DiscountedUsage -> reservation
  effective cost; SP covered usage -> SP effective cost; every commitment purchase row (SP recurring
  fee, SP upfront fee, RIFee, RI upfront Fee) -> 0 (`ChargeCategory = 'Purchase'`, PricingCategory
  'Standard'); Support fee, Tax, Credit, Refund, EdpDiscount -> BilledCost. Hence, per period,
  sum(BilledCost) = sum(CUR unblended) and sum(EffectiveCost) = sum(CUR amortised), split rows excluded.
* `ListCost` = `pricing_public_on_demand_cost` (0 on purchase, tax, credit and Unused rows);
  `ContractedCost` = `ListCost` and `ContractedUnitPrice` = `ListUnitPrice` (the EDP is a separate
  discount, see `x_Discounts` and the Credit rows, not a negotiated rate).
* ChargeCategory: Usage / Purchase / Tax / Credit (credits and EdpDiscount) / Adjustment (refund,
  with `ChargeClass = 'Correction'`). ChargeFrequency: Usage-Based for usage, Unused and EDP rows;
  Recurring for recurring fees, Support and Tax; One-Time for upfront fees, credits and the refund.
  PricingCategory: Standard (On-Demand, purchases), Dynamic (Spot), Committed (Used and Unused
  commitment rows), Other (credits, refund, EDP), null for tax.
* Commitment columns: Id = ARN, Category Spend (SP) / Usage (RI), Type 'Savings Plan' / 'Reserved
  Instance', Name = the id part of the ARN, Unit 'USD' (SP) / 'Hours' (RI); Quantity = effective
  cost (SP used), hours (RI used), unused amount or hours (Unused), the commitment for the period
  (recurring purchase rows) or the whole term (upfront rows).
* `ServiceName` = `product['product_name']`, ServiceCategory/Subcategory from a fixed map of FOCUS
  allowed values; `x_ServiceCode` = `product_servicecode`; `x_Operation` = `line_item_operation`;
  `x_Discounts` = the CUR `discount` map; `Tags` = the CUR `tags` map with the `user_` prefix removed.
* `BillingAccountType` 'Management Account', `SubAccountType` 'Management Account' for the payer
  and 'Member Account' otherwise (values chosen here, not verified against a real export).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from infralyzer.exports.generate.model.clock import MS_PER_HOUR
from infralyzer.exports.generate.model.reference import INVOICING_ENTITY
from infralyzer.exports.generate.simulation.period import PeriodSim
from infralyzer.exports.generate.simulation.rows import (
    CREDIT,
    DISC,
    EDP,
    FEE_RI_UP,
    FEE_SUPPORT,
    REFUND,
    RI_FEE,
    SP_COV,
    SP_NEG,
    SP_RECUR,
    SP_UPFRONT,
    SPLIT_LTS,
    TAX,
    UNUSED,
    USAGE,
    Rows,
    r10,
)
from infralyzer.exports.generate.writers.arrow import OrgVocab, const, discount_map, f64, take, ts
from infralyzer.exports.generate.writers.charge_classes import class_columns, class_index, resource_strings
from infralyzer.exports.schemas import FOCUS12_SCHEMA

_CLASS_STR = ["ChargeCategory", "ChargeClass", "ChargeFrequency", "PricingCategory", "CommitmentDiscountId",
              "CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountName",
              "CommitmentDiscountStatus", "CommitmentDiscountUnit", "ConsumedUnit", "PricingUnit", "SkuId",
              "SkuPriceId", "SkuMeter", "ServiceName", "PublisherName", "RegionId", "FocusResourceType", "desc",
              "operation"]


def focus_rows(rows: Rows) -> Rows:
    """The FOCUS view of a CUR block: negation and split rows dropped, Unused rows added."""
    lt = rows["lt"]
    keep = ~np.isin(lt, (SP_NEG,) + SPLIT_LTS)
    base = Rows({k: v[keep] for k, v in rows.items()})
    n = base.n
    blt = base["lt"]
    eff = np.where(blt == USAGE, base["cost"], 0.0)
    eff = np.where(blt == DISC, base.get_f("ri_eff"), eff)
    eff = np.where(blt == SP_COV, base.get_f("sp_eff"), eff)
    eff = np.where(np.isin(blt, (FEE_SUPPORT, TAX, CREDIT, REFUND, EDP)), base["cost"], eff)
    base["eff"] = np.nan_to_num(eff, nan=0.0)
    base["billed"] = np.where(blt == SP_COV, 0.0, base["cost"])
    cdq = np.full(n, np.nan)
    cdq = np.where(blt == SP_COV, base.get_f("sp_eff"), cdq)
    cdq = np.where(blt == DISC, base.get_f("amount"), cdq)
    cdq = np.where(blt == SP_RECUR, base.get_f("sp_total"), cdq)
    cdq = np.where(blt == SP_UPFRONT, base["cost"], cdq)
    cdq = np.where(blt == RI_FEE, base.get_f("ri_total_units"), cdq)
    base["cdq"] = cdq
    # Unused rows
    sp_un = r10(base.get_f("sp_total") - base.get_f("sp_used"))
    ri_un = r10(base.get_f("ri_unused_amort") + base.get_f("ri_unused_recur"))
    m_sp = (blt == SP_RECUR) & (sp_un > 0)
    m_ri = (blt == RI_FEE) & (ri_un > 0)
    parts = [base]
    for m, val, qty in ((m_sp, sp_un, sp_un), (m_ri, ri_un, base.get_f("ri_unused_qty"))):
        if m.any():
            k = int(m.sum())
            u = Rows.make(k, lt=UNUSED, acct=base["acct"][m], sku=base["sku"][m], res=-1, com=base["com"][m],
                          pod=-1, t0=base["t0"][m], t1=base["t1"][m], amount=np.nan, cost=0.0, public=0.0,
                          elig=False, net=0.0, disc=np.nan)
            u["eff"] = val[m]
            u["billed"] = np.zeros(k)
            u["cdq"] = qty[m]
            parts.append(u)
    out = Rows()
    keys = set().union(*(p.keys() for p in parts))
    for key in keys:
        arrs = []
        for p in parts:
            if key in p:
                arrs.append(p[key])
            else:
                ref = next(q[key] for q in parts if key in q)
                fill = np.full(p.n, -1 if ref.dtype.kind in "iu" else (False if ref.dtype.kind == "b" else np.nan),
                               dtype=ref.dtype)
                arrs.append(fill)
        out[key] = np.concatenate(arrs)
    return out


def focus_table(sim: PeriodSim, rows: Rows) -> pa.Table:
    """The FOCUS 1.2 table of one block of simulated rows (mapped by `focus_rows`)."""
    v = OrgVocab.of(sim.org)
    f = focus_rows(rows)
    classes, inv = class_index(sim, f)
    cc = class_columns(sim, classes, inv, _CLASS_STR)
    lup = class_columns(sim, classes, inv, ["ListUnitPrice"], numeric=("ListUnitPrice",))["ListUnitPrice"]
    rs = resource_strings(sim, f)
    cols: dict[str, pa.Array] = {}
    cols.update(_billing_and_charge_columns(sim, f, v, cc, rs))
    cols.update(_cost_and_quantity_columns(sim, f, lup))
    cols.update(_resource_and_account_columns(sim, f, v, cc, rs))
    arrays = [cols[fl.name] if fl.name in cols else pa.nulls(f.n, fl.type) for fl in FOCUS12_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=FOCUS12_SCHEMA)


def _billing_and_charge_columns(sim: PeriodSim, f: Rows, v: OrgVocab, cc: dict, rs: dict) -> dict[str, pa.Array]:
    """Billing account and period, invoice, charge classification and description."""
    org = sim.org
    n = f.n
    p0ms, p1ms = sim.p0 * MS_PER_HOUR, sim.p1 * MS_PER_HOUR
    cols: dict[str, pa.Array] = {}
    cols["AvailabilityZone"] = take(v.az, rs["az"])
    cols["BilledCost"] = f64(f["billed"])
    cols["BillingAccountId"] = const(org.payer_account_id, n)
    cols["BillingAccountName"] = const(org.payer_account_name, n)
    cols["BillingAccountType"] = const("Management Account", n)
    cols["BillingCurrency"] = const("USD", n)
    cols["BillingPeriodEnd"] = ts(np.full(n, p1ms))
    cols["BillingPeriodStart"] = ts(np.full(n, p0ms))
    for name in ("ChargeCategory", "ChargeClass", "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory",
                 "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
                 "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedUnit", "PricingUnit", "SkuId",
                 "SkuPriceId", "SkuMeter", "ServiceName", "PublisherName", "RegionId"):
        cols[name] = cc[name]
    cols["ChargeDescription"] = cc["desc"]
    cols["ChargePeriodEnd"] = ts(f["t1"])
    cols["ChargePeriodStart"] = ts(f["t0"])
    cols["InvoiceId"] = const(org.invoice_id(sim.period), n)
    cols["InvoiceIssuerName"] = const(INVOICING_ENTITY, n)
    cols["PricingCurrency"] = const("USD", n)
    cols["ProviderName"] = const("AWS", n)
    return cols


def _cost_and_quantity_columns(sim: PeriodSim, f: Rows, lup: np.ndarray) -> dict[str, pa.Array]:
    """Costs, unit prices and quantities (consumed, pricing, commitment)."""
    lt, com = f["lt"], f["com"]
    cols: dict[str, pa.Array] = {}
    # commitment quantity of upfront RI fee rows: reserved hours of the whole term
    cdq = f["cdq"].copy()
    m = lt == FEE_RI_UP
    if m.any():
        terms = np.array([c.n * c.term_hours for c in sim.org.commitments], dtype=np.float64)
        cdq[m] = terms[com[m]]
    cols["CommitmentDiscountQuantity"] = f64(r10(cdq))
    consumed = np.isin(lt, (USAGE, DISC, SP_COV))
    amount = f.get_f("amount")
    cols["ConsumedQuantity"] = f64(np.where(consumed, amount, np.nan))
    list_cost = np.where(lt == UNUSED, 0.0, np.nan_to_num(f.get_f("public"), nan=0.0))
    cols["ListCost"] = f64(list_cost)
    cols["ContractedCost"] = f64(list_cost)
    cols["ListUnitPrice"] = f64(lup)
    cols["ContractedUnitPrice"] = f64(lup)
    cols["EffectiveCost"] = f64(f["eff"])
    cols["PricingCurrencyEffectiveCost"] = f64(f["eff"])
    cols["PricingCurrencyListUnitPrice"] = f64(lup)
    cols["PricingCurrencyContractedUnitPrice"] = f64(lup)
    purchase = np.isin(lt, (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP, FEE_SUPPORT))
    cols["PricingQuantity"] = f64(np.where(consumed | purchase, amount, np.nan))
    return cols


def _resource_and_account_columns(sim: PeriodSim, f: Rows, v: OrgVocab, cc: dict, rs: dict) -> dict[str, pa.Array]:
    """Region, resource, service, SKU details, sub account, tags and the `x_` columns."""
    n = f.n
    lt, sku, acct, com = f["lt"], f["sku"], f["acct"], f["com"]
    consumed = np.isin(lt, (USAGE, DISC, SP_COV))
    cols: dict[str, pa.Array] = {}
    cols["RegionName"] = take(v.sku["location"], sku)
    commit_res = np.isin(lt, (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP, UNUSED))
    res_idx = np.where(commit_res, sim.n_res + com, np.where(consumed, f["res"], -1))
    cols["ResourceId"] = take(sim.rid_vocab, res_idx)
    cols["ResourceName"] = pa.nulls(n, pa.string())
    rtype = cc["FocusResourceType"]
    cols["ResourceType"] = pc.if_else(pa.array(res_idx >= 0), rtype, pa.nulls(n, pa.string()))
    cols["ServiceCategory"] = take(v.sku["service_category"], sku)
    cols["ServiceSubcategory"] = take(v.sku["service_subcategory"], sku)
    cols["SkuPriceDetails"] = pc.if_else(
        pa.array(consumed), take(v.sku["price_details"], sku), pa.nulls(n, v.sku["price_details"].type))
    cols["SubAccountId"] = take(v.acct_id, acct)
    cols["SubAccountName"] = take(v.acct_name, acct)
    cols["SubAccountType"] = take(pa.array(["Management Account", "Member Account"]), (acct > 0).astype(np.int32))
    cols["Tags"] = take(v.focus_tags, rs["tag"].astype(np.int64) * v.n_acct + acct)
    cols["x_Discounts"] = discount_map(f.get_f("disc"))
    cols["x_Operation"] = cc["operation"]
    cols["x_ServiceCode"] = take(v.sku["servicecode"], sku)
    return cols


__all__ = ["focus_table", "focus_rows"]
