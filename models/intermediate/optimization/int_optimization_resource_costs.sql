{{ config(materialized='table') }}
{#-
    One row per billing period, usage account and resource id: what the resource actually cost
    in its period's 30-day window (int_optimization_resource_lines), whether it is stale (no cost
    in the window's last 7 days) and whether its tags mark it as a FinOps exception
    (docs/cost_rules.md, 'Optimisation'). Costs are amortised: what the resource really costs,
    RI and Savings Plan covered hours at their effective rate; `monthly_cost` scales the window
    to a 730-hour month.
-#}
with in_window as (

    select * from {{ ref('int_optimization_resource_lines') }}

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
        max(case when in_window.has_exception_tag then 1 else 0 end) = 1 as has_exception_tag
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
