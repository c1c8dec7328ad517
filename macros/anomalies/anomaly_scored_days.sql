{#-
    Every monitored day scored against `fences` (a relation of residual_count, residual_q1 and
    residual_q3 per monitor and day): the day's IQR (floored), impact, impact % and Tukey score,
    the thresholds of its monitor dimension, and is_anomaly: a score of at least mild_fence and an
    impact of at least min_impact_usd and min_impact_pct (docs/anomalies.md, 'Method'). Days with
    fewer than min_residual_days past residuals are not scored.
-#}
{% macro anomaly_scored_days(fences) -%}
with expectations as (

    select * from {{ ref('int_anomaly_expectations') }}

),

fences as (

    select * from {{ fences }}

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

)

select
    *,
    coalesce(
        anomaly_score >= mild_fence
        and impact_cost >= min_impact_usd
        and (impact_pct is null or impact_pct >= min_impact_pct),
        false
    ) as is_anomaly
from measured
{%- endmacro %}
