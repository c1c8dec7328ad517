{#- The invoice summary's charge classes add up to its total, and its totals equal the monthly
    spend, per billing period and payer. -#}
with summary as (

    select * from {{ ref('fct_invoice_summary') }}

),

monthly as (

    select
        billing_period,
        payer_account_id,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost
    from {{ ref('fct_spend_monthly') }}
    group by billing_period, payer_account_id

)

select
    summary.billing_period,
    summary.payer_account_id
from summary
inner join monthly
    on
        summary.billing_period = monthly.billing_period
        and summary.payer_account_id = monthly.payer_account_id
where
    abs(
        {%- for charge_class in charge_classes() %}
        {{ '+ ' if not loop.first }}summary.{{ charge_class }}_cost
        {%- endfor %}
        - summary.total_unblended_cost
    ) >= 0.005
    or abs(summary.total_unblended_cost - monthly.unblended_cost) >= 0.005
    or abs(summary.total_amortized_cost - monthly.amortized_cost) >= 0.005
