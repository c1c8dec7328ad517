"""Arrow schemas of the four AWS Data Exports, as AWS writes them to Parquet.

This module is the contract between the sample generator (which writes these files), the sync
command (which validates what it downloads) and the dbt sources (which read them). Column names
and types follow AWS's table dictionaries (docs/exports.md):

* CUR 2.0 (`COST_AND_USAGE_REPORT`) with resources, split cost allocation data and IAM principal
  enabled: costs and quantities are double, rates and the RI/SP `*_time` columns are strings,
  `*_date` columns are timestamps, attributes live in the `product` map and tags in `resource_tags`
  (`user_` keys), `cost_category`, `tags`; discounts in the `discount` map (string -> double).
* FOCUS 1.2 with AWS columns (`FOCUS_1_2_AWS`): the 57 FOCUS 1.2 columns plus `x_Discounts`,
  `x_Operation` and `x_ServiceCode`.
* Cost Optimization Hub (`COST_OPTIMIZATION_RECOMMENDATIONS`).
* Carbon emissions (`CARBON_EMISSIONS`).

The partition column (`billing_period`, from the `BILLING_PERIOD=YYYY-MM` folder) is not stored in
the files.
"""

from __future__ import annotations

import pyarrow as pa

_TS = pa.timestamp("ms", tz="UTC")
_STR = pa.string()
_F64 = pa.float64()
_MAP_STR = pa.map_(pa.string(), pa.string())
_MAP_F64 = pa.map_(pa.string(), pa.float64())


def _schema(*groups: list[tuple[str, pa.DataType]]) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for group in groups for name, dtype in group])


