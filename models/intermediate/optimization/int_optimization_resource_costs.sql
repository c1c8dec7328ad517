{{ config(materialized='table') }}
{#-
    One row per billing period, usage account and resource id: what the resource actually cost
    in the period's 30-day window, whether it is stale (no cost in the window's last 7 days) and
    whether its tags mark it as a FinOps exception (docs/cost_rules.md, 'Optimisation').

    The window is the last 30 days of the period's CUR, ending the day after its latest usage
    day (the whole month for a closed period, up to the last delivered day for the open one),
    clipped to the period: a period is read on its own, so a re-delivered month never changes
    another month's window. Costs are amortised (what the resource really costs, RI and Savings
    Plan covered hours at their effective rate) over usage lines only (Usage, DiscountedUsage,
    SavingsPlanCoveredUsage); `monthly_cost` scales the window to a 730-hour month.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        resource_id is not null
        and line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')

),

periods as (

    select
        billing_period,
        {{ dbt.dateadd('day', 1, 'max(usage_date)') }} as window_end_date
    from line_items
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

in_window as (

    select
        line_items.*,
        windows.window_start_date,
        windows.window_end_date,
        windows.stale_after_date,
        line_items.usage_date >= windows.window_start_date as is_in_window,
        line_items.usage_date >= windows.stale_after_date as is_in_last_7_days
    from line_items
    inner join windows
        on line_items.billing_period = windows.billing_period

),

per_resource as (

    select
        in_window.billing_period,
        in_window.usage_account_id,
        in_window.resource_id,
        max(in_window.payer_account_id) as payer_account_id,
        max(in_window.window_start_date) as window_start_date,
        max(in_window.window_end_date) as window_end_date,
        max(in_window.service) as service,
        max(in_window.region) as region,
        sum(case when in_window.is_in_window then in_window.amortized_cost else 0 end) as window_cost,
        sum(case when in_window.is_in_last_7_days then in_window.amortized_cost else 0 end) as last_7_days_cost,
        sum(in_window.amortized_cost) as period_cost,
        max(case when in_window.usage_type like '%BoxUsage%' then in_window.instance_type end) as instance_type,
        max(case when {{ has_exception_tag('in_window.resource_tags', 'user_') }} then 1 else 0 end) = 1
            as has_exception_tag
    from in_window
    group by
        in_window.billing_period,
        in_window.usage_account_id,
        in_window.resource_id

),

final as (

    select
        *,
        {{ dbt.datediff('window_start_date', 'window_end_date', 'day') }} as window_days,
        {{ money('window_cost * 730 / (24 * ' ~ dbt.datediff('window_start_date', 'window_end_date', 'day') ~ ')') }}
            as monthly_cost,
        last_7_days_cost = 0 as is_stale
    from per_resource

)

select * from final
