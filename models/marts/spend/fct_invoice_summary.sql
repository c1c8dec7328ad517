{#- One row per billing period and payer: what the invoice will say (unblended, i.e. billed),
    with each kind of charge separated, and the same period on the amortised and net bases. -#}
with monthly as (

    select * from {{ ref('int_spend_by_billing_period') }}

),

summary as (

    select
        billing_period,
        payer_account_id,
        {%- for charge_class in charge_classes() %}
        sum(case when charge_class = '{{ charge_class }}' then unblended_cost else 0 end) as {{ charge_class }}_cost,
        {%- endfor %}
        sum(unblended_cost) as total_unblended_cost,
        sum(amortized_cost) as total_amortized_cost,
        sum(net_unblended_cost) as total_net_unblended_cost,
        sum(net_amortized_cost) as total_net_amortized_cost,
        sum(public_on_demand_cost) as total_public_on_demand_cost
    from monthly
    group by billing_period, payer_account_id

)

select * from summary