_CUR_BILL = [
    ("bill_bill_type", _STR),
    ("bill_billing_entity", _STR),
    ("bill_billing_period_end_date", _TS),
    ("bill_billing_period_start_date", _TS),
    ("bill_invoice_id", _STR),
    ("bill_invoicing_entity", _STR),
    ("bill_payer_account_id", _STR),
    ("bill_payer_account_name", _STR),
]
_CUR_IDENTITY = [
    ("identity_line_item_id", _STR),
    ("identity_time_interval", _STR),
]
_CUR_LINE_ITEM = [
    ("line_item_availability_zone", _STR),
    ("line_item_blended_cost", _F64),
    ("line_item_blended_rate", _STR),
    ("line_item_currency_code", _STR),
    ("line_item_iam_principal", _STR),
    ("line_item_legal_entity", _STR),
    ("line_item_line_item_description", _STR),
    ("line_item_line_item_type", _STR),
    ("line_item_net_unblended_cost", _F64),
    ("line_item_net_unblended_rate", _STR),
    ("line_item_normalization_factor", _F64),
    ("line_item_normalized_usage_amount", _F64),
    ("line_item_operation", _STR),
    ("line_item_product_code", _STR),
    ("line_item_resource_id", _STR),
    ("line_item_tax_type", _STR),
    ("line_item_unblended_cost", _F64),
    ("line_item_unblended_rate", _STR),
    ("line_item_usage_account_id", _STR),
    ("line_item_usage_account_name", _STR),
    ("line_item_usage_amount", _F64),
    ("line_item_usage_end_date", _TS),
    ("line_item_usage_start_date", _TS),
    ("line_item_usage_type", _STR),
]
_CUR_PRICING = [
    ("pricing_currency", _STR),
    ("pricing_lease_contract_length", _STR),
    ("pricing_offering_class", _STR),
    ("pricing_public_on_demand_cost", _F64),
    ("pricing_public_on_demand_rate", _STR),
    ("pricing_purchase_option", _STR),
    ("pricing_rate_code", _STR),
    ("pricing_rate_id", _STR),
    ("pricing_term", _STR),
    ("pricing_unit", _STR),
]
_CUR_PRODUCT = [
    ("product", _MAP_STR),
    ("product_comment", _STR),
    ("product_fee_code", _STR),
    ("product_fee_description", _STR),
    ("product_from_location", _STR),
    ("product_from_location_type", _STR),
    ("product_from_region_code", _STR),
    ("product_instance_family", _STR),
    ("product_instance_type", _STR),
    ("product_instancesku", _STR),
    ("product_location", _STR),
    ("product_location_type", _STR),
    ("product_operation", _STR),
    ("product_pricing_unit", _STR),
    ("product_product_family", _STR),
    ("product_region_code", _STR),
    ("product_servicecode", _STR),
    ("product_sku", _STR),
    ("product_to_location", _STR),
    ("product_to_location_type", _STR),
    ("product_to_region_code", _STR),
    ("product_usagetype", _STR),
]
_CUR_RESERVATION = [
    ("reservation_amortized_upfront_cost_for_usage", _F64),
    ("reservation_amortized_upfront_fee_for_billing_period", _F64),
    ("reservation_availability_zone", _STR),
    ("reservation_effective_cost", _F64),
    ("reservation_end_time", _STR),
    ("reservation_modification_status", _STR),
    ("reservation_net_amortized_upfront_cost_for_usage", _F64),
    ("reservation_net_amortized_upfront_fee_for_billing_period", _F64),
    ("reservation_net_effective_cost", _F64),
    ("reservation_net_recurring_fee_for_usage", _F64),
    ("reservation_net_unused_amortized_upfront_fee_for_billing_period", _F64),
    ("reservation_net_unused_recurring_fee", _F64),
    ("reservation_net_upfront_value", _F64),
    ("reservation_normalized_units_per_reservation", _STR),
    ("reservation_number_of_reservations", _STR),
    ("reservation_recurring_fee_for_usage", _F64),
    ("reservation_reservation_a_r_n", _STR),
    ("reservation_start_time", _STR),
    ("reservation_subscription_id", _STR),
    ("reservation_total_reserved_normalized_units", _STR),
    ("reservation_total_reserved_units", _STR),
    ("reservation_units_per_reservation", _STR),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", _F64),
    ("reservation_unused_normalized_unit_quantity", _F64),
    ("reservation_unused_quantity", _F64),
    ("reservation_unused_recurring_fee", _F64),
    ("reservation_upfront_value", _F64),
]
_CUR_SAVINGS_PLAN = [
    ("savings_plan_amortized_upfront_commitment_for_billing_period", _F64),
    ("savings_plan_end_time", _STR),
    ("savings_plan_instance_type_family", _STR),
    ("savings_plan_net_amortized_upfront_commitment_for_billing_period", _F64),
    ("savings_plan_net_recurring_commitment_for_billing_period", _F64),
    ("savings_plan_net_savings_plan_effective_cost", _F64),
    ("savings_plan_offering_type", _STR),
    ("savings_plan_payment_option", _STR),
    ("savings_plan_purchase_term", _STR),
    ("savings_plan_recurring_commitment_for_billing_period", _F64),
    ("savings_plan_region", _STR),
    ("savings_plan_savings_plan_a_r_n", _STR),
    ("savings_plan_savings_plan_effective_cost", _F64),
    ("savings_plan_savings_plan_rate", _F64),
    ("savings_plan_start_time", _STR),
    ("savings_plan_total_commitment_to_date", _F64),
    ("savings_plan_used_commitment", _F64),
]
_CUR_SPLIT_LINE_ITEM = [
    ("split_line_item_actual_usage", _F64),
    ("split_line_item_net_split_cost", _F64),
    ("split_line_item_net_unused_cost", _F64),
    ("split_line_item_parent_resource_id", _STR),
    ("split_line_item_public_on_demand_split_cost", _F64),
    ("split_line_item_public_on_demand_unused_cost", _F64),
    ("split_line_item_reserved_usage", _F64),
    ("split_line_item_split_cost", _F64),
    ("split_line_item_split_usage", _F64),
    ("split_line_item_split_usage_ratio", _F64),
    ("split_line_item_unused_cost", _F64),
]
_CUR_DISCOUNT_AND_TAGS = [
    ("discount", _MAP_F64),
    ("discount_bundled_discount", _F64),
    ("discount_total_discount", _F64),
    ("cost_category", _MAP_STR),
    ("resource_tags", _MAP_STR),
    ("tags", _MAP_STR),
]

CUR2_SCHEMA = _schema(
    _CUR_BILL,
    _CUR_IDENTITY,
    _CUR_LINE_ITEM,
    _CUR_PRICING,
    _CUR_PRODUCT,
    _CUR_RESERVATION,
    _CUR_SAVINGS_PLAN,
    _CUR_SPLIT_LINE_ITEM,
    _CUR_DISCOUNT_AND_TAGS,
)

