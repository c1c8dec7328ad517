{#-
    Chargeback: every dollar of every billing period, in every basis, owned by a value of every
    allocation dimension. Direct costs stay with their own dimension value; costs a rule of
    seeds/shared_cost_rules.csv marks as shared are pooled (per billing period, dimension, rule
    and, for scope 'account', usage account) and redistributed by the rule's method:

    * proportional: in proportion to each value's direct cost (in the rule's weight_basis, else
      the basis being allocated) within the pool's account, else (no positive weight there) the
      whole billing period; negative direct costs weigh 0, and 'unallocated' weighs like any
      value, so untagged spend keeps its share of the overhead in sight;
    * even: equal parts to every value (not 'unallocated') with direct cost in the same scope;
    * fixed: the percentages of seeds/allocation_fixed_shares.csv.

    A pool nobody can receive goes to 'unallocated', like direct costs without a value: nothing
    is lost. Shares are computed at the money scale (8 decimals) and the rounding remainder goes
    to the pool's largest recipient, so shares sum to their pool exactly and, per billing period,
    dimension and basis, the chargeback sums to the spend (tests/allocation/).

    Grain: billing period, dimension, dimension value, cost type (direct, shared) and shared cost
    rule ('direct' for direct costs).
-#}
{%- set bases = cost_basis_columns() %}
with costs as (

    select * from {{ ref('int_allocation_costs_by_dimension') }}

),

fixed_shares as (

    select * from {{ ref('allocation_fixed_shares') }}

),

-- one row per cost row and basis: each basis is allocated on its own
costs_by_basis as (

    {%- for basis in bases %}

    select
        billing_period,
        dimension,
        dimension_value,
        usage_account_id,
        shared_cost_rule_id,
        allocation_method,
        allocation_scope,
        weight_basis,
        '{{ basis }}' as basis,
        coalesce({{ basis }}, 0) as amount
    from costs
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

direct_costs as (

    select
        billing_period,
        dimension,
        dimension_value,
        basis,
        sum(amount) as amount
    from costs_by_basis
    where shared_cost_rule_id is null
    group by billing_period, dimension, dimension_value, basis

),

-- what a recipient weighs in a pool: its direct cost in the account; 'unallocated' weighs too
-- (in proportional pools only), so untagged spend keeps its share of the overhead in sight
account_weights as (

    select
        billing_period,
        dimension,
        usage_account_id,
        dimension_value,
        basis,
        sum(amount) as amount
    from costs_by_basis
    where shared_cost_rule_id is null
    group by billing_period, dimension, usage_account_id, dimension_value, basis

),

period_weights as (

    select
        billing_period,
        dimension,
        dimension_value,
        basis,
        sum(amount) as amount
    from account_weights
    group by billing_period, dimension, dimension_value, basis

),

pools as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        -- '*': the pool spans the billing period
        case when allocation_scope = 'account' then usage_account_id else '*' end as pool_account_id,
        coalesce(weight_basis, basis) as weight_basis,
        basis,
        sum(amount) as amount
    from costs_by_basis
    where shared_cost_rule_id is not null
    group by
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        case when allocation_scope = 'account' then usage_account_id else '*' end,
        coalesce(weight_basis, basis),
        basis
    -- an empty pool has nothing to hand out
    having sum(amount) != 0

),

-- recipients of proportional and even pools: first the pool's account (level 1), then the
-- billing period (level 2)
candidates as (

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        pools.amount as pool_amount,
        1 as scope_level,
        account_weights.dimension_value,
        case when account_weights.amount > 0 then account_weights.amount else 0 end as weight
    from pools
    inner join account_weights
        on
            pools.billing_period = account_weights.billing_period
            and pools.dimension = account_weights.dimension
            and pools.pool_account_id = account_weights.usage_account_id
            and pools.weight_basis = account_weights.basis
    where
        pools.allocation_method = 'proportional'
        or (pools.allocation_method = 'even' and account_weights.dimension_value != {{ unallocated_value() }})

    union all

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        pools.amount as pool_amount,
        2 as scope_level,
        period_weights.dimension_value,
        case when period_weights.amount > 0 then period_weights.amount else 0 end as weight
    from pools
    inner join period_weights
        on
            pools.billing_period = period_weights.billing_period
            and pools.dimension = period_weights.dimension
            and pools.weight_basis = period_weights.basis
    where
        pools.allocation_method = 'proportional'
        or (pools.allocation_method = 'even' and period_weights.dimension_value != {{ unallocated_value() }})

),

scope_totals as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        pool_account_id,
        basis,
        scope_level,
        min(allocation_method) as allocation_method,
        sum(weight) as total_weight,
        count(*) as recipient_count
    from candidates
    group by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis, scope_level

),

