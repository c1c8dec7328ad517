{#- Every basis of fct_spend_daily equals the costed line items, to the cent, per billing period
    (the periods with a new delivery: macros/testing/billing_periods_under_test.sql). -#}
with line_items as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period
    from {{ ref('int_line_items_amortized') }}
    where {{ billing_periods_under_test('cur2') }}
    group by billing_period

),

mart as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period
    from {{ ref('fct_spend_daily') }}
    where {{ billing_periods_under_test('cur2') }}
    group by billing_period

)

select
    coalesce(line_items.billing_period, mart.billing_period) as billing_period,
    line_items.amortized_cost as line_items_amortized_cost,
    mart.amortized_cost as mart_amortized_cost
from line_items
full outer join mart
    on line_items.billing_period = mart.billing_period
where
    line_items.billing_period is null
    or mart.billing_period is null
    {%- for basis in cost_basis_columns() %}
    or abs(line_items.{{ basis }} - mart.{{ basis }}) >= 0.005
    {%- endfor %}
