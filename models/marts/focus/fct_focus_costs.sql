{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='x_BillingPeriod',
        partitioned_by=billing_period_partitioning('x_BillingPeriod'),
        on_schema_change='fail',
        billing_period_column='x_BillingPeriod',
        delivery_column='x_DeliveryExecutionId',
    )
}}
{#-
    FOCUS 1.2 cost and usage rows built from CUR 2.0 (docs/focus.md): every FOCUS 1.2 column, named
    and ordered as in AWS's `FOCUS 1.2 with AWS columns` export, then the `x_` columns. One row per
    charge of int_focus_charges_from_cur: a CUR line item, or the Unused row of a commitment fee
    line. The cost columns reconcile to the spend marts per billing period
    (tests/focus/assert_focus_costs_reconcile_to_spend.sql). Incremental by whole billing period,
    as the spend marts: only periods whose CUR delivery changed are rebuilt; the period and the
    delivery are the last two columns (x_BillingPeriod last: Athena's partition column).
-#}
with charges as (

    select * from {{ ref('int_focus_charges_from_cur') }}
    where {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

services as (

    select * from {{ ref('aws_service_categories') }}

),

mapped as (

    select
        charges.*,
        charges.charge_category in ('Usage', 'Purchase') and not charges.is_unused_commitment as is_priced,
        charges.charge_category = 'Usage' and not charges.is_unused_commitment as is_consumed,
        case
            when charges.charge_category not in ('Usage', 'Purchase') then null
            when charges.is_unused_commitment and charges.purchase_option = 'SavingsPlan' then charges.amortized_cost
            when charges.is_unused_commitment then charges.reservation_unused_quantity
            when charges.line_item_type = 'SavingsPlanCoveredUsage' then charges.savings_plan_effective_cost
            when charges.line_item_type = 'DiscountedUsage' then charges.usage_amount
            when charges.line_item_type = 'SavingsPlanRecurringFee' then charges.savings_plan_total_commitment_to_date
            when charges.line_item_type = 'SavingsPlanUpfrontFee' then charges.unblended_cost
            when charges.line_item_type = 'RIFee' then charges.reservation_total_reserved_units
            -- an RI's upfront fee: the reservations bought (its usage amount) for the whole term, in hours
            when charges.line_item_type = 'Fee' and charges.purchase_option = 'Reserved'
                then
                    charges.usage_amount
                    * {{ dbt.datediff('charges.reservation_start_at', 'charges.reservation_end_at', 'hour') }}
        end as commitment_discount_quantity,
        case
            when charges.charge_category not in ('Usage', 'Purchase') then null
            when charges.purchase_option = 'SavingsPlan' then 'Savings Plan'
            when charges.purchase_option = 'Reserved' then 'Reserved Instance'
        end as commitment_discount_type,
        nullif(charges.region, 'global') as region_id,
        coalesce(charges.product_name, services.service_name, charges.product_code) as service_name,
        coalesce(services.service_category, 'Other') as service_category,
        coalesce(services.service_subcategory, 'Other (Other)') as service_subcategory,
        deliveries.execution_id as delivery_execution_id
    from charges
    left join services
        on charges.product_code = services.product_code
    left join deliveries
        on charges.billing_period = deliveries.billing_period

),

final as (

    select
        availability_zone as AvailabilityZone,
        billed_cost as BilledCost,
        payer_account_id as BillingAccountId,
        payer_account_name as BillingAccountName,
        'Management Account' as BillingAccountType,
        currency_code as BillingCurrency,
        cast(billing_period_end_date as timestamp) as BillingPeriodEnd,
        cast(billing_period_start_date as timestamp) as BillingPeriodStart,
        -- CUR 2.0's capacity reservation columns are not staged (docs/focus.md, 'Conformance gaps')
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        charge_category as ChargeCategory,
        focus_charge_class as ChargeClass,
        case
            when is_unused_commitment then 'Unused ' || commitment_discount_type || ' commitment (' || commitment_arn || ')'
            else line_item_description
        end as ChargeDescription,
        charge_frequency as ChargeFrequency,
        usage_end_at as ChargePeriodEnd,
        usage_start_at as ChargePeriodStart,
        case commitment_discount_type
            when 'Savings Plan' then 'Spend'
            when 'Reserved Instance' then 'Usage'
        end as CommitmentDiscountCategory,
        case when charge_category in ('Usage', 'Purchase') then commitment_arn end as CommitmentDiscountId,
        case when charge_category in ('Usage', 'Purchase') then regexp_extract(commitment_arn, '[^/:]+$') end
            as CommitmentDiscountName,
        cast(commitment_discount_quantity as double) as CommitmentDiscountQuantity,
        commitment_discount_status as CommitmentDiscountStatus,
        commitment_discount_type as CommitmentDiscountType,
        case
            when commitment_discount_quantity is null then null
            when commitment_discount_type = 'Savings Plan' then 'USD'
            when commitment_discount_type = 'Reserved Instance' then 'Hours'
        end as CommitmentDiscountUnit,
        case when is_consumed then usage_amount end as ConsumedQuantity,
        case when is_consumed and usage_amount is not null then pricing_unit end as ConsumedUnit,
        -- negotiated discounts (EDP, private rates) are line items of their own in the CUR, not a
        -- contracted rate: the contracted price is the list price (docs/focus.md)
        list_cost as ContractedCost,
        case when is_consumed then public_on_demand_rate end as ContractedUnitPrice,
        effective_cost as EffectiveCost,
        invoice_id as InvoiceId,
        invoicing_entity as InvoiceIssuerName,
        list_cost as ListCost,
        case when is_consumed then public_on_demand_rate end as ListUnitPrice,
        pricing_category as PricingCategory,
        coalesce(pricing_currency, currency_code) as PricingCurrency,
        case when is_consumed then public_on_demand_rate end as PricingCurrencyContractedUnitPrice,
        effective_cost as PricingCurrencyEffectiveCost,
        case when is_consumed then public_on_demand_rate end as PricingCurrencyListUnitPrice,
        case when is_priced then usage_amount end as PricingQuantity,
        case when is_priced and usage_amount is not null then pricing_unit end as PricingUnit,
        'AWS' as ProviderName,
        legal_entity as PublisherName,
        region_id as RegionId,
        case when region_id is not null then location end as RegionName,
        case when is_unused_commitment then commitment_arn else resource_id end as ResourceId,
        cast(null as varchar) as ResourceName,
        -- the commitment itself is the resource of its purchases and unused rows
        case
            when is_unused_commitment or resource_id = commitment_arn then commitment_discount_type
            when resource_id is not null then product_family
        end as ResourceType,
        service_category as ServiceCategory,
        service_name as ServiceName,
        service_subcategory as ServiceSubcategory,
        case when is_priced then sku_id end as SkuId,
        cast(null as varchar) as SkuMeter,
        -- SKU attributes are not mapped to FOCUS's price detail keys (docs/focus.md, 'Conformance gaps')
        cast(null as map(varchar, varchar)) as SkuPriceDetails,  -- noqa: LT01
        case when is_consumed then pricing_rate_code end as SkuPriceId,
        usage_account_id as SubAccountId,
        usage_account_name as SubAccountName,
        case when usage_account_id = payer_account_id then 'Management Account' else 'Member Account' end
            as SubAccountType,
        {{ map_strip_key_prefix('tags', 'user_') }} as Tags,
        -- AWS's columns: x_Discounts, x_Operation, x_ServiceCode (FOCUS 1.2 export), x_CostCategories
        -- and x_UsageType (FOCUS 1.0 export); then the CUR line item the row comes from
        cost_categories as x_CostCategories,
        -- the fee line's discounts stay on the fee line
        case when is_unused_commitment then cast(map() as map(varchar, double)) else discounts end as x_Discounts,  -- noqa: LT01
        operation as x_Operation,
        coalesce(service_code, product_code) as x_ServiceCode,
        usage_type as x_UsageType,
        line_item_id as x_LineItemId,
        line_item_type as x_LineItemType,
        delivery_execution_id as x_DeliveryExecutionId,
        billing_period as x_BillingPeriod
    from mapped

)

select * from final
