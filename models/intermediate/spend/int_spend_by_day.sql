{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    The spend of the line items rolled up to the day: one row per billing period, usage date,
    payer, usage account, service, region, usage type, line item type and purchase option, with
    the cost under every basis. Built straight from the line items in one pass, whole billing
    periods at a time: only periods whose delivery changed are rebuilt
    (macros/incremental/billing_periods_to_rebuild.sql). fct_spend_daily publishes it and
    int_spend_by_billing_period rolls it up to the month, so the line items are read once.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

daily as (

    select
        billing_period,
        usage_date,
        {%- for dimension in spend_dimension_columns() %}
        {{ dimension }},
        {%- endfor %}
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        count(*) as line_item_count,
        sum(usage_amount) as usage_amount
    from line_items
    group by billing_period, usage_date, {{ spend_dimension_columns() | join(', ') }}

),

final as (

    select
        daily.usage_date,
        daily.payer_account_id,
        daily.usage_account_id,
        daily.product_code,
        daily.service,
        daily.region,
        daily.usage_type,
        daily.line_item_type,
        daily.charge_class,
        daily.purchase_option,
        daily.line_item_count,
        daily.usage_amount,
        daily.unblended_cost,
        daily.amortized_cost,
        daily.net_unblended_cost,
        daily.net_amortized_cost,
        daily.public_on_demand_cost,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        daily.billing_period
    from daily
    left join deliveries
        on daily.billing_period = deliveries.billing_period

)

select * from final
