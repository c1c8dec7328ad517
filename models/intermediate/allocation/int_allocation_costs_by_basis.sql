{#-
    The costs by dimension with one row per cost basis: each basis is allocated on its own, so
    the allocation steps read one `amount` column and name the basis in `basis`. Grain: billing
    period, dimension, dimension value, value source, payer, usage account, service, charge class
    and basis.
-#}
with costs as (

    select * from {{ ref('int_allocation_costs_by_dimension') }}

),

by_basis as (

    {%- for basis in cost_basis_columns() %}

    select
        billing_period,
        dimension,
        dimension_value,
        value_source,
        payer_account_id,
        usage_account_id,
        service,
        charge_class,
        shared_cost_rule_id,
        allocation_method,
        allocation_scope,
        weight_basis,
        '{{ basis }}' as basis,
        coalesce({{ basis }}, 0) as amount
    from costs
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from by_basis