-- the narrowest scope that can take the pool
chosen_scopes as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        pool_account_id,
        basis,
        min(scope_level) as scope_level
    from scope_totals
    where
        (allocation_method = 'proportional' and total_weight > 0)
        or (allocation_method = 'even' and recipient_count > 0)
    group by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis

),

ratios as (

    select
        candidates.billing_period,
        candidates.dimension,
        candidates.shared_cost_rule_id,
        candidates.allocation_method,
        candidates.pool_account_id,
        candidates.basis,
        candidates.pool_amount,
        candidates.dimension_value,
        case candidates.allocation_method
            when 'proportional' then cast(candidates.weight as double) / cast(scope_totals.total_weight as double)
            else cast(1 as double) / scope_totals.recipient_count
        end as ratio
    from candidates
    inner join chosen_scopes
        on
            candidates.billing_period = chosen_scopes.billing_period
            and candidates.dimension = chosen_scopes.dimension
            and candidates.shared_cost_rule_id = chosen_scopes.shared_cost_rule_id
            and candidates.pool_account_id = chosen_scopes.pool_account_id
            and candidates.basis = chosen_scopes.basis
            and candidates.scope_level = chosen_scopes.scope_level
    inner join scope_totals
        on
            candidates.billing_period = scope_totals.billing_period
            and candidates.dimension = scope_totals.dimension
            and candidates.shared_cost_rule_id = scope_totals.shared_cost_rule_id
            and candidates.pool_account_id = scope_totals.pool_account_id
            and candidates.basis = scope_totals.basis
            and candidates.scope_level = scope_totals.scope_level
    -- recipients without positive weight get nothing from a proportional pool
    where candidates.allocation_method = 'even' or candidates.weight > 0

    union all

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        pools.amount as pool_amount,
        fixed_shares.target_value as dimension_value,
        cast(fixed_shares.share_percent as double) / 100 as ratio
    from pools
    inner join fixed_shares
        on pools.shared_cost_rule_id = fixed_shares.rule_id
    where pools.allocation_method = 'fixed'

),

rounded as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        pool_account_id,
        basis,
        pool_amount,
        dimension_value,
        cast(cast(pool_amount as double) * ratio as decimal(38, 8)) as share,
        row_number() over (
            partition by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis
            order by ratio desc, dimension_value asc
        ) as size_rank
    from ratios

),

-- shares sum to their pool exactly: the rounding remainder goes to the largest recipient
shares as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        pool_account_id,
        basis,
        dimension_value,
        share + case
            when size_rank = 1
                then pool_amount - sum(share) over (
                    partition by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis
                )
            else 0
        end as amount
    from rounded

),

placed_pools as (

    select distinct
        billing_period,
        dimension,
        shared_cost_rule_id,
        pool_account_id,
        basis
    from shares

),

-- pools no recipient can take (no value with direct cost in scope, no fixed shares)
unplaced as (

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        {{ unallocated_value() }} as dimension_value,
        pools.amount
    from pools
    left join placed_pools as placed
        on
            pools.billing_period = placed.billing_period
            and pools.dimension = placed.dimension
            and pools.shared_cost_rule_id = placed.shared_cost_rule_id
            and pools.pool_account_id = placed.pool_account_id
            and pools.basis = placed.basis
    where placed.billing_period is null

),

allocations as (

    select
        billing_period,
        dimension,
        dimension_value,
        'direct' as cost_type,
        'direct' as shared_cost_rule_id,
        'direct' as allocation_method,
        basis,
        amount
    from direct_costs

    union all

    select
        billing_period,
        dimension,
        dimension_value,
        'shared' as cost_type,
        shared_cost_rule_id,
        allocation_method,
        basis,
        amount
    from shares

    union all

    select
        billing_period,
        dimension,
        dimension_value,
        'shared' as cost_type,
        shared_cost_rule_id,
        allocation_method,
        basis,
        amount
    from unplaced

),

-- back to one column per basis
pivoted as (

    select
        {%- for basis in bases %}
        cast(coalesce(sum(case when basis = '{{ basis }}' then amount end), 0) as decimal(38, 8)) as {{ basis }},
        {%- endfor %}
        billing_period,
        dimension,
        dimension_value,
        cost_type,
        shared_cost_rule_id,
        allocation_method
    from allocations
    group by
        billing_period,
        dimension,
        dimension_value,
        cost_type,
        shared_cost_rule_id,
        allocation_method

),

final as (

    select
        billing_period,
        dimension,
        dimension_value,
        cost_type,
        shared_cost_rule_id,
        allocation_method,
        unblended_cost,
        amortized_cost,
        net_unblended_cost,
        net_amortized_cost,
        public_on_demand_cost
    from pivoted

)

select * from final