# FOCUS 1.2 columns (57) in the spec's types, plus the AWS `x_` columns of FOCUS_1_2_AWS.
FOCUS12_SCHEMA = pa.schema(
    [
        ("AvailabilityZone", _STR),
        ("BilledCost", _F64),
        ("BillingAccountId", _STR),
        ("BillingAccountName", _STR),
        ("BillingAccountType", _STR),
        ("BillingCurrency", _STR),
        ("BillingPeriodEnd", _TS),
        ("BillingPeriodStart", _TS),
        ("CapacityReservationId", _STR),
        ("CapacityReservationStatus", _STR),
        ("ChargeCategory", _STR),
        ("ChargeClass", _STR),
        ("ChargeDescription", _STR),
        ("ChargeFrequency", _STR),
        ("ChargePeriodEnd", _TS),
        ("ChargePeriodStart", _TS),
        ("CommitmentDiscountCategory", _STR),
        ("CommitmentDiscountId", _STR),
        ("CommitmentDiscountName", _STR),
        ("CommitmentDiscountQuantity", _F64),
        ("CommitmentDiscountStatus", _STR),
        ("CommitmentDiscountType", _STR),
        ("CommitmentDiscountUnit", _STR),
        ("ConsumedQuantity", _F64),
        ("ConsumedUnit", _STR),
        ("ContractedCost", _F64),
        ("ContractedUnitPrice", _F64),
        ("EffectiveCost", _F64),
        ("InvoiceId", _STR),
        ("InvoiceIssuerName", _STR),
        ("ListCost", _F64),
        ("ListUnitPrice", _F64),
        ("PricingCategory", _STR),
        ("PricingCurrency", _STR),
        ("PricingCurrencyContractedUnitPrice", _F64),
        ("PricingCurrencyEffectiveCost", _F64),
        ("PricingCurrencyListUnitPrice", _F64),
        ("PricingQuantity", _F64),
        ("PricingUnit", _STR),
        ("ProviderName", _STR),
        ("PublisherName", _STR),
        ("RegionId", _STR),
        ("RegionName", _STR),
        ("ResourceId", _STR),
        ("ResourceName", _STR),
        ("ResourceType", _STR),
        ("ServiceCategory", _STR),
        ("ServiceName", _STR),
        ("ServiceSubcategory", _STR),
        ("SkuId", _STR),
        ("SkuMeter", _STR),
        ("SkuPriceDetails", _MAP_STR),
        ("SkuPriceId", _STR),
        ("SubAccountId", _STR),
        ("SubAccountName", _STR),
        ("SubAccountType", _STR),
        ("Tags", _MAP_STR),
        ("x_Discounts", _MAP_F64),
        ("x_Operation", _STR),
        ("x_ServiceCode", _STR),
    ]
)

COH_SCHEMA = pa.schema(
    [
        ("account_id", _STR),
        ("action_type", _STR),
        ("currency_code", _STR),
        ("current_resource_details", _STR),
        ("current_resource_summary", _STR),
        ("current_resource_type", _STR),
        ("estimated_monthly_cost_after_discount", _F64),
        ("estimated_monthly_cost_before_discount", _F64),
        ("estimated_monthly_savings_after_discount", _F64),
        ("estimated_monthly_savings_before_discount", _F64),
        ("estimated_savings_percentage_after_discount", _F64),
        ("estimated_savings_percentage_before_discount", _F64),
        ("implementation_effort", _STR),
        ("last_refresh_timestamp", _STR),
        ("recommendation_id", _STR),
        ("recommendation_lookback_period_in_days", pa.int32()),
        ("recommendation_source", _STR),
        ("recommended_resource_details", _STR),
        ("recommended_resource_summary", _STR),
        ("recommended_resource_type", _STR),
        ("region", _STR),
        ("resource_arn", _STR),
        ("restart_needed", pa.bool_()),
        ("rollback_possible", pa.bool_()),
        ("tags", _MAP_STR),
    ]
)

CARBON_SCHEMA = pa.schema(
    [
        ("last_refresh_timestamp", _TS),
        ("location", _STR),
        ("model_version", _STR),
        ("payer_account_id", _STR),
        ("product_code", _STR),
        ("region_code", _STR),
        ("total_lbm_emissions_unit", _STR),
        ("total_lbm_emissions_value", _F64),
        ("total_mbm_emissions_unit", _STR),
        ("total_mbm_emissions_value", _F64),
        ("total_scope_1_emissions_unit", _STR),
        ("total_scope_1_emissions_value", _F64),
        ("total_scope_2_lbm_emissions_unit", _STR),
        ("total_scope_2_lbm_emissions_value", _F64),
        ("total_scope_2_mbm_emissions_unit", _STR),
        ("total_scope_2_mbm_emissions_value", _F64),
        ("total_scope_3_lbm_emissions_unit", _STR),
        ("total_scope_3_lbm_emissions_value", _F64),
        ("total_scope_3_mbm_emissions_unit", _STR),
        ("total_scope_3_mbm_emissions_value", _F64),
        ("usage_account_id", _STR),
        ("usage_period_end", _TS),
        ("usage_period_start", _TS),
    ]
)

# Export folder name -> (AWS table, schema). The folder names are the ones CID uses.
EXPORTS: dict[str, tuple[str, pa.Schema]] = {
    "cur2": ("COST_AND_USAGE_REPORT", CUR2_SCHEMA),
    "focus": ("FOCUS_1_2_AWS", FOCUS12_SCHEMA),
    "coh": ("COST_OPTIMIZATION_RECOMMENDATIONS", COH_SCHEMA),
    "carbon": ("CARBON_EMISSIONS", CARBON_SCHEMA),
}
