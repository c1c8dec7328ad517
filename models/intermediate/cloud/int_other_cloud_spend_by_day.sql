{#-
    The FOCUS charges of every provider but AWS rolled up to the day: one row per billing period,
    charge date, provider, billing account, sub-account, service, service category, region and
    billing currency, with BilledCost, EffectiveCost and ListCost summed. AWS is left out: its
    spend comes from the CUR and our amortisation (int_spend_by_day), and its own FOCUS export
    describes the same charges a second time.
-#}
with charges as (

    select * from {{ ref('stg_aws_focus__charges') }}

),

other_clouds as (

    select
        billing_period,
        charge_date,
        {{ focus_provider('provider_name') }} as provider,
        provider_name,
        billing_account_id,
        -- FOCUS allows a charge without a sub-account (billing-account-wide): it stays on the billing account
        coalesce(sub_account_id, billing_account_id) as sub_account_id,
        service_name,
        service_category,
        coalesce(region_id, 'global') as region,
        billing_currency,
        billed_cost,
        effective_cost,
        list_cost
    from charges

),

daily as (

    select
        billing_period,
        charge_date,
        provider,
        max(provider_name) as provider_name,
        billing_account_id,
        sub_account_id,
        service_name,
        service_category,
        region,
        billing_currency,
        count(*) as charge_row_count,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost
    from other_clouds
    where provider != {{ focus_provider("'AWS'") }}
    group by
        billing_period, charge_date, provider, billing_account_id, sub_account_id, service_name,
        service_category, region, billing_currency

)

select * from daily
