{#- A table, not a view: inlined views of the anomaly chain exceed Trino's (and Athena's) 150 query stages. -#}
{{ config(materialized='table') }}
{#-
    What each monitored day was expected to cost, from that series' own past only (so a day's
    expectation never changes when later days arrive): the median of the same weekday in the four
    weeks before (the weekly season and the recent level in one robust figure; the median of four
    is their sum less the largest and the smallest, halved). One row per monitor and day with at
    least four weeks of history; residual = actual - expected. docs/anomalies.md, 'Method'.
-#}
with monitor_days as (

    select * from {{ ref('int_anomaly_monitor_days') }}

),

same_weekday as (

    select
        monitor_dimension,
        monitor_value,
        usage_date,
        actual_cost,
        lag(actual_cost, 7) over (
            partition by monitor_dimension, monitor_value order by usage_date
        ) as cost_1w_before,
        lag(actual_cost, 14) over (
            partition by monitor_dimension, monitor_value order by usage_date
        ) as cost_2w_before,
        lag(actual_cost, 21) over (
            partition by monitor_dimension, monitor_value order by usage_date
        ) as cost_3w_before,
        lag(actual_cost, 28) over (
            partition by monitor_dimension, monitor_value order by usage_date
        ) as cost_4w_before
    from monitor_days

),

medians as (

    select
        monitor_dimension,
        monitor_value,
        usage_date,
        actual_cost,
        -- x 0.5 rather than / 2: exact decimal arithmetic on both engines
        (
            cost_1w_before + cost_2w_before + cost_3w_before + cost_4w_before
            - greatest(cost_1w_before, cost_2w_before, cost_3w_before, cost_4w_before)
            - least(cost_1w_before, cost_2w_before, cost_3w_before, cost_4w_before)
        ) * 0.5 as expected_cost
    from same_weekday
    where cost_4w_before is not null

),

final as (

    select
        monitor_dimension,
        monitor_value,
        usage_date,
        actual_cost,
        expected_cost,
        actual_cost - expected_cost as residual_cost
    from medians

)

select * from final
