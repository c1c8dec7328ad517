{#-
    What each dimension value costs on its own (the rows no shared-cost rule takes), at the two
    scopes a shared pool looks for recipients in: each usage account, and the whole billing period
    (scope_account_id '*'). The billing-period rows are also the direct costs fct_chargeback
    reports. Grain: billing period, dimension, scope account, dimension value and basis.
-#}
{{ config(materialized='table') }}
with costs as (

    select * from {{ ref('int_allocation_costs_by_basis') }}

),

by_account as (

    select
        billing_period,
        dimension,
        usage_account_id as scope_account_id,
        dimension_value,
        basis,
        sum(amount) as direct_cost
    from costs
    where shared_cost_rule_id is null
    group by billing_period, dimension, usage_account_id, dimension_value, basis

),

by_billing_period as (

    select
        billing_period,
        dimension,
        '*' as scope_account_id,
        dimension_value,
        basis,
        sum(direct_cost) as direct_cost
    from by_account
    group by billing_period, dimension, dimension_value, basis

),

final as (

    select * from by_account
    union all
    select * from by_billing_period

)

select * from final
