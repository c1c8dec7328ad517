{{ config(materialized='table') }}
{#-
    Waste found in the CUR itself, as savings actions: one row per billing period, usage account,
    resource and waste rule of seeds/optimization_waste_rules.csv (docs/cost_rules.md,
    'Optimisation'). Monthly savings before the de-duplication of int_optimization_actions_ranked.

    * idle public IPv4, idle NAT gateway, idle load balancer: the resource has lines of the
      rule's usage type in the 30-day window and (NAT, load balancer) its processed measure,
      normalised to a month, is at most the rule's max_measure_per_month: savings_share of its
      monthly cost;
    * old EBS snapshot: older than a year by the KPI tracker's rule (int_kpi_ebs_snapshots);
    * gp2 volume: the KPI tracker's gp2 -> gp3 saving of the volume (int_kpi_ebs_volumes), one
      rule in one place;
    * previous-generation instance: the KPI tracker's savings rate of ec2_previous_generation
      times the monthly cost of the instance's previous-generation instance hours.
-#}
with resource_lines as (

    select * from {{ ref('int_optimization_resource_lines') }}
    where is_in_window

),

rules as (

    select * from {{ ref('optimization_waste_rules') }}

),

resource_costs as (

    select * from {{ ref('int_optimization_resource_costs') }}

),

snapshots as (

    select distinct
        billing_period,
        usage_account_id,
        resource_id
    from {{ ref('int_kpi_ebs_snapshots') }}
    where is_older_than_one_year and resource_id is not null

),

volumes as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        sum(gp3_potential_savings) as gp3_potential_savings
    from {{ ref('int_kpi_ebs_volumes') }}
    where gp3_potential_savings > 0 and resource_id is not null
    group by
        billing_period,
        usage_account_id,
        resource_id

),

previous_generation as (

    select
        product_code,
        family
    from {{ ref('kpi_instance_families') }}
    where generation = 'Previous'

),

previous_generation_rate as (

    select potential_savings_rate from {{ ref('int_kpi_definitions') }}
    where kpi_id = 'ec2_previous_generation'

),

-- the window's lines summed per resource and usage type first: every rule below reads only these
-- columns, and the rules' cross join then multiplies ~30x fewer rows than the hourly lines
window_usage as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        product_code,
        usage_type,
        instance_type,
        sum(usage_amount) as usage_amount,
        sum(amortized_cost) as amortized_cost
    from resource_lines
    group by
        billing_period,
        usage_account_id,
        resource_id,
        product_code,
        usage_type,
        instance_type

),

window_lines as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        product_code,
        usage_type,
        usage_amount,
        amortized_cost,
        {{ dbt.split_part('instance_type', "'.'", 1) }} as instance_family
    from window_usage

),

-- per resource and usage-type rule: the matched cost and the processed measure in the window
matched as (

    select
        window_lines.billing_period,
        window_lines.usage_account_id,
        window_lines.resource_id,
        rules.rule_id,
        sum(case when window_lines.usage_type like rules.usage_type_pattern then window_lines.amortized_cost else 0 end)
            as matched_cost,
        max(case when window_lines.usage_type like rules.usage_type_pattern then 1 else 0 end) as is_matched,
        sum(
            case
                when window_lines.usage_type like rules.measure_usage_type_pattern then window_lines.usage_amount
                else 0
            end
        ) as measure_amount
    from window_lines
    inner join rules
        on rules.rule_id in ('idle_public_ipv4', 'idle_nat_gateway', 'idle_load_balancer', 'previous_generation_instance')
    left join previous_generation
        on
            window_lines.product_code = previous_generation.product_code
            and window_lines.instance_family = previous_generation.family
    where rules.rule_id != 'previous_generation_instance' or previous_generation.family is not null
    group by
        window_lines.billing_period,
        window_lines.usage_account_id,
        window_lines.resource_id,
        rules.rule_id

),

usage_type_actions as (

    select
        matched.billing_period,
        matched.usage_account_id,
        matched.resource_id,
        matched.rule_id,
        case
            when matched.rule_id = 'previous_generation_instance'
                then
                    previous_generation_rate.potential_savings_rate
                    * matched.matched_cost * 730 / (24 * resource_costs.window_days)
            else rules.savings_share * resource_costs.monthly_cost
        end as estimated_monthly_savings
    from matched
    inner join rules
        on matched.rule_id = rules.rule_id
    inner join resource_costs
        on
            matched.billing_period = resource_costs.billing_period
            and matched.usage_account_id = resource_costs.usage_account_id
            and matched.resource_id = resource_costs.resource_id
    cross join previous_generation_rate
    where
        matched.is_matched = 1
        and (
            rules.max_measure_per_month is null
            or matched.measure_amount * 730 / (24 * resource_costs.window_days) <= rules.max_measure_per_month
        )

),

snapshot_actions as (

    select
        snapshots.billing_period,
        snapshots.usage_account_id,
        snapshots.resource_id,
        'old_ebs_snapshot' as rule_id,
        rules.savings_share * resource_costs.monthly_cost as estimated_monthly_savings
    from snapshots
    inner join resource_costs
        on
            snapshots.billing_period = resource_costs.billing_period
            and snapshots.usage_account_id = resource_costs.usage_account_id
            and snapshots.resource_id = resource_costs.resource_id
    inner join rules
        on rules.rule_id = 'old_ebs_snapshot'

),

volume_actions as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        'gp2_volume' as rule_id,
        gp3_potential_savings as estimated_monthly_savings
    from volumes

),

unioned as (

    select * from usage_type_actions
    union all
    select * from snapshot_actions
    union all
    select * from volume_actions

),

final as (

    select
        unioned.billing_period,
        unioned.usage_account_id,
        unioned.resource_id,
        unioned.rule_id,
        rules.action_type,
        rules.resource_type,
        rules.implementation_effort,
        rules.description as rule_description,
        {{ money('unioned.estimated_monthly_savings') }} as estimated_monthly_savings
    from unioned
    inner join rules
        on unioned.rule_id = rules.rule_id

)

select * from final
