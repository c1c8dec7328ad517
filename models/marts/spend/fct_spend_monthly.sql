{#- Monthly spend: int_spend_by_billing_period as published (one row per billing period, payer,
    usage account, service, region, usage type, line item type and purchase option). Columns in
    the contract's order: Athena keeps a model's order, DuckDB follows the contract. -#}
with spend_by_billing_period as (

    select * from {{ ref('int_spend_by_billing_period') }}

),

final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        product_code,
        service,
        region,
        usage_type,
        line_item_type,
        charge_class,
        purchase_option,
        line_item_count,
        usage_amount,
        unblended_cost,
        amortized_cost,
        net_unblended_cost,
        net_amortized_cost,
        public_on_demand_cost
    from spend_by_billing_period

)

select * from final
