{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    Commitment coverage of the usage RIs and Savings Plans can cover, per billing period, payer,
    usage account, commit service group, service and region.

    One definition, used everywhere (CID has three; docs/decisions.md, 'Coverage basis'): the
    on-demand-equivalent basis of CID's `RI_SP Coverage` — public on-demand cost — over the
    eligible scope of macros/cost/commitment_scope.sql, usage lines only. Chosen because it is the
    only basis on which covered and uncovered usage are priced alike: the amortised basis
    (CUDOS) understates coverage by the very discount the commitment buys, and the hours basis
    cannot add up Lambda, Fargate and DynamoDB. Shares by purchase option add up to 1.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        is_commitment_eligible
        and {{ billing_periods_to_rebuild('cur2') }}

),

service_groups as (

    select
        product_code,
        commit_service_group
    from {{ ref('aws_service_categories') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

coverage as (

    select
        line_items.billing_period,
        line_items.payer_account_id,
        line_items.usage_account_id,
        coalesce(service_groups.commit_service_group, 'Other') as commit_service_group,
        line_items.service,
        line_items.region,
        sum(case when line_items.line_item_type = 'DiscountedUsage' then line_items.public_on_demand_cost else 0 end)
            as reserved_cost,
        sum(case when line_items.line_item_type = 'SavingsPlanCoveredUsage' then line_items.public_on_demand_cost else 0 end)
            as savings_plan_cost,
        sum(case
            when line_items.line_item_type = 'Usage' and line_items.purchase_option = 'Spot'
                then line_items.public_on_demand_cost
            else 0
        end) as spot_cost,
        sum(case
            when line_items.line_item_type = 'Usage' and line_items.purchase_option != 'Spot'
                then line_items.public_on_demand_cost
            else 0
        end) as on_demand_cost,
        sum(line_items.public_on_demand_cost) as eligible_cost,
        sum(line_items.amortized_cost) as eligible_amortized_cost,
        sum(case
            when line_items.purchase_option = 'Spot' and line_items.public_on_demand_cost > 0
                then line_items.public_on_demand_cost - line_items.amortized_cost
            else 0
        end) as spot_savings,
        sum(case
            when line_items.line_item_type = 'Usage' and line_items.purchase_option != 'Spot'
                then line_items.unblended_cost
            else 0
        end) as on_demand_unblended_cost
    from line_items
    left join service_groups
        on line_items.product_code = service_groups.product_code
    group by
        line_items.billing_period,
        line_items.payer_account_id,
        line_items.usage_account_id,
        coalesce(service_groups.commit_service_group, 'Other'),
        line_items.service,
        line_items.region

),

final as (

    select
        coverage.payer_account_id,
        coverage.usage_account_id,
        coverage.commit_service_group,
        coverage.service,
        coverage.region,
        coverage.reserved_cost,
        coverage.savings_plan_cost,
        coverage.spot_cost,
        coverage.on_demand_cost,
        coverage.eligible_cost,
        {{ ratio('coverage.reserved_cost + coverage.savings_plan_cost', 'coverage.eligible_cost') }} as commitment_coverage,
        {{ ratio('coverage.spot_cost', 'coverage.eligible_cost') }} as spot_coverage,
        {{ ratio('coverage.on_demand_cost', 'coverage.eligible_cost') }} as on_demand_coverage,
        coverage.eligible_amortized_cost,
        coverage.spot_savings,
        coverage.on_demand_unblended_cost,
        cast(coverage.billing_period || '-01' as date) as billing_period_start_date,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        coverage.billing_period
    from coverage
    left join deliveries
        on coverage.billing_period = deliveries.billing_period

)

select * from final
