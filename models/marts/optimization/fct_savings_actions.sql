{#-
    The ranked list of savings actions a FinOps team works through: one row per billing period
    and action (Cost Optimization Hub recommendation or CUR waste rule), de-duplicated per
    resource and counted by the rules of int_optimization_actions (docs/cost_rules.md,
    'Optimisation'), with the resource's owner (team, cost centre) from the allocation marts.
    Only `counted_monthly_savings` adds up; alternatives, stale and exception actions and rate
    actions overlapping usage actions count 0 and stay visible.
-#}
with actions as (

    select * from {{ ref('int_optimization_actions') }}

),

resource_owners as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        team,
        cost_centre,
        row_number() over (
            partition by billing_period, usage_account_id, resource_id
            order by amortized_cost desc, team asc, cost_centre asc
        ) as owner_rank
    from {{ ref('fct_resource_allocation') }}

),

latest as (

    select
        account_id,
        max(billing_period) as latest_billing_period
    from actions
    group by account_id

),

final as (

    select
        actions.billing_period,
        {{ kpi_period_start('actions.billing_period') }} as billing_period_start_date,
        actions.action_id,
        actions.action_source,
        actions.account_id,
        actions.dedup_key,
        actions.resource_id,
        actions.resource_type,
        actions.service,
        actions.region,
        owners.team,
        owners.cost_centre,
        actions.action_type,
        -- what the API's optimisation endpoints list: idle resources, rightsizing, commitments
        case
            when actions.action_type in ('Stop', 'Delete') then 'idle'
            when actions.action_type in ('Rightsize', 'MigrateToGraviton', 'Upgrade', 'ScaleIn') then 'rightsizing'
            when actions.saving_type = 'Rate Optimization' then 'commitment'
            else 'other'
        end as action_category,
        actions.saving_type,
        actions.current_resource_summary,
        actions.recommended_resource_summary,
        actions.implementation_effort,
        actions.is_restart_needed,
        actions.is_rollback_possible,
        actions.is_payer_level,
        actions.estimated_monthly_cost_before_discount,
        actions.estimated_monthly_cost_after_discount,
        actions.estimated_monthly_savings_before_discount,
        actions.estimated_monthly_savings,
        actions.window_start_date,
        actions.window_end_date,
        actions.resource_monthly_cost,
        actions.savings_rank,
        actions.is_top_action,
        actions.is_stale,
        actions.is_exception,
        actions.overlaps_usage_action,
        actions.counted_monthly_savings,
        actions.billing_period = latest.latest_billing_period as is_latest_snapshot
    from actions
    inner join latest
        on actions.account_id = latest.account_id
    left join resource_owners as owners
        on
            actions.billing_period = owners.billing_period
            and actions.account_id = owners.usage_account_id
            and actions.resource_id = owners.resource_id
            and owners.owner_rank = 1

)

select * from final
