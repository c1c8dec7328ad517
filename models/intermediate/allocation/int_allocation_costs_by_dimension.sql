{#-
    The tagged costs unpivoted to one row per dimension (long), with the shared-cost rule that
    applies to each row. Grain: billing period, dimension, dimension value, value source, payer,
    usage account, service and charge class.

    Rules (seeds/shared_cost_rules.csv) match on dimension, charge class, service, account (id or
    name) and, with only_unallocated, on rows the dimension has no value for; an empty cell
    matches anything. The matching rule with the lowest priority wins; a row no rule matches is a
    direct cost of its own dimension value ('unallocated' when it has none).
-#}
{%- set dimensions = allocation_dimensions() %}
with tagged as (

    select * from {{ ref('int_allocation_costs_tagged') }}

),

rules as (

    select * from {{ ref('shared_cost_rules') }}

),

by_dimension as (

    {%- for dimension in dimensions %}

    select
        billing_period,
        '{{ dimension }}' as dimension,
        {{ dimension }} as dimension_value,
        {{ dimension }}_source as value_source,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        charge_class,
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        sum(line_item_count) as line_item_count
    from tagged
    group by
        billing_period,
        {{ dimension }},
        {{ dimension }}_source,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        charge_class
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

matches as (

    select
        by_dimension.billing_period,
        by_dimension.dimension,
        by_dimension.dimension_value,
        by_dimension.value_source,
        by_dimension.payer_account_id,
        by_dimension.usage_account_id,
        by_dimension.usage_account_name,
        by_dimension.service,
        by_dimension.charge_class,
        rules.rule_id as shared_cost_rule_id,
        rules.method as allocation_method,
        rules.scope as allocation_scope,
        rules.weight_basis,
        {%- for basis in cost_basis_columns() %}
        by_dimension.{{ basis }},
        {%- endfor %}
        by_dimension.line_item_count,
        -- a row without any matching rule keeps one row (no rule: a direct cost)
        row_number() over (
            partition by
                by_dimension.billing_period,
                by_dimension.dimension,
                by_dimension.dimension_value,
                by_dimension.value_source,
                by_dimension.payer_account_id,
                by_dimension.usage_account_id,
                by_dimension.service,
                by_dimension.charge_class
            order by rules.priority, rules.rule_id
        ) as rule_rank
    from by_dimension
    left join rules
        on
            (rules.dimension is null or by_dimension.dimension = rules.dimension)
            and (rules.charge_class is null or by_dimension.charge_class = rules.charge_class)
            and (rules.service is null or by_dimension.service = rules.service)
            and (
                rules.account is null
                or by_dimension.usage_account_id = rules.account
                or by_dimension.usage_account_name = rules.account
            )
            and (not coalesce(rules.only_unallocated, false) or by_dimension.value_source = 'none')

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
        allocation_method,
        allocation_scope,
        weight_basis,
        {%- for basis in cost_basis_columns() %}
        {{ basis }},
        {%- endfor %}
        line_item_count
    from matches
    where rule_rank = 1

)

select * from final
