{#- A table, not a view: inlined views of the anomaly chain exceed Trino's (and Athena's) 150 query stages. -#}
{{ config(materialized='table') }}
{#-
    Tukey's fences that decide: the quartiles of the past residuals of the days the first pass did
    not find anomalous (int_anomaly_first_pass_days), so that one anomaly does not widen the fences
    that should find the next (docs/anomalies.md, 'Method'). One reweighting step, not a fixed
    point: an anomalous day the first pass missed still counts. Where fewer than min_residual_days
    normal days remain in the window, the first-pass fences stand. One row per monitor and day of
    int_anomaly_residual_fences; residual_count is the window's days (all of them), as there.
-#}
with first_pass_fences as (

    select * from {{ ref('int_anomaly_residual_fences') }}

),

first_pass_days as (

    select * from {{ ref('int_anomaly_first_pass_days') }}

),

thresholds as (

    select * from {{ ref('anomaly_thresholds') }}

),

normal_residuals as (

    select expectations.*
    from {{ ref('int_anomaly_expectations') }} as expectations
    left join first_pass_days
        on
            expectations.monitor_dimension = first_pass_days.monitor_dimension
            and expectations.monitor_value = first_pass_days.monitor_value
            and expectations.usage_date = first_pass_days.usage_date
    where first_pass_days.usage_date is null

),

normal_fences as (

    {{ anomaly_residual_quartiles('normal_residuals') | indent(4) }}

),

final as (

    select
        first_pass_fences.monitor_dimension,
        first_pass_fences.monitor_value,
        first_pass_fences.usage_date,
        first_pass_fences.residual_count,
        coalesce(normal_fences.residual_count, 0) as normal_residual_count,
        case
            when normal_fences.residual_count >= thresholds.min_residual_days then normal_fences.residual_q1
            else first_pass_fences.residual_q1
        end as residual_q1,
        case
            when normal_fences.residual_count >= thresholds.min_residual_days then normal_fences.residual_q3
            else first_pass_fences.residual_q3
        end as residual_q3
    from first_pass_fences
    inner join thresholds
        on first_pass_fences.monitor_dimension = thresholds.monitor_dimension
    left join normal_fences
        on
            first_pass_fences.monitor_dimension = normal_fences.monitor_dimension
            and first_pass_fences.monitor_value = normal_fences.monitor_value
            and first_pass_fences.usage_date = normal_fences.usage_date

)

select * from final
