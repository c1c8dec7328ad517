{#-
    One row per CUR line item that counts towards spend (grain: billing_period + line_item_id),
    with its cost under every basis (macros/cost/cost_bases.sql), its charge class and service.
    Split-cost child rows (EKSPod-EC2 / ECSTask-EC2) are left out: they repeat their parent
    instance's cost.

    A view on purpose: marts aggregate straight from it in one pass over the Parquet files, which
    costs about one scan, while materialising line items costs ~8 scans (docs/engines.md).
-#}
with line_items as (

    select * from {{ ref('stg_aws_cur__line_items') }}

),

amortized as (

    select
        billing_period,
        line_item_id,
        payer_account_id,
        payer_account_name,
        usage_account_id,
        usage_account_name,
        invoice_id,
        billing_entity,
        legal_entity,
        line_item_type,
        line_item_description,
        product_code,
        -- CID's service: the Marketplace product name for Marketplace charges, else the service code
        case
            when billing_entity = 'AWS Marketplace' and line_item_type not like '%Discount'
                then coalesce(product_name, product_code)
            else coalesce(service_code, product_code)
        end as service,
        product_name,
        product_family,
        usage_type,
        operation,
        resource_id,
        coalesce(region_code, product_region, 'global') as region,
        availability_zone,
        usage_start_at,
        usage_end_at,
        usage_date,
        usage_amount,
        pricing_unit,
        normalization_factor,
        normalized_usage_amount,
        instance_type,
        instance_family,
        instance_type_family,
        vcpu_count,
        tenancy,
        current_generation,
        operating_system,
        physical_processor,
        database_engine,
        license_model,
        volume_api_name,
        volume_type,
        storage_class,
        commitment_arn,
        purchase_option,
        -- commitment attributes (Savings Plan columns, or the RI's pricing/reservation columns)
        savings_plan_offering_type,
        savings_plan_payment_option,
        savings_plan_purchase_term,
        savings_plan_region,
        savings_plan_instance_type_family,
        savings_plan_start_at,
        savings_plan_end_at,
        savings_plan_total_commitment_to_date,
        savings_plan_used_commitment,
        pricing_offering_class,
        pricing_lease_contract_length,
        pricing_purchase_option,
        reservation_start_at,
        reservation_end_at,
        reservation_count,
        {{ charge_class() }} as charge_class,
        {{ is_commitment_eligible() }} as is_commitment_eligible,
        resource_tags,
        cost_categories,
        {{ money(unblended_cost()) }} as unblended_cost,
        {{ money(amortized_cost()) }} as amortized_cost,
        {{ money(net_unblended_cost()) }} as net_unblended_cost,
        {{ money(net_amortized_cost()) }} as net_amortized_cost,
        {{ money(public_on_demand_cost()) }} as public_on_demand_cost,
        {{ money(on_demand_equivalent_cost()) }} as on_demand_equivalent_cost,
        -- the rest of what the FOCUS mart maps (int_focus_charges_from_cur): a view, so the other
        -- readers never scan these columns
        billing_period_start_date,
        billing_period_end_date,
        bill_type,
        invoicing_entity,
        currency_code,
        pricing_currency,
        service_code,
        sku_id,
        pricing_rate_code,
        public_on_demand_rate,
        location,
        savings_plan_effective_cost,
        reservation_total_reserved_units,
        reservation_unused_quantity,
        discounts,
        tags
    from line_items
    where not is_split_cost_child

)

select * from amortized
