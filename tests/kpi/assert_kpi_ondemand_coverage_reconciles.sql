{#- The on-demand coverage KPIs (1, 13, 14a-14d, 15) partition the cost core's
    commitment-eligible usage: per billing period and usage account, their denominators add up
    to the on-demand-equivalent cost of every is_commitment_eligible line item and their
    numerators to that of the On-Demand ones, to the cent. An eligible product missing from a
    commit service group (aws_service_categories) or counted twice fails here. -#}
with line_items as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(on_demand_equivalent_cost) as eligible_cost,
        sum(case when purchase_option = 'OnDemand' then on_demand_equivalent_cost else 0 end) as on_demand_cost
    from {{ ref('int_line_items_amortized') }}
    where
        {{ billing_periods_under_test('cur2') }}
        and is_commitment_eligible
    group by
        billing_period,
        payer_account_id,
        usage_account_id

),

tracker as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(denominator) as eligible_cost,
        sum(numerator) as on_demand_cost
    from {{ ref('fct_kpi_tracker') }}
    where
        {{ billing_periods_under_test('cur2') }}
        and kpi_id in (
            'compute_ondemand_coverage', 'rds_ondemand_coverage', 'elasticache_ondemand_coverage',
            'opensearch_ondemand_coverage', 'redshift_ondemand_coverage', 'sagemaker_ondemand_coverage',
            'dynamodb_ondemand_coverage'
        )
    group by
        billing_period,
        payer_account_id,
        usage_account_id

)

select
    tracker.billing_period,
    tracker.usage_account_id,
    coalesce(line_items.eligible_cost, 0) as line_items_eligible_cost,
    tracker.eligible_cost as tracker_eligible_cost,
    coalesce(line_items.on_demand_cost, 0) as line_items_on_demand_cost,
    tracker.on_demand_cost as tracker_on_demand_cost
from tracker
left join line_items
    on
        tracker.billing_period = line_items.billing_period
        and tracker.payer_account_id = line_items.payer_account_id
        and tracker.usage_account_id = line_items.usage_account_id
where
    abs(coalesce(line_items.eligible_cost, 0) - tracker.eligible_cost) >= 0.005
    or abs(coalesce(line_items.on_demand_cost, 0) - tracker.on_demand_cost) >= 0.005
