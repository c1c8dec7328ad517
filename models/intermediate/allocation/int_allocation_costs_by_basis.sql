{#-
    The costs by dimension, summed to what allocation needs and with one row per cost basis: each
    basis is allocated on its own, so the allocation steps read one `amount` column and name the
    basis in `basis`. Grain: billing period, dimension, dimension value, usage account, shared
    cost rule (null: a direct cost) and basis.
-#}
{{ config(materialized='table') }}
with costs as (

    select * from {{ ref('int_allocation_costs_by_dimension') }}

),

by_basis as (

    {%- for basis in cost_basis_columns() %}

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
        sum(coalesce({{ basis }}, 0)) as amount
    from costs
    group by
        billing_period,
        dimension,
        dimension_value,
        usage_account_id,
        shared_cost_rule_id,
        allocation_method,
        allocation_scope,
        weight_basis
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from by_basis
