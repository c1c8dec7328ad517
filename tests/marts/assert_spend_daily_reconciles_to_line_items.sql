{#- Every basis of fct_spend_daily equals the costed line items, to the cent, per billing period. -#}
with line_items as (

    select
        billing_period,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(net_unblended_cost) as net_unblended_cost,
        sum(net_amortized_cost) as net_amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost
    from {{ ref('int_line_items_amortized') }}
    group by billing_period

),

mart as (

    select
        billing_period,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(net_unblended_cost) as net_unblended_cost,
        sum(net_amortized_cost) as net_amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost
    from {{ ref('fct_spend_daily') }}
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
    {%- for basis in ['unblended_cost', 'amortized_cost', 'net_unblended_cost', 'net_amortized_cost', 'public_on_demand_cost'] %}
    or abs(line_items.{{ basis }} - mart.{{ basis }}) >= 0.005
    {%- endfor %}
