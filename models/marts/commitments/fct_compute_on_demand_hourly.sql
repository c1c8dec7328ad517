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
    The hourly baseline for sizing a Compute Savings Plan (docs/cost_rules.md, 'Savings Plan sizing'; CID's
    compute_savings_plan_eligible_spend): per payer and hour, the on-demand cost of the usage a
    Compute SP could still cover — eligible Compute usage (EC2 instances, Fargate, Lambda) billed
    on demand, not Spot, not already covered. Lines of a daily (or monthly) CUR are spread evenly
    over their hours, so the series is hourly whatever the export's granularity.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        is_commitment_eligible
        and line_item_type = 'Usage'
        and purchase_option = 'OnDemand'
        and {{ billing_periods_to_rebuild('cur2') }}

),

compute_products as (

    select product_code
    from {{ ref('aws_service_categories') }}
    where commit_service_group = 'Compute'

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

hour_offsets as (

    {{ integer_series(744) }}

),

intervals as (

    select
        line_items.billing_period,
        line_items.payer_account_id,
        line_items.usage_start_at,
        greatest({{ dbt.datediff('line_items.usage_start_at', 'line_items.usage_end_at', 'hour') }}, 1) as interval_hours,
        sum(line_items.unblended_cost) as on_demand_cost,
        sum(line_items.public_on_demand_cost) as public_on_demand_cost
    from line_items
    inner join compute_products
        on line_items.product_code = compute_products.product_code
    group by
        line_items.billing_period,
        line_items.payer_account_id,
        line_items.usage_start_at,
        greatest({{ dbt.datediff('line_items.usage_start_at', 'line_items.usage_end_at', 'hour') }}, 1)

),

hourly as (

    select
        intervals.billing_period,
        intervals.payer_account_id,
        {{ dbt.dateadd('hour', 'hour_offsets.n', 'intervals.usage_start_at') }} as hour_start_at,
        sum({{ ratio('intervals.on_demand_cost', 'intervals.interval_hours') }}) as on_demand_cost,
        sum({{ ratio('intervals.public_on_demand_cost', 'intervals.interval_hours') }}) as public_on_demand_cost
    from intervals
    inner join hour_offsets
        on intervals.interval_hours > hour_offsets.n
    group by
        intervals.billing_period,
        intervals.payer_account_id,
        {{ dbt.dateadd('hour', 'hour_offsets.n', 'intervals.usage_start_at') }}

),

final as (

    select
        hourly.payer_account_id,
        hourly.hour_start_at,
        hourly.on_demand_cost,
        hourly.public_on_demand_cost,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        hourly.billing_period
    from hourly
    left join deliveries
        on hourly.billing_period = deliveries.billing_period

)

select * from final
