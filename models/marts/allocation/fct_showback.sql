{#-
    Showback: who consumed what, before any redistribution. Every cost row of every allocation
    dimension stays with the value its own tags give it (the taxonomy merge of
    int_allocation_costs_tagged, 'unallocated' when nothing gives one), broken down by account,
    service and charge class, with the source of the value and the shared-cost rule fct_chargeback
    would apply to it. Grain: billing period, dimension, dimension value, value source, payer,
    usage account, service and charge class.
-#}
with costs as (

    select * from {{ ref('int_allocation_costs_by_dimension') }}

),

final as (

    select
        billing_period,
        dimension,
        dimension_value,
        value_source,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        charge_class,
        shared_cost_rule_id,
        shared_cost_rule_id is not null as is_shared_in_chargeback,
        {%- for basis in cost_basis_columns() %}
        cast({{ basis }} as decimal(38, 8)) as {{ basis }},
        {%- endfor %}
        cast(line_item_count as bigint) as line_item_count
    from costs

)

select * from final
