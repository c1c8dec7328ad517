{#-
    Cost Optimization Hub's recommendations as they stand: one row per recommendation of each
    account's latest snapshot, with how long the same action on the same resource has been
    recommended (first and last seen, age) and what the de-duplication made of it
    (docs/cost_rules.md, 'Optimisation').
-#}
with recommendations as (

    select * from {{ ref('int_optimization_recommendations') }}
    where is_latest_snapshot

),

actions as (

    select * from {{ ref('fct_savings_actions') }}
    where action_source = 'cost_optimization_hub'

),

final as (

    select
        recommendations.billing_period,
        recommendations.recommendation_id,
        recommendations.account_id,
        recommendations.region,
        recommendations.resource_arn,
        recommendations.resource_id,
        recommendations.dedup_key,
        recommendations.action_type,
        recommendations.saving_type,
        recommendations.current_resource_type,
        recommendations.recommended_resource_type,
        recommendations.current_resource_summary,
        recommendations.recommended_resource_summary,
        recommendations.current_resource_details,
        recommendations.recommended_resource_details,
        recommendations.recommendation_source,
        recommendations.implementation_effort,
        recommendations.is_restart_needed,
        recommendations.is_rollback_possible,
        recommendations.estimated_monthly_cost_before_discount,
        recommendations.estimated_monthly_cost_after_discount,
        recommendations.estimated_monthly_savings_before_discount,
        recommendations.estimated_monthly_savings_after_discount,
        recommendations.first_seen_period,
        recommendations.last_seen_period,
        recommendations.snapshot_count,
        recommendations.first_seen_at,
        recommendations.last_seen_at,
        recommendations.age_days,
        actions.team,
        actions.cost_centre,
        actions.is_top_action,
        actions.is_stale,
        actions.is_exception,
        actions.counted_monthly_savings
    from recommendations
    inner join actions
        on
            recommendations.billing_period = actions.billing_period
            and recommendations.recommendation_id = actions.action_id

)

select * from final
