{#-
    Spend anomalies in the shape of AWS Cost Anomaly Detection: one row per day and monitor
    (monitor dimension account, service or cost_category, and its value) whose effective cost of
    consumption was above Tukey's mild fence of the series' past residuals and material by the
    thresholds of anomaly_thresholds, with actual and expected cost, impact, score, severity and
    the top root cause (all of them: fct_cost_anomaly_root_causes). Every figure is computed from
    data up to the day itself, so an anomaly is never revised by later days, and a re-delivered
    billing period changes anomalies only where its data changed. docs/anomalies.md.
-#}
with anomalies as (

    select * from {{ ref('int_cost_anomalies_detected') }}

),

root_causes as (

    select * from {{ ref('fct_cost_anomaly_root_causes') }}

),

root_cause_counts as (

    select
        anomaly_id,
        count(*) as root_cause_count
    from root_causes
    group by anomaly_id

),

final as (

    select
        anomalies.anomaly_id,
        anomalies.usage_date,
        anomalies.billing_period,
        anomalies.monitor_dimension,
        anomalies.monitor_value,
        anomalies.monitor_account_id,
        anomalies.actual_cost,
        anomalies.expected_cost,
        anomalies.impact_cost,
        anomalies.impact_pct,
        anomalies.anomaly_score,
        anomalies.severity,
        anomalies.mild_fence_cost,
        anomalies.strong_fence_cost,
        top_cause.usage_account_id as top_root_cause_account_id,
        top_cause.service as top_root_cause_service,
        top_cause.region as top_root_cause_region,
        top_cause.usage_type as top_root_cause_usage_type,
        top_cause.contribution_cost as top_root_cause_contribution_cost,
        root_cause_counts.root_cause_count
    from anomalies
    inner join root_causes as top_cause
        on
            anomalies.anomaly_id = top_cause.anomaly_id
            and top_cause.root_cause_rank = 1
    inner join root_cause_counts
        on anomalies.anomaly_id = root_cause_counts.anomaly_id

)

select * from final
