{#-
    One row per charge row of the FOCUS exports (1.0, 1.1 or 1.2, AWS or another provider), in the
    FOCUS 1.2 shape: the landing gives the columns a version lacks as typed nulls and records the
    version per row (focus_version). Column names are the FOCUS names in snake_case; money is
    decimal; enum values take the spec's spelling whatever case the provider wrote
    (macros/focus/focus_enums.sql); the AWS `x_` columns keep their meaning.
-#}
with source as (

    select * from {{ source('aws_focus', 'focus') }}

),

renamed as (

    select
        cast(billing_period as varchar) as billing_period,
        -- the export (as named in AWS) the row was delivered by
        {{ landed_export_name() }} as export_name,
        {{ landed_schema_version('focus_version') }} as focus_version,

        -- accounts and invoice
        cast(BillingAccountId as varchar) as billing_account_id,
        {{ empty_as_null('BillingAccountName') }} as billing_account_name,
        {{ empty_as_null('BillingAccountType') }} as billing_account_type,
        cast(SubAccountId as varchar) as sub_account_id,
        {{ empty_as_null('SubAccountName') }} as sub_account_name,
        {{ empty_as_null('SubAccountType') }} as sub_account_type,
        {{ empty_as_null('InvoiceId') }} as invoice_id,
        {{ empty_as_null('InvoiceIssuerName') }} as invoice_issuer_name,
        {{ empty_as_null('ProviderName') }} as provider_name,
        {{ empty_as_null('PublisherName') }} as publisher_name,
        BillingCurrency as billing_currency,
        {{ empty_as_null('PricingCurrency') }} as pricing_currency,

        -- periods
        {{ to_utc_timestamp('BillingPeriodStart') }} as billing_period_start_at,
        {{ to_utc_timestamp('BillingPeriodEnd') }} as billing_period_end_at,
        {{ to_utc_timestamp('ChargePeriodStart') }} as charge_period_start_at,
        {{ to_utc_timestamp('ChargePeriodEnd') }} as charge_period_end_at,
        cast(ChargePeriodStart as date) as charge_date,

        -- charge
        {{ focus_enum('ChargeCategory') }} as charge_category,
        {{ focus_enum('ChargeClass') }} as charge_class,
        {{ focus_enum('ChargeFrequency') }} as charge_frequency,
        {{ empty_as_null('ChargeDescription') }} as charge_description,
        {{ focus_enum('PricingCategory') }} as pricing_category,

        -- costs
        {{ money('BilledCost') }} as billed_cost,
        {{ money('EffectiveCost') }} as effective_cost,
        {{ money('ListCost') }} as list_cost,
        {{ money('ContractedCost') }} as contracted_cost,
        {{ money('PricingCurrencyEffectiveCost') }} as pricing_currency_effective_cost,
        cast(ListUnitPrice as decimal(18, 10)) as list_unit_price,
        cast(ContractedUnitPrice as decimal(18, 10)) as contracted_unit_price,
        cast(PricingCurrencyListUnitPrice as decimal(18, 10)) as pricing_currency_list_unit_price,
        cast(PricingCurrencyContractedUnitPrice as decimal(18, 10)) as pricing_currency_contracted_unit_price,

        -- quantities
        PricingQuantity as pricing_quantity,
        {{ empty_as_null('PricingUnit') }} as pricing_unit,
        ConsumedQuantity as consumed_quantity,
        {{ empty_as_null('ConsumedUnit') }} as consumed_unit,

        -- commitment discounts and capacity reservations
        {{ empty_as_null('CommitmentDiscountId') }} as commitment_discount_id,
        {{ empty_as_null('CommitmentDiscountName') }} as commitment_discount_name,
        {{ focus_enum('CommitmentDiscountCategory') }} as commitment_discount_category,
        {{ empty_as_null('CommitmentDiscountType') }} as commitment_discount_type,
        {{ focus_enum('CommitmentDiscountStatus') }} as commitment_discount_status,
        CommitmentDiscountQuantity as commitment_discount_quantity,
        {{ empty_as_null('CommitmentDiscountUnit') }} as commitment_discount_unit,
        {{ empty_as_null('CapacityReservationId') }} as capacity_reservation_id,
        {{ focus_enum('CapacityReservationStatus') }} as capacity_reservation_status,

        -- service, location, resource, SKU
        {{ empty_as_null('ServiceName') }} as service_name,
        {{ focus_service_category('ServiceCategory') }} as service_category,
        {{ empty_as_null('ServiceSubcategory') }} as service_subcategory,
        {{ empty_as_null('RegionId') }} as region_id,
        {{ empty_as_null('RegionName') }} as region_name,
        {{ empty_as_null('AvailabilityZone') }} as availability_zone,
        {{ empty_as_null('ResourceId') }} as resource_id,
        {{ empty_as_null('ResourceName') }} as resource_name,
        {{ empty_as_null('ResourceType') }} as resource_type,
        {{ empty_as_null('SkuId') }} as sku_id,
        {{ empty_as_null('SkuMeter') }} as sku_meter,
        {{ empty_as_null('SkuPriceId') }} as sku_price_id,
        SkuPriceDetails as sku_price_details,
        Tags as tags,  -- noqa: AL09

        -- AWS extension columns
        x_Discounts as x_discounts,  -- noqa: AL09
        {{ empty_as_null('x_Operation') }} as x_operation,
        {{ empty_as_null('x_ServiceCode') }} as x_service_code

    from source

)

select * from renamed
