{#-
    What each resource cost each day: one row per usage account, resource id and usage date, the
    effective (amortised) cost of its usage lines (int_optimization_resource_lines, the same lines
    the optimisation marts tie an action's estimate to). Read by the realised-savings ledger,
    which compares a resource's cost before and after the day its action was implemented
    (docs/cost_rules.md, 'Realised savings').
-#}
with resource_lines as (

    select * from {{ ref('int_optimization_resource_lines') }}

),

final as (

    select
        usage_account_id,
        resource_id,
        usage_date,
        sum(amortized_cost) as effective_cost
    from resource_lines
    group by
        usage_account_id,
        resource_id,
        usage_date

)

select * from final
