{#- Chargeback and showback allocate the whole spend: for every billing period, allocation
    dimension and basis, their rows sum to fct_spend_monthly (itself reconciled to the line items)
    to the cent. A dimension missing for a period with spend fails too. -#}
with spend as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period
    from {{ ref('fct_spend_monthly') }}
    group by billing_period

),

dimensions as (

    {%- for dimension in allocation_dimensions() %}
    select '{{ dimension }}' as dimension
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

expected as (

    select
        spend.*,
        dimensions.dimension
    from spend
    cross join dimensions

),

{%- for mart in ['fct_chargeback', 'fct_showback'] %}

{{ mart }} as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period,
        dimension
    from {{ ref(mart) }}
    group by billing_period, dimension

),
{%- endfor %}

final as (

    {%- for mart in ['fct_chargeback', 'fct_showback'] %}

    select
        '{{ mart }}' as mart,
        coalesce(expected.billing_period, {{ mart }}.billing_period) as billing_period,
        coalesce(expected.dimension, {{ mart }}.dimension) as dimension,
        expected.amortized_cost as spend_amortized_cost,
        {{ mart }}.amortized_cost as allocated_amortized_cost
    from expected
    full outer join {{ mart }}
        on
            expected.billing_period = {{ mart }}.billing_period
            and expected.dimension = {{ mart }}.dimension
    where
        expected.billing_period is null
        or {{ mart }}.billing_period is null
        {%- for basis in cost_basis_columns() %}
        or abs(expected.{{ basis }} - {{ mart }}.{{ basis }}) >= 0.005
        {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from final
