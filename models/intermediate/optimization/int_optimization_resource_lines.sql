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
    The usage lines of resources (Usage, DiscountedUsage, SavingsPlanCoveredUsage with a
    resource id), summed per day, usage type and instance type, each with its billing period's
    30-day window (docs/cost_rules.md, 'Optimisation'). Read by int_optimization_resource_costs
    (what a resource costs) and int_optimization_waste_actions (what the waste rules match), so
    both see the same lines and the same window, and the line items are scanned once.

    The window is the last 30 days of the period's CUR, ending the day after its latest usage
    day (the whole month for a closed period, up to the last delivered day for the open one),
    clipped to the period: a period is read on its own, so a re-delivered month never changes
    another month's window. The last 7 days decide whether a resource is stale. Incremental by
    whole billing period, as int_spend_by_day: only periods whose delivery changed are read.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        resource_id is not null
        and line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
        and {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

daily as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        usage_date,
        product_code,
        usage_type,
        instance_type,
        max(payer_account_id) as payer_account_id,
        max(service) as service,
        max(region) as region,
        max(case when {{ has_exception_tag('resource_tags', 'user_') }} then 1 else 0 end) = 1 as has_exception_tag,
        sum(usage_amount) as usage_amount,
        sum(amortized_cost) as amortized_cost
    from line_items
    group by
        billing_period,
        usage_account_id,
        resource_id,
        usage_date,
        product_code,
        usage_type,
        instance_type

),

periods as (

    select
        billing_period,
        {{ dbt.dateadd('day', 1, 'max(usage_date)') }} as window_end_date
    from daily
    group by billing_period

),

windows as (

    select
        billing_period,
        cast(window_end_date as date) as window_end_date,
        cast(greatest(
            {{ kpi_period_start('billing_period') }},
            {{ dbt.dateadd('day', -30, 'window_end_date') }}
        ) as date) as window_start_date,
        cast({{ dbt.dateadd('day', -7, 'window_end_date') }} as date) as stale_after_date
    from periods

),

final as (

    select
        daily.usage_account_id,
        daily.resource_id,
        daily.usage_date,
        daily.product_code,
        daily.usage_type,
        daily.instance_type,
        daily.payer_account_id,
        daily.service,
        daily.region,
        daily.has_exception_tag,
        daily.usage_amount,
        daily.amortized_cost,
        windows.window_start_date,
        windows.window_end_date,
        windows.stale_after_date,
        daily.usage_date >= windows.window_start_date as is_in_window,
        daily.usage_date >= windows.stale_after_date as is_in_last_7_days,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        daily.billing_period
    from daily
    inner join windows
        on daily.billing_period = windows.billing_period
    left join deliveries
        on daily.billing_period = deliveries.billing_period

)

select * from final
