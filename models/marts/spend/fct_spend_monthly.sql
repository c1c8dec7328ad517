{#- One row per billing period, payer, usage account, service, region, usage type, line item
    type and purchase option: fct_spend_daily rolled up to the month (milliseconds to build). -#}
with daily as (

    select * from {{ ref('fct_spend_daily') }}

),

monthly as (

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
        sum(line_item_count) as line_item_count,
        sum(usage_amount) as usage_amount,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(net_unblended_cost) as net_unblended_cost,
        sum(net_amortized_cost) as net_amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost
    from daily
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        product_code,
        service,
        region,
        usage_type,
        line_item_type,
        charge_class,
        purchase_option

)

select * from monthly
