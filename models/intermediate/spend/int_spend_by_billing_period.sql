{{ config(materialized='table') }}
{#- The spend per billing period that the monthly facts and the spend dimensions read: one row
    per billing period, payer, usage account, service, region, usage type, line item type and
    purchase option, int_spend_by_day rolled up to the month (milliseconds to build). -#}
with daily as (

    select * from {{ ref('int_spend_by_day') }}

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
