{#- Spreading lines over their hours loses nothing: per billing period and payer, the hourly
    baseline adds up to the on-demand Compute cost of fct_commitment_coverage, to the cent. -#}
with hourly as (

    select
        billing_period,
        payer_account_id,
        sum(on_demand_cost) as on_demand_cost
    from {{ ref('fct_compute_on_demand_hourly') }}
    group by billing_period, payer_account_id

),

coverage as (

    select
        billing_period,
        payer_account_id,
        sum(on_demand_unblended_cost) as on_demand_cost
    from {{ ref('fct_commitment_coverage') }}
    where commit_service_group = 'Compute'
    group by billing_period, payer_account_id

)

select
    coalesce(hourly.billing_period, coverage.billing_period) as billing_period,
    hourly.on_demand_cost as hourly_on_demand_cost,
    coverage.on_demand_cost as coverage_on_demand_cost
from hourly
full outer join coverage
    on
        hourly.billing_period = coverage.billing_period
        and hourly.payer_account_id = coverage.payer_account_id
where
    hourly.billing_period is null
    or coverage.billing_period is null
    or abs(hourly.on_demand_cost - coverage.on_demand_cost) >= 0.005
