{#-
    Chargeback: every dollar of every billing period, in every basis, owned by a value of every
    allocation dimension. Direct costs stay with their own dimension value; costs a rule of
    seeds/shared_cost_rules.csv marks as shared are pooled and redistributed by the rule's method,
    one step per model of models/intermediate/allocation/: int_allocation_shared_cost_pools ->
    int_allocation_pool_recipients -> int_allocation_shares -> int_allocation_shares_rounded.
    Here the direct costs and the shares are put side by side, one column per basis again; per
    billing period, dimension and basis the rows sum to the spend (tests/allocation/).

    Grain: billing period, dimension, dimension value, cost type (direct, shared) and shared cost
    rule ('direct' for direct costs).
-#}
{%- set bases = cost_basis_columns() %}
with direct_costs as (

    select * from {{ ref('int_allocation_direct_costs') }}

),

shares as (

    select * from {{ ref('int_allocation_shares_rounded') }}

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
        direct_cost as amount
    from direct_costs
    -- the billing period's direct cost, over all accounts
    where scope_account_id = '*'

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
