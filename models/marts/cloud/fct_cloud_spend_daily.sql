{#-
    Every cloud's spend in one place: AWS from our own spend rules (int_spend_by_day: the CUR
    amortised once, in int_line_items_amortized) and every other provider from its FOCUS export
    (int_other_cloud_spend_by_day). Billed cost is AWS unblended = FOCUS BilledCost, effective
    cost is AWS amortised = FOCUS EffectiveCost, list cost is AWS public on-demand = FOCUS
    ListCost (docs/multicloud.md). Grain: one row per billing period, date, provider, billing
    account, sub-account, service, service category, region and billing currency.
-#}
with aws_spend_by_day as (

    select * from {{ ref('int_spend_by_day') }}

),

other_cloud_spend_by_day as (

    select * from {{ ref('int_other_cloud_spend_by_day') }}

),

aws_service_categories as (

    select * from {{ ref('aws_service_categories') }}

),

aws as (

    select
        aws_spend_by_day.billing_period,
        aws_spend_by_day.usage_date,
        {{ focus_provider("'AWS'") }} as provider,
        'AWS' as provider_name,
        aws_spend_by_day.payer_account_id as billing_account_id,
        aws_spend_by_day.usage_account_id as sub_account_id,
        aws_spend_by_day.service,
        coalesce(aws_service_categories.service_category, 'Other') as service_category,
        aws_spend_by_day.region,
        -- the CUR bills AWS in US dollars (the spend marts carry no currency)
        'USD' as billing_currency,
        aws_spend_by_day.line_item_count,
        aws_spend_by_day.unblended_cost,
        aws_spend_by_day.amortized_cost,
        aws_spend_by_day.public_on_demand_cost
    from aws_spend_by_day
    left join aws_service_categories
        on aws_spend_by_day.product_code = aws_service_categories.product_code

),

aws_daily as (

    select
        billing_period,
        usage_date,
        provider,
        provider_name,
        billing_account_id,
        sub_account_id,
        service,
        service_category,
        region,
        billing_currency,
        sum(line_item_count) as charge_row_count,
        sum(unblended_cost) as billed_cost,
        sum(amortized_cost) as effective_cost,
        sum(public_on_demand_cost) as list_cost
    from aws
    group by
        billing_period, usage_date, provider, provider_name, billing_account_id, sub_account_id, service,
        service_category, region, billing_currency

),

other_clouds_daily as (

    select
        billing_period,
        charge_date as usage_date,
        provider,
        provider_name,
        billing_account_id,
        sub_account_id,
        service_name as service,
        service_category,
        region,
        billing_currency,
        charge_row_count,
        billed_cost,
        effective_cost,
        list_cost
    from other_cloud_spend_by_day

),

unioned as (

    select * from aws_daily
    union all
    select * from other_clouds_daily

),

final as (

    select
        usage_date,
        provider,
        provider_name,
        billing_account_id,
        sub_account_id,
        service,
        service_category,
        region,
        billing_currency,
        cast(charge_row_count as bigint) as charge_row_count,
        cast(billed_cost as decimal(38, 8)) as billed_cost,
        cast(effective_cost as decimal(38, 8)) as effective_cost,
        cast(list_cost as decimal(38, 8)) as list_cost,
        billing_period
    from unioned

)

select * from final
