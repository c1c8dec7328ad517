{{ config(materialized='table') }}
{#-
    The anomalies detected: one row per day and monitor
    (monitor dimension account, service or cost_category, and its value) whose effective cost of
    consumption was above Tukey's mild fence of the series' past residuals and material by the
    thresholds of anomaly_thresholds, scored and graded. fct_cost_anomalies publishes them with
    their top root cause. Every figure is computed from data up to the day itself. A table, not a
    view: both anomaly marts read it, and the fences are the costly step.
-#}
with expectations as (

    select * from {{ ref('int_anomaly_expectations') }}

),

fences as (

    select * from {{ ref('int_anomaly_residual_fences') }}

),

thresholds as (

    select * from {{ ref('anomaly_thresholds') }}

),

scored as (

    select
        expectations.monitor_dimension,
        expectations.monitor_value,
        expectations.usage_date,
        expectations.actual_cost,
        expectations.expected_cost,
        expectations.residual_cost,
        fences.residual_q1,
        fences.residual_q3,
        thresholds.mild_fence,
        thresholds.strong_fence,
        thresholds.min_impact_usd,
        thresholds.min_impact_pct,
        thresholds.high_impact_pct,
        -- a flat series has no spread: the floor keeps a cent of noise from scoring as a spike
        greatest(
            fences.residual_q3 - fences.residual_q1,
            abs(expectations.expected_cost) * thresholds.iqr_floor_pct / 100,
            0.01
        ) as residual_iqr
    from expectations
    inner join fences
        on
            expectations.monitor_dimension = fences.monitor_dimension
            and expectations.monitor_value = fences.monitor_value
            and expectations.usage_date = fences.usage_date
    inner join thresholds
        on expectations.monitor_dimension = thresholds.monitor_dimension
    where fences.residual_count >= thresholds.min_residual_days

),

measured as (

    select
        *,
        cast(round(actual_cost - expected_cost, 2) as decimal(38, 2)) as impact_cost,
        100 * {{ ratio('actual_cost - expected_cost', 'expected_cost') }} as impact_pct,
        {{ ratio('residual_cost - residual_q3', 'residual_iqr') }} as anomaly_score
    from scored

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
    where
        anomaly_score >= mild_fence
        and impact_cost >= min_impact_usd
        and (impact_pct is null or impact_pct >= min_impact_pct)

)

select * from final
