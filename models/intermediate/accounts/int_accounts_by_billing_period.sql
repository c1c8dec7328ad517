{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    One row per billing period and AWS account seen in the CUR (as usage account or as payer),
    with the name and payer the CUR gives it that period. Kept per period and incremental like
    fct_spend_daily, so dim_accounts never rescans the line items of unchanged periods.
-#}
with line_items as (

    select
        billing_period,
        usage_account_id,
        usage_account_name,
        payer_account_id,
        payer_account_name
    from {{ ref('stg_aws_cur__line_items') }}
    where {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

usage_accounts as (

    select
        billing_period,
        usage_account_id as account_id,
        max(usage_account_name) as account_name,
        max(payer_account_id) as payer_account_id
    from line_items
    group by billing_period, usage_account_id

),

payer_accounts as (

    select
        billing_period,
        payer_account_id as account_id,
        max(payer_account_name) as account_name,
        payer_account_id
    from line_items
    group by billing_period, payer_account_id

),

accounts as (

    select * from usage_accounts
    union all
    select * from payer_accounts

),

by_period as (

    select
        billing_period,
        account_id,
        max(account_name) as account_name,
        max(payer_account_id) as payer_account_id
    from accounts
    group by billing_period, account_id

),

final as (

    select
        by_period.account_id,
        by_period.account_name,
        by_period.payer_account_id,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        by_period.billing_period
    from by_period
    left join deliveries
        on by_period.billing_period = deliveries.billing_period

)

select * from final
