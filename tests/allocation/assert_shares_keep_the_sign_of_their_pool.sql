{#- No negative-allocation surprises: a shared cost made only of charges >= 0 (tax, support,
    fees ...) never hands anyone a negative share, and one made only of charges <= 0 (credits,
    refunds, discounts) never a positive one. Weights are never negative (negative direct costs
    weigh 0) and fixed percentages are >= 0 (seed test), so a negative share can only come from a
    negative cost; this finds one that does not. Checked per billing period, dimension, rule and
    basis, on the rows fct_showback marks as shared. -#}
with pooled as (

    {%- for basis in cost_basis_columns() %}

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        '{{ basis }}' as basis,
        min({{ basis }}) as smallest_cost,
        max({{ basis }}) as largest_cost
    from {{ ref('fct_showback') }}
    where is_shared_in_chargeback
    group by billing_period, dimension, shared_cost_rule_id
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

shares as (

    {%- for basis in cost_basis_columns() %}

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        dimension_value,
        '{{ basis }}' as basis,
        {{ basis }} as share
    from {{ ref('fct_chargeback') }}
    where cost_type = 'shared'
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select
    shares.*,
    pooled.smallest_cost,
    pooled.largest_cost
from shares
inner join pooled
    on
        shares.billing_period = pooled.billing_period
        and shares.dimension = pooled.dimension
        and shares.shared_cost_rule_id = pooled.shared_cost_rule_id
        and shares.basis = pooled.basis
where
    -- 1e-7: room for the rounding remainder (1e-8 per pool) the largest recipient absorbs
    (pooled.smallest_cost >= 0 and shares.share < -0.0000001)
    or (pooled.largest_cost <= 0 and shares.share > 0.0000001)
