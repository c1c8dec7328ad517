{#-
    Every resource's cost and owner: one row per billing period, payer, usage account, service,
    region and resource id (and value of each allocation dimension, should the resource's tags
    change within the period), with each dimension's value and where it came from. Direct
    costs only (the resource's own line items), in every basis. Charges without a resource id
    (tax, support, most fees) are not here; fct_showback has them.
-#}
{%- set dimensions = allocation_dimensions() %}
with tagged as (

    select * from {{ ref('int_allocation_costs_tagged') }}
    where resource_id is not null

),

final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        max(usage_account_name) as usage_account_name,
        service,
        region,
        resource_id,
        {%- for dimension in dimensions %}
        {{ dimension }},
        {{ dimension }}_source,
        {%- endfor %}
        {%- for basis in cost_basis_columns() %}
        cast(sum({{ basis }}) as decimal(38, 8)) as {{ basis }},
        {%- endfor %}
        cast(sum(line_item_count) as bigint) as line_item_count
    from tagged
    group by
        {%- for dimension in dimensions %}
        {{ dimension }},
        {{ dimension }}_source,
        {%- endfor %}
        billing_period,
        payer_account_id,
        usage_account_id,
        service,
        region,
        resource_id

)

select * from final
