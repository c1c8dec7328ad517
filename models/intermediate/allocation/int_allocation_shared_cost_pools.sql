{#-
    The shared-cost pools: the costs a rule of seeds/shared_cost_rules.csv takes, summed per
    billing period, dimension, rule, basis and, for rules of scope 'account', usage account
    (pool_account_id '*': the pool spans the billing period). A pool may be negative (credits,
    refunds, discounts); a pool that sums to 0 has nothing to hand out and is left out. Grain:
    billing period, dimension, shared cost rule, pool account and basis.
-#}
{{ config(materialized='table') }}
with costs as (

    select * from {{ ref('int_allocation_costs_by_basis') }}

),

pools as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        case when allocation_scope = 'account' then usage_account_id else '*' end as pool_account_id,
        -- proportional weights: the rule's weight basis, else the basis being allocated
        coalesce(weight_basis, basis) as weight_basis,
        basis,
        sum(amount) as pool_amount
    from costs
    where shared_cost_rule_id is not null
    group by
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        case when allocation_scope = 'account' then usage_account_id else '*' end,
        coalesce(weight_basis, basis),
        basis
    having sum(amount) != 0

)

select * from pools
