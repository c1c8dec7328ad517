{#- Every budget's actual, per billing period, equals the spend of its scope in its cost basis to
    the cent, recomputed here from the published spend marts (fct_spend_monthly; fct_showback for
    team budgets), and fct_budget_status's per-period actual is the sum of those months. -#}
with budgets as (

    select * from {{ ref('budgets') }}

),

spend as (

    select * from {{ ref('fct_spend_monthly') }}

),

showback as (

    select * from {{ ref('fct_showback') }}
    where dimension = 'team'

),

status as (

    select * from {{ ref('fct_budget_status') }}

),

expected_months as (

    select
        budgets.budget_id,
        budgets.time_unit,
        spend.billing_period,
        sum(case budgets.cost_basis
            when 'amortized' then spend.amortized_cost
            when 'unblended' then spend.unblended_cost
            when 'net_amortized' then spend.net_amortized_cost
            when 'net_unblended' then spend.net_unblended_cost
        end) as expected_cost
    from budgets
    inner join spend
        on
            budgets.start_period <= spend.billing_period
            and coalesce(budgets.end_period, '9999-12') >= spend.billing_period
            and (
                budgets.budget_scope = 'total'
                or (budgets.budget_scope = 'account' and budgets.scope_key = spend.usage_account_id)
                or (budgets.budget_scope = 'service' and budgets.scope_key = spend.service)
            )
    group by budgets.budget_id, budgets.time_unit, spend.billing_period

    union all

    select
        budgets.budget_id,
        budgets.time_unit,
        showback.billing_period,
        sum(case budgets.cost_basis
            when 'amortized' then showback.amortized_cost
            when 'unblended' then showback.unblended_cost
            when 'net_amortized' then showback.net_amortized_cost
            when 'net_unblended' then showback.net_unblended_cost
        end) as expected_cost
    from budgets
    inner join showback
        on
            budgets.start_period <= showback.billing_period
            and coalesce(budgets.end_period, '9999-12') >= showback.billing_period
            and budgets.budget_scope = 'team'
            and budgets.scope_key = showback.dimension_value
    group by budgets.budget_id, budgets.time_unit, showback.billing_period

),

expected as (

    select
        budget_id,
        case when time_unit = 'annual' then substr(billing_period, 1, 4) else billing_period end as budget_period,
        sum(expected_cost) as expected_cost
    from expected_months
    group by budget_id, case when time_unit = 'annual' then substr(billing_period, 1, 4) else billing_period end

)

select
    coalesce(status.budget_id, expected.budget_id) as budget_id,
    coalesce(status.budget_period, expected.budget_period) as budget_period,
    status.actual_cost,
    expected.expected_cost
from status
full outer join expected
    on
        status.budget_id = expected.budget_id
        and status.budget_period = expected.budget_period
where abs(coalesce(status.actual_cost, 0) - coalesce(expected.expected_cost, 0)) >= 0.005
