{#-
    What each budget has spent per billing period, in the budget's own cost basis: one row per
    budget and billing period of the data within the budget's start and end periods. Organisation,
    account and service budgets read the spend (int_spend_by_billing_period); team budgets the
    allocation's costs of dimension 'team' before redistribution (what fct_showback shows).
-#}
with budgets as (

    select * from {{ ref('budgets') }}

),

spend as (

    select * from {{ ref('int_spend_by_billing_period') }}

),

team_costs as (

    select * from {{ ref('int_allocation_costs_by_dimension') }}
    where dimension = 'team'

),

spend_by_scope as (

    {%- set scopes = [('total', "cast(null as varchar)", 'spend'), ('account', 'usage_account_id', 'spend'),
                      ('service', 'service', 'spend'), ('team', 'dimension_value', 'team_costs')] %}
    {%- for scope, key, relation in scopes %}
    select
        billing_period,
        '{{ scope }}' as budget_scope,
        {{ key }} as scope_key,
        sum(amortized_cost) as amortized_cost,
        sum(unblended_cost) as unblended_cost,
        sum(net_amortized_cost) as net_amortized_cost,
        sum(net_unblended_cost) as net_unblended_cost
    from {{ relation }}
    group by billing_period{% if scope != 'total' %}, {{ key }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

periods as (

    select distinct billing_period from spend

),

budget_periods as (

    select
        budgets.budget_id,
        budgets.budget_scope,
        budgets.scope_key,
        budgets.cost_basis,
        periods.billing_period
    from budgets
    inner join periods
        on
            budgets.start_period <= periods.billing_period
            and coalesce(budgets.end_period, '9999-12') >= periods.billing_period

),

final as (

    select
        budget_periods.budget_id,
        budget_periods.billing_period,
        cast(coalesce(case budget_periods.cost_basis
            when 'amortized' then spend_by_scope.amortized_cost
            when 'unblended' then spend_by_scope.unblended_cost
            when 'net_amortized' then spend_by_scope.net_amortized_cost
            when 'net_unblended' then spend_by_scope.net_unblended_cost
        end, 0) as decimal(38, 8)) as actual_cost
    from budget_periods
    left join spend_by_scope
        on
            budget_periods.billing_period = spend_by_scope.billing_period
            and budget_periods.budget_scope = spend_by_scope.budget_scope
            and (budget_periods.budget_scope = 'total' or budget_periods.scope_key = spend_by_scope.scope_key)

)

select * from final
