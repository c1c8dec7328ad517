{#-
    Who receives a share of each shared-cost pool, and what they weigh:
    * proportional: the dimension values with a positive direct cost (in the rule's weight basis)
      in the narrowest scope that has one: the pool's account, else the whole billing period (the
      only scope of a billing-period pool). Each weighs its direct cost; 'unallocated' weighs like
      any value, so untagged spend keeps its share of the overhead in sight, and a negative direct
      cost (refunds) weighs nothing;
    * even: every value but 'unallocated' with direct cost in the narrowest such scope, each
      weighing 1;
    * fixed: the rule's targets in seeds/allocation_fixed_shares.csv, weighing their percentage;
      they need no direct cost of their own (recipient_scope_account_id is null).
    A pool nobody can receive has no row here; int_allocation_shares gives it to 'unallocated'.
    Grain: billing period, dimension, shared cost rule, pool account, basis and dimension value.
-#}
{{ config(materialized='table') }}
with pools as (

    select * from {{ ref('int_allocation_shared_cost_pools') }}

),

direct_costs as (

    select * from {{ ref('int_allocation_direct_costs') }}

),

fixed_shares as (

    select * from {{ ref('allocation_fixed_shares') }}

),

-- proportional and even pools: values with direct cost in the pool's account or billing period
candidates as (

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        direct_costs.dimension_value,
        direct_costs.scope_account_id as recipient_scope_account_id,
        case when direct_costs.scope_account_id = '*' then 2 else 1 end as scope_level,
        case when pools.allocation_method = 'even' then 1 else direct_costs.direct_cost end as weight
    from pools
    inner join direct_costs
        on
            pools.billing_period = direct_costs.billing_period
            and pools.dimension = direct_costs.dimension
            and pools.weight_basis = direct_costs.basis
            and direct_costs.scope_account_id in (pools.pool_account_id, '*')
    where
        (pools.allocation_method = 'proportional' and direct_costs.direct_cost > 0)
        or (pools.allocation_method = 'even' and direct_costs.dimension_value != {{ unallocated_value() }})

),

-- the narrowest scope that can take the pool
scoped as (

    select
        *,
        min(scope_level) over (
            partition by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis
        ) as chosen_scope_level
    from candidates

),

fixed_targets as (

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        fixed_shares.target_value as dimension_value,
        cast(null as varchar) as recipient_scope_account_id,
        fixed_shares.share_percent as weight
    from pools
    inner join fixed_shares
        on pools.shared_cost_rule_id = fixed_shares.rule_id
    where pools.allocation_method = 'fixed'

),

final as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        pool_account_id,
        basis,
        dimension_value,
        recipient_scope_account_id,
        weight
    from scoped
    where scope_level = chosen_scope_level

    union all

    select * from fixed_targets

)

select * from final
