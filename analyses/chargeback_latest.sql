-- The chargeback statement of the latest billing period, per allocation dimension and value:
-- direct cost, shared costs received (by the rules of seeds/shared_cost_rules.csv) and the total,
-- amortised, with each value's part of the period's spend. Every dimension sums to the spend.
-- Render with `dbt compile --select chargeback_latest` and run the SQL in any client.
with chargeback as (

    select * from {{ ref('fct_chargeback') }}

),

latest as (

    select max(billing_period) as billing_period from chargeback

),

by_value as (

    select
        chargeback.billing_period,
        chargeback.dimension,
        chargeback.dimension_value,
        sum(case when chargeback.cost_type = 'direct' then chargeback.amortized_cost else 0 end) as direct_cost,
        sum(case when chargeback.cost_type = 'shared' then chargeback.amortized_cost else 0 end) as shared_cost,
        sum(chargeback.amortized_cost) as total_cost
    from chargeback
    inner join latest
        on chargeback.billing_period = latest.billing_period
    group by chargeback.billing_period, chargeback.dimension, chargeback.dimension_value

),

final as (

    select
        billing_period,
        dimension,
        dimension_value,
        round(direct_cost, 2) as direct_cost,
        round(shared_cost, 2) as shared_cost,
        round(total_cost, 2) as total_cost,
        round(
            cast(total_cost as double) / nullif(cast(sum(total_cost) over (partition by dimension) as double), 0), 4
        ) as share_of_spend
    from by_value

)

select * from final
order by dimension asc, total_cost desc
