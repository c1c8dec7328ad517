{#-
    What to look at first, in dollars: one row per savings action or spend anomaly worth a look,
    ranked by its dollars (docs/cost_rules.md, 'Recommendations'). Read by GET /ai/recommendations.

    * savings_action: the de-duplicated top actions of each account's latest snapshot that count
      (fct_savings_actions, counted_monthly_savings > 0); dollars = the counted monthly savings;
    * cost_anomaly: the account monitors' medium and high anomalies of the last 30 days of the CUR
      (fct_cost_anomalies; service and cost-category monitors see the same dollars again, so they
      are left out); dollars = the anomaly's impact (actual - expected cost of the day).

    The two kinds of dollars differ (a month of savings, a day of excess spend); `dollars_basis`
    says which. The rows are ranked by their dollars whatever the kind (the API sorts by dollars);
    no rank column is stored, as a rank over every account would tell an account-scoped reader
    how many items other accounts have.
-#}
with actions as (

    select * from {{ ref('fct_savings_actions') }}

),

anomalies as (

    select * from {{ ref('fct_cost_anomalies') }}

),

cur_end as (

    select max(window_end_date) as window_end_date
    from actions

),

top_actions as (

    select
        'savings_action' as kind,
        action_id as item_id,
        billing_period,
        billing_period_start_date as item_date,
        account_id,
        service,
        region,
        'monthly_savings' as dollars_basis,
        -- both branches in the money type before the union: a union of decimal(18, 8) and the
        -- anomalies' decimal(38, 2) kept 2 decimals on DuckDB (9.13) but 8 on Trino (9.125)
        {{ money('counted_monthly_savings') }} as dollars,
        action_type,
        resource_id,
        cast(null as varchar) as severity,
        recommended_resource_summary as detail
    from actions
    where
        is_latest_snapshot
        and is_top_action
        and counted_monthly_savings > 0

),

recent_anomalies as (

    select
        'cost_anomaly' as kind,
        anomalies.anomaly_id as item_id,
        anomalies.billing_period,
        anomalies.usage_date as item_date,
        anomalies.monitor_account_id as account_id,
        anomalies.top_root_cause_service as service,
        anomalies.top_root_cause_region as region,
        'anomaly_impact' as dollars_basis,
        {{ money('anomalies.impact_cost') }} as dollars,
        cast(null as varchar) as action_type,
        cast(null as varchar) as resource_id,
        anomalies.severity,
        anomalies.top_root_cause_usage_type as detail
    from anomalies
    cross join cur_end
    where
        anomalies.monitor_dimension = 'account'
        and anomalies.severity in ('medium', 'high')
        and anomalies.usage_date >= {{ dbt.dateadd('day', -30, 'cur_end.window_end_date') }}

),

unioned as (

    select * from top_actions
    union all
    select * from recent_anomalies

),

final as (

    select
        kind,
        item_id,
        billing_period,
        cast(item_date as date) as item_date,
        account_id,
        service,
        region,
        dollars_basis,
        dollars,
        action_type,
        resource_id,
        severity,
        detail
    from unioned

)

select * from final
