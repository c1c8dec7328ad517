{#- One row per billing period, payer, usage account, service, region, usage type, line item
    type and purchase option: fct_spend_daily rolled up to the month (milliseconds to build). -#}
with daily as (

    select * from {{ ref('fct_spend_daily') }}

),

monthly as (

    select
        billing_period,
        {%- for dimension in spend_dimension_columns() %}
        {{ dimension }},
        {%- endfor %}
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        cast(sum(line_item_count) as bigint) as line_item_count,
        sum(usage_amount) as usage_amount
    from daily
    group by billing_period, {{ spend_dimension_columns() | join(', ') }}

)

select * from monthly
