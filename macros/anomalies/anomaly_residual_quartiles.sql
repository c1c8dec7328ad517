{#-
    Tukey's quartiles of each monitored day's past residuals (int_anomaly_expectations): the first
    and third quartiles of the `past` residuals in the residual_window_days before the day
    (anomaly_thresholds), exact on every engine (linear interpolation between order statistics, as
    DuckDB's quantile_cont: Athena's approx_percentile would move the fences between engines).
    `past` is a relation with monitor_dimension, monitor_value, usage_date and residual_cost. One
    row per monitored day with past residuals: residual_count, residual_q1, residual_q3.
-#}
{% macro anomaly_residual_quartiles(past) -%}
with thresholds as (

    select * from {{ ref('anomaly_thresholds') }}

),

past_residuals as (

    select
        scored.monitor_dimension,
        scored.monitor_value,
        scored.usage_date,
        past.residual_cost,
        row_number() over (
            partition by scored.monitor_dimension, scored.monitor_value, scored.usage_date
            order by past.residual_cost, past.usage_date
        ) as residual_rank,
        count(*) over (
            partition by scored.monitor_dimension, scored.monitor_value, scored.usage_date
        ) as residual_count
    from {{ ref('int_anomaly_expectations') }} as scored
    inner join thresholds
        on scored.monitor_dimension = thresholds.monitor_dimension
    inner join {{ past }} as past
        on
            scored.monitor_dimension = past.monitor_dimension
            and scored.monitor_value = past.monitor_value
            and scored.usage_date > past.usage_date
            and {{ dbt.dateadd('day', '-thresholds.residual_window_days', 'scored.usage_date') }} <= past.usage_date

),

-- 1-based position h = 1 + (n - 1) * p of each quartile, split into its order statistic and fraction
positions as (

    select
        *,
        1 + (residual_count - 1) * 0.25 as q1_position,
        1 + (residual_count - 1) * 0.75 as q3_position
    from past_residuals

)

select
    monitor_dimension,
    monitor_value,
    usage_date,
    max(residual_count) as residual_count,
    {{ _interpolated_order_statistic('q1_position') }} as residual_q1,
    {{ _interpolated_order_statistic('q3_position') }} as residual_q3
from positions
group by monitor_dimension, monitor_value, usage_date
{%- endmacro %}


{#- The order statistic at a 1-based fractional `position` of the ranked residuals: the two around it, weighted by the fraction. -#}
{% macro _interpolated_order_statistic(position) -%}
sum(
        case
            when residual_rank = floor({{ position }}) then residual_cost * (1 - ({{ position }} - floor({{ position }})))
            when residual_rank = floor({{ position }}) + 1 then residual_cost * ({{ position }} - floor({{ position }}))
            else 0
        end
    )
{%- endmacro %}
