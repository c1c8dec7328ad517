{{ config(materialized='table') }}
{#-
    The anomalies detected: one row per day and monitor
    (monitor dimension account, service or cost_category, and its value) whose effective cost of
    consumption was above Tukey's mild fence of the series' past residuals (those of the days the
    first pass did not find anomalous: int_anomaly_normal_residual_fences) and material by the
    thresholds of anomaly_thresholds, scored and graded. fct_cost_anomalies publishes them with
    their top root cause. Every figure is computed from data up to the day itself. A table, not a
    view: both anomaly marts read it, and the fences are the costly step.
-#}
with measured as (

    {{ anomaly_scored_days(ref('int_anomaly_normal_residual_fences')) | indent(4) }}

),

final as (

    select
        monitor_dimension || ':' || monitor_value || ':' || cast(usage_date as varchar) as anomaly_id,
        usage_date,
        substr(cast(usage_date as varchar), 1, 7) as billing_period,
        monitor_dimension,
        monitor_value,
        case when monitor_dimension = 'account' then monitor_value end as monitor_account_id,
        cast(actual_cost as decimal(38, 8)) as actual_cost,
        cast(expected_cost as decimal(38, 8)) as expected_cost,
        impact_cost,
        impact_pct,
        anomaly_score,
        case
            when anomaly_score >= strong_fence and impact_pct >= high_impact_pct then 'high'
            when anomaly_score >= strong_fence then 'medium'
            else 'low'
        end as severity,
        cast(expected_cost + (residual_q3 + mild_fence * residual_iqr) as decimal(38, 8)) as mild_fence_cost,
        cast(expected_cost + (residual_q3 + strong_fence * residual_iqr) as decimal(38, 8)) as strong_fence_cost
    from measured
    where is_anomaly

)

select * from final
