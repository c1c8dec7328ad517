{{ config(materialized='table') }}
{#-
    Every savings action, from Cost Optimization Hub and from the CUR waste rules, de-duplicated
    and counted: one row per billing period and action (docs/cost_rules.md, 'Optimisation').

    1. Per billing period and dedup key (the resource, or CORA's commitment key) the action with
       the highest estimated monthly savings (after discount) is the top action; the others are
       alternatives, kept and never counted.
    2. A resource action is tied to the resource's CUR cost of the period's 30-day window
       (int_optimization_resource_costs). It is stale when the resource had no cost in the
       window's last 7 days (or none at all), and then not counted.
    3. A FinOps-exception tag (on the recommendation or on the resource) keeps the action visible
       but not counted.
    4. Counted savings of a top usage action = its estimate, capped at the resource's monthly
       cost (nobody saves more than a resource costs).
    5. Rate actions (commitment purchases) are sized on today's usage, so they overlap usage
       actions on the resources they would cover: a rate action whose scope (its account, or every
       account for a payer-level purchase) holds a counted usage action on a resource type it
       covers is flagged `overlaps_usage_action` and not counted; otherwise its estimate counts.
-#}
with recommendations as (

    select * from {{ ref('int_optimization_recommendations') }}

),

waste as (

    select * from {{ ref('int_optimization_waste_actions') }}

),

resource_costs as (

    select * from {{ ref('int_optimization_resource_costs') }}

),

actions as (

    select
        billing_period,
        'cost_optimization_hub' as action_source,
        recommendation_id as action_id,
        account_id,
        dedup_key,
        resource_id,
        region,
        action_type,
        saving_type,
        current_resource_type as resource_type,
        current_resource_summary,
        recommended_resource_summary,
        implementation_effort,
        is_restart_needed,
        is_rollback_possible,
        is_payer_level,
        has_exception_tag,
        estimated_monthly_cost_before_discount,
        estimated_monthly_cost_after_discount,
        estimated_monthly_savings_before_discount,
        estimated_monthly_savings_after_discount as estimated_monthly_savings
    from recommendations
    union all
    select
        billing_period,
        'cur_waste_rule' as action_source,
        {{ dbt.concat(["rule_id", "':'", "resource_id"]) }} as action_id,
        usage_account_id as account_id,
        resource_id as dedup_key,
        resource_id,
        cast(null as varchar) as region,
        action_type,
        'Usage Optimization' as saving_type,
        resource_type,
        cast(null as varchar) as current_resource_summary,
        rule_id as recommended_resource_summary,
        implementation_effort,
        cast(null as boolean) as is_restart_needed,
        cast(null as boolean) as is_rollback_possible,
        false as is_payer_level,
        false as has_exception_tag,
        cast(null as decimal(18, 8)) as estimated_monthly_cost_before_discount,
        cast(null as decimal(18, 8)) as estimated_monthly_cost_after_discount,
        cast(null as decimal(18, 8)) as estimated_monthly_savings_before_discount,
        estimated_monthly_savings
    from waste

),

ranked as (

    select
        actions.billing_period,
        actions.action_source,
        actions.action_id,
        actions.account_id,
        actions.dedup_key,
        actions.resource_id,
        coalesce(actions.region, resource_costs.region) as region,
        resource_costs.service,
        actions.action_type,
        actions.saving_type,
        actions.resource_type,
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
        resource_costs.window_start_date,
        resource_costs.window_end_date,
        resource_costs.monthly_cost as resource_monthly_cost,
        actions.has_exception_tag or coalesce(resource_costs.has_exception_tag, false) as is_exception,
        actions.resource_id is not null and coalesce(resource_costs.is_stale, true) as is_stale,
        row_number() over (
            partition by actions.billing_period, actions.dedup_key
            order by actions.estimated_monthly_savings desc, actions.action_source asc, actions.action_type asc, actions.action_id asc
        ) as savings_rank
    from actions
    left join resource_costs
        on
            actions.billing_period = resource_costs.billing_period
            and actions.account_id = resource_costs.usage_account_id
            and actions.resource_id = resource_costs.resource_id

),

usage_counted as (

    select
        *,
        savings_rank = 1 as is_top_action,
        case
            when savings_rank = 1 and not is_stale and not is_exception and saving_type = 'Usage Optimization'
                then least(estimated_monthly_savings, coalesce(resource_monthly_cost, estimated_monthly_savings))
        end as usage_savings
    from ranked

),

-- rate actions that a counted usage action overlaps (rule 5)
overlapped as (

    select distinct
        rate.billing_period,
        rate.action_id
    from usage_counted as rate
    inner join usage_counted as usage
        on
            rate.billing_period = usage.billing_period
            and (rate.is_payer_level or rate.account_id = usage.account_id)
            and usage.usage_savings > 0
            and (
                (
                    rate.resource_type like '%SavingsPlans'
                    and usage.resource_type in ('Ec2Instance', 'Ec2AutoScalingGroup', 'LambdaFunction', 'EcsService')
                )
                or (rate.resource_type = 'Ec2ReservedInstances' and usage.resource_type in ('Ec2Instance', 'Ec2AutoScalingGroup'))
                or (rate.resource_type = 'RdsReservedInstances' and usage.resource_type = 'RdsDbInstance')
            )
    where rate.saving_type = 'Rate Optimization'

),

final as (

    select
        usage_counted.*,
        overlapped.action_id is not null as overlaps_usage_action,
        {{ money(
            "case when usage_counted.saving_type = 'Usage Optimization' then coalesce(usage_counted.usage_savings, 0)"
            ~ " when usage_counted.is_top_action and not usage_counted.is_exception and overlapped.action_id is null"
            ~ " then usage_counted.estimated_monthly_savings else 0 end"
        ) }} as counted_monthly_savings
    from usage_counted
    left join overlapped
        on
            usage_counted.billing_period = overlapped.billing_period
            and usage_counted.action_id = overlapped.action_id

)

select * from final
