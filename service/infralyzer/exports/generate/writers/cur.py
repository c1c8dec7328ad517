"""CUR 2.0 rows (folder `cur2`) of one block of the simulated period, in exactly `CUR2_SCHEMA`.


Row conventions (what a reader of the CUR must know)
----------------------------------------------------
* Costs and quantities are rounded to 10 decimals per row. Rates are strings with 10 decimals.
* `Usage`: unblended = rate x usage; Spot rows: unblended at the Spot price (one price per type and
  region), `pricing_public_on_demand_cost` at the On-Demand price, `pricing_term = 'Spot'`; they
  carry the same product attributes as On-Demand rows (real CURs can leave them sparse). Data
  transfer rows: `line_item_product_code = 'AmazonEC2'`, `product_servicecode = 'AWSDataTransfer'`,
  the instance id as resource id. Negation rows carry the covered row's resource id.
* `DiscountedUsage` (RI): unblended 0, `reservation_effective_cost` = amortised upfront + recurring
  fee for the hours used, public cost = On-Demand cost. `RIFee` (one row per RI and period, usage
  account = payer, `line_item_resource_id` = RI ARN): unblended = recurring fee for all reserved
  hours of the period; unused quantity/fees filled. The upfront payment is a `Fee` row
  (`bill_bill_type = 'Purchase'`, RI ARN set) in the billing period of the RI's start.
* `SavingsPlanCoveredUsage`: unblended = public = On-Demand cost, `savings_plan_savings_plan_effective_cost`
  = SP rate x usage; one `SavingsPlanNegation` per covered row with unblended and public cost = minus
  the covered row's (usage amount 0). `SavingsPlanRecurringFee`: one row per SP and slot, unblended =
  recurring part of the commitment for the slot, `total_commitment_to_date` = commitment for the
  slot, `used_commitment` = sum of that slot's covered effective costs (so used + unused = total by
  construction). `SavingsPlanUpfrontFee` in the period of the SP's start.
* EDP: on every AWS-billed row except Tax/Credit/Refund/marketplace (and split-cost child rows),
  every `net_*` column = gross x (1 - EDP_RATE); `discount = {'edp_discount': net - gross}` and
  `discount_total_discount` (negative) on rows with a non-zero unblended cost. `EdpDiscount` rows
  (per account and product, per day at >= 100k rows/month hourly, else per period) carry
  unblended = the sum of the discounts of the rows they summarise (negative), and
  `line_item_net_unblended_cost = 0` because the discount is already inside the net columns.
  Hence sum(unblended) over all rows = sum(net_unblended) over all rows.
* Split cost allocation (EKS/ECS on container hosts): per host-hour 2-4 child rows with
  `line_item_operation` `EKSPod-EC2`/`ECSTask-EC2`, the pod/task ARN as resource id and
  `split_line_item_parent_resource_id` = the host instance; their unblended costs add up to the
  parent row's (split cost + share of unused cost). They duplicate the parent and are excluded
  from every total of the answer key (reported separately) and from FOCUS.
* Support (Business) is one `Fee` row per account (payer included) on its recurring AWS charges
  (10 % / 7 % / 5 % / 3 % tiers, minimum $100). Tax: one `Tax` row per account and product at the
  account's rate on the net charges of that product (payer and most accounts 6.25-8.25 %, the
  sandbox 0 %). Credits: 'AWS Activate Credits', 30 % of the top three usage products of the
  sandbox account (or ml-research, or the last linked account with usage). Refund: 1 % of the EC2
  charges of prod-payments (`bill_bill_type = 'Refund'`).
* `identity_line_item_id` is a 52-character base32 hash, unique within the period's delivery;
  `bill_invoice_id` is one invoice per payer and period.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from infralyzer.exports.generate.model.clock import MS_PER_HOUR
from infralyzer.exports.generate.model.reference import EDP_RATE, INVOICING_ENTITY
from infralyzer.exports.generate.simulation.period import PeriodSim
from infralyzer.exports.generate.simulation.rows import (
    FEE_RI_UP,
    RI_FEE,
    SP_RECUR,
    SP_UPFRONT,
    SPLIT_LTS,
    Rows,
    r10,
)
from infralyzer.exports.generate.writers.arrow import (
    OrgVocab,
    const,
    discount_map,
    f64,
    interval_strings,
    line_item_ids,
    net_of,
    take,
    ts,
)
from infralyzer.exports.generate.writers.charge_classes import class_columns, class_index, resource_strings
from infralyzer.exports.schemas import CUR2_SCHEMA

_CLASS_STR = ["lt_name", "bill_type", "operation", "rate", "net_rate", "public_rate", "term", "unit", "rate_code",
              "rate_id", "lease", "offering_class", "purchase_option", "tax_type", "desc", "ri_arn", "ri_start",
              "ri_end", "ri_sub", "ri_mod", "ri_nres", "ri_units_per", "ri_nunits_per", "ri_total_units",
              "ri_total_nunits", "sp_arn", "sp_offering", "sp_payment", "sp_term", "sp_region", "sp_family",
              "sp_start", "sp_end"]


def cur_table(sim: PeriodSim, rows: Rows, start_row: int) -> pa.Table:
    """The CUR 2.0 table of one block of rows (`start_row` numbers the block's first row in the period)."""
    v = OrgVocab.of(sim.org)
    classes, inv = class_index(sim, rows)
    cc = class_columns(sim, classes, inv, _CLASS_STR)
    rs = resource_strings(sim, rows)
    cols: dict[str, pa.Array] = {}
    cols.update(_bill_and_line_item_columns(sim, rows, start_row, v, cc, rs))
    cols.update(_pricing_and_product_columns(rows, v, cc))
    cols.update(_reservation_columns(rows, cc))
    cols.update(_savings_plan_columns(rows, cc))
    cols.update(_split_cost_columns(sim, rows))
    cols.update(_discount_and_tag_columns(rows, v, rs))
    arrays = [cols[f.name] if f.name in cols else pa.nulls(rows.n, f.type) for f in CUR2_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=CUR2_SCHEMA)


def _bill_and_line_item_columns(sim: PeriodSim, rows: Rows, start_row: int, v: OrgVocab, cc: dict,
                                rs: dict) -> dict[str, pa.Array]:
    """`bill_*`, `identity_*` and `line_item_*` columns."""
    org = sim.org
    n = rows.n
    lt = rows["lt"]
    sku, acct, com = rows["sku"], rows["acct"], rows["com"]
    cols: dict[str, pa.Array] = {}
    p0ms, p1ms = sim.p0 * MS_PER_HOUR, sim.p1 * MS_PER_HOUR
    cols["bill_bill_type"] = cc["bill_type"]
    cols["bill_billing_entity"] = take(v.sku["billing_entity"], sku)
    cols["bill_billing_period_end_date"] = ts(np.full(n, p1ms))
    cols["bill_billing_period_start_date"] = ts(np.full(n, p0ms))
    cols["bill_invoice_id"] = const(org.invoice_id(sim.period), n)
    cols["bill_invoicing_entity"] = const(INVOICING_ENTITY, n)
    cols["bill_payer_account_id"] = const(org.payer_account_id, n)
    cols["bill_payer_account_name"] = const(org.payer_account_name, n)
    cols["identity_line_item_id"] = line_item_ids(sim.period_seed, start_row, n)
    cols["identity_time_interval"] = interval_strings(rows["t0"], rows["t1"])
    cols["line_item_availability_zone"] = take(v.az, rs["az"])
    cost = rows["cost"]
    cols["line_item_blended_cost"] = f64(cost)
    cols["line_item_blended_rate"] = cc["rate"]
    cols["line_item_currency_code"] = const("USD", n)
    cols["line_item_iam_principal"] = take(v.iam, rs["iam"])
    cols["line_item_legal_entity"] = take(v.sku["legal_entity"], sku)
    cols["line_item_line_item_description"] = cc["desc"]
    cols["line_item_line_item_type"] = cc["lt_name"]
    cols["line_item_net_unblended_cost"] = f64(rows["net"])
    cols["line_item_net_unblended_rate"] = cc["net_rate"]
    nf = rows.get_f("nf")
    amount = rows.get_f("amount")
    cols["line_item_normalization_factor"] = f64(nf)
    cols["line_item_normalized_usage_amount"] = f64(r10(amount * nf))
    cols["line_item_operation"] = cc["operation"]
    cols["line_item_product_code"] = take(v.sku["product_code"], sku)
    res_idx = np.where(np.isin(lt, SPLIT_LTS), -1, rows["res"])
    from_commit = np.isin(lt, (SP_RECUR, SP_UPFRONT, RI_FEE, FEE_RI_UP))
    res_idx = np.where(from_commit, sim.n_res + com, res_idx)
    rid = take(sim.rid_vocab, res_idx)
    if np.isin(lt, SPLIT_LTS).any():
        pod_ids = take(sim.pod_vocab, rows["pod"])
        rid = pc.if_else(pa.array(np.isin(lt, SPLIT_LTS)), pod_ids, rid)
    cols["line_item_resource_id"] = rid
    cols["line_item_tax_type"] = cc["tax_type"]
    cols["line_item_unblended_cost"] = f64(cost)
    cols["line_item_unblended_rate"] = cc["rate"]
    cols["line_item_usage_account_id"] = take(v.acct_id, acct)
    cols["line_item_usage_account_name"] = take(v.acct_name, acct)
    cols["line_item_usage_amount"] = f64(amount)
    cols["line_item_usage_end_date"] = ts(rows["t1"])
    cols["line_item_usage_start_date"] = ts(rows["t0"])
    return cols


def _pricing_and_product_columns(rows: Rows, v: OrgVocab, cc: dict) -> dict[str, pa.Array]:
    """`pricing_*` and `product*` columns."""
    n = rows.n
    sku = rows["sku"]
    cols: dict[str, pa.Array] = {}
    cols["line_item_usage_type"] = take(v.sku["usage_type"], sku)
    cols["pricing_currency"] = const("USD", n)
    cols["pricing_lease_contract_length"] = cc["lease"]
    cols["pricing_offering_class"] = cc["offering_class"]
    cols["pricing_public_on_demand_cost"] = f64(np.nan_to_num(rows.get_f("public"), nan=0.0))
    cols["pricing_public_on_demand_rate"] = cc["public_rate"]
    cols["pricing_purchase_option"] = cc["purchase_option"]
    cols["pricing_rate_code"] = cc["rate_code"]
    cols["pricing_rate_id"] = cc["rate_id"]
    cols["pricing_term"] = cc["term"]
    cols["pricing_unit"] = cc["unit"]
    cols["product"] = take(v.sku["pmap"], sku)
    for col, key in [("product_from_location", "from_location"), ("product_from_location_type", "from_location_type"),
                     ("product_from_region_code", "from_region"), ("product_instance_family", "instance_family"),
                     ("product_instance_type", "instance_type"), ("product_location", "location"),
                     ("product_location_type", "location_type"), ("product_operation", "operation"),
                     ("product_pricing_unit", "unit"), ("product_product_family", "family"),
                     ("product_region_code", "region"), ("product_servicecode", "servicecode"),
                     ("product_sku", "sku_id"), ("product_to_location", "to_location"),
                     ("product_to_location_type", "to_location_type"), ("product_to_region_code", "to_region"),
                     ("product_usagetype", "usage_type")]:
        cols[col] = take(v.sku[key], sku)
    return cols


def _reservation_columns(rows: Rows, cc: dict) -> dict[str, pa.Array]:
    """`reservation_*` columns (filled on RI rows)."""
    n = rows.n
    elig = rows["elig"]
    nf = rows.get_f("nf")
    cols: dict[str, pa.Array] = {}
    for col, key in [("reservation_amortized_upfront_cost_for_usage", "ri_amort_usage"),
                     ("reservation_amortized_upfront_fee_for_billing_period", "ri_amort_period"),
                     ("reservation_effective_cost", "ri_eff"),
                     ("reservation_recurring_fee_for_usage", "ri_recur_usage"),
                     ("reservation_unused_amortized_upfront_fee_for_billing_period", "ri_unused_amort"),
                     ("reservation_unused_quantity", "ri_unused_qty"),
                     ("reservation_unused_recurring_fee", "ri_unused_recur"),
                     ("reservation_upfront_value", "ri_upfront")]:
        cols[col] = f64(rows.get_f(key))
    for col, key in [("reservation_net_amortized_upfront_cost_for_usage", "ri_amort_usage"),
                     ("reservation_net_amortized_upfront_fee_for_billing_period", "ri_amort_period"),
                     ("reservation_net_effective_cost", "ri_eff"),
                     ("reservation_net_recurring_fee_for_usage", "ri_recur_usage"),
                     ("reservation_net_unused_amortized_upfront_fee_for_billing_period", "ri_unused_amort"),
                     ("reservation_net_unused_recurring_fee", "ri_unused_recur"),
                     ("reservation_net_upfront_value", "ri_upfront")]:
        cols[col] = f64(net_of(rows.get_f(key), elig))
    cols["reservation_unused_normalized_unit_quantity"] = f64(r10(rows.get_f("ri_unused_qty") * nf))
    cols["reservation_availability_zone"] = pa.nulls(n, pa.string())
    cols["reservation_end_time"] = cc["ri_end"]
    cols["reservation_modification_status"] = cc["ri_mod"]
    cols["reservation_normalized_units_per_reservation"] = cc["ri_nunits_per"]
    cols["reservation_number_of_reservations"] = cc["ri_nres"]
    cols["reservation_reservation_a_r_n"] = cc["ri_arn"]
    cols["reservation_start_time"] = cc["ri_start"]
    cols["reservation_subscription_id"] = cc["ri_sub"]
    cols["reservation_total_reserved_normalized_units"] = cc["ri_total_nunits"]
    cols["reservation_total_reserved_units"] = cc["ri_total_units"]
    cols["reservation_units_per_reservation"] = cc["ri_units_per"]
    return cols


def _savings_plan_columns(rows: Rows, cc: dict) -> dict[str, pa.Array]:
    """`savings_plan_*` columns (filled on Savings Plan rows)."""
    elig = rows["elig"]
    cols: dict[str, pa.Array] = {}
    cols["savings_plan_amortized_upfront_commitment_for_billing_period"] = f64(rows.get_f("sp_amort_up"))
    cols["savings_plan_net_amortized_upfront_commitment_for_billing_period"] = f64(
        net_of(rows.get_f("sp_amort_up"), elig))
    cols["savings_plan_recurring_commitment_for_billing_period"] = f64(rows.get_f("sp_recur"))
    cols["savings_plan_net_recurring_commitment_for_billing_period"] = f64(net_of(rows.get_f("sp_recur"), elig))
    cols["savings_plan_savings_plan_effective_cost"] = f64(rows.get_f("sp_eff"))
    cols["savings_plan_net_savings_plan_effective_cost"] = f64(net_of(rows.get_f("sp_eff"), elig))
    cols["savings_plan_savings_plan_rate"] = f64(rows.get_f("sp_rate"))
    cols["savings_plan_total_commitment_to_date"] = f64(rows.get_f("sp_total"))
    cols["savings_plan_used_commitment"] = f64(rows.get_f("sp_used"))
    cols["savings_plan_end_time"] = cc["sp_end"]
    cols["savings_plan_start_time"] = cc["sp_start"]
    cols["savings_plan_instance_type_family"] = cc["sp_family"]
    cols["savings_plan_offering_type"] = cc["sp_offering"]
    cols["savings_plan_payment_option"] = cc["sp_payment"]
    cols["savings_plan_purchase_term"] = cc["sp_term"]
    cols["savings_plan_region"] = cc["sp_region"]
    cols["savings_plan_savings_plan_a_r_n"] = cc["sp_arn"]
    return cols


def _split_cost_columns(sim: PeriodSim, rows: Rows) -> dict[str, pa.Array]:
    """`split_line_item_*` columns (filled on split-cost child rows)."""
    lt = rows["lt"]
    cols: dict[str, pa.Array] = {}
    split = np.isin(lt, SPLIT_LTS)
    cols["split_line_item_actual_usage"] = f64(rows.get_f("split_actual"))
    cols["split_line_item_net_split_cost"] = f64(np.where(split, r10(rows.get_f("split_cost") * (1 - EDP_RATE)),
                                                          np.nan))
    cols["split_line_item_net_unused_cost"] = f64(np.where(split, r10(rows.get_f("split_unused") * (1 - EDP_RATE)),
                                                           np.nan))
    parent = take(sim.rid_vocab, np.where(split, rows["res"], -1))
    cols["split_line_item_parent_resource_id"] = parent
    cols["split_line_item_public_on_demand_split_cost"] = f64(rows.get_f("split_pub_cost"))
    cols["split_line_item_public_on_demand_unused_cost"] = f64(rows.get_f("split_pub_unused"))
    cols["split_line_item_reserved_usage"] = f64(rows.get_f("split_reserved"))
    cols["split_line_item_split_cost"] = f64(rows.get_f("split_cost"))
    cols["split_line_item_split_usage"] = f64(rows.get_f("split_usage"))
    cols["split_line_item_split_usage_ratio"] = f64(rows.get_f("split_ratio"))
    cols["split_line_item_unused_cost"] = f64(rows.get_f("split_unused"))
    return cols


def _discount_and_tag_columns(rows: Rows, v: OrgVocab, rs: dict) -> dict[str, pa.Array]:
    """Discounts, cost categories and tags."""
    n = rows.n
    acct = rows["acct"]
    cols: dict[str, pa.Array] = {}
    disc = rows["disc"]
    cols["discount"] = discount_map(disc)
    cols["discount_bundled_discount"] = pa.nulls(n, pa.float64())
    cols["discount_total_discount"] = f64(disc)
    cols["cost_category"] = take(v.cost_category, acct)
    cols["resource_tags"] = take(v.resource_tags, rs["tag"])
    cols["tags"] = take(v.tags, rs["tag"].astype(np.int64) * v.n_acct + acct)
    return cols
