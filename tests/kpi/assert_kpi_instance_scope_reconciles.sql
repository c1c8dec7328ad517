{#- The KPI instance scope loses and duplicates nothing: per billing period and usage account,
    int_kpi_instance_usage holds exactly the line items the scope selects from
    int_line_items_amortized (count, amortized and on-demand-equivalent cost to the cent). A seed
    join that fanned out (a duplicated family) or a classification that dropped rows would fail
    here. Periods with a new delivery only (macros/testing/billing_periods_under_test.sql). -#}
with line_items as (

    select
        billing_period,
        usage_account_id,
        count(*) as line_item_count,
        sum(amortized_cost) as amortized_cost,
        sum(on_demand_equivalent_cost) as on_demand_equivalent_cost
    from {{ ref('int_line_items_amortized') }}
    where
        {{ billing_periods_under_test('cur2') }}
        and {{ kpi_instance_scope() }}
    group by
        billing_period,
        usage_account_id

),

scope as (

    select
        billing_period,
        usage_account_id,
        sum(line_item_count) as line_item_count,
        sum(amortized_cost) as amortized_cost,
        sum(on_demand_equivalent_cost) as on_demand_equivalent_cost
    from {{ ref('int_kpi_instance_usage') }}
    where {{ billing_periods_under_test('cur2') }}
    group by
        billing_period,
        usage_account_id

)

select
    coalesce(line_items.billing_period, scope.billing_period) as billing_period,
    coalesce(line_items.usage_account_id, scope.usage_account_id) as usage_account_id,
    line_items.line_item_count as line_items_count,
    scope.line_item_count as scope_count,
    line_items.amortized_cost as line_items_amortized_cost,
    scope.amortized_cost as scope_amortized_cost
from line_items
full outer join scope
    on
        line_items.billing_period = scope.billing_period
        and line_items.usage_account_id = scope.usage_account_id
where
    line_items.billing_period is null
    or scope.billing_period is null
    or line_items.line_item_count != scope.line_item_count
    or abs(line_items.amortized_cost - scope.amortized_cost) >= 0.005
    or abs(line_items.on_demand_equivalent_cost - scope.on_demand_equivalent_cost) >= 0.005
