{#-
    The part of its pool each recipient receives, as a ratio before rounding:
    * proportional and even: its weight over the pool's total weight (an even recipient weighs 1:
      each gets 1 / number of recipients);
    * fixed: its percentage / 100 (the percentages of a rule sum to 100, tests/allocation/);
    * a pool nobody can receive goes wholly to 'unallocated', like direct costs without a value:
      nothing is lost.
    Grain: billing period, dimension, shared cost rule, pool account, basis and dimension value.
-#}
{{ config(materialized='table') }}
with pools as (

    select * from {{ ref('int_allocation_shared_cost_pools') }}

),

recipients as (

    select * from {{ ref('int_allocation_pool_recipients') }}

),

final as (

    select
        pools.billing_period,
        pools.dimension,
        pools.shared_cost_rule_id,
        pools.allocation_method,
        pools.pool_account_id,
        pools.basis,
        pools.pool_amount,
        coalesce(recipients.dimension_value, {{ unallocated_value() }}) as dimension_value,
        case
            when recipients.dimension_value is null then cast(1 as double)
            when pools.allocation_method = 'fixed' then cast(recipients.weight as double) / 100
            else cast(recipients.weight as double) / cast(sum(recipients.weight) over (
                partition by
                    pools.billing_period, pools.dimension, pools.shared_cost_rule_id, pools.pool_account_id, pools.basis
            ) as double)
        end as ratio
    from pools
    left join recipients
        on
            pools.billing_period = recipients.billing_period
            and pools.dimension = recipients.dimension
            and pools.shared_cost_rule_id = recipients.shared_cost_rule_id
            and pools.pool_account_id = recipients.pool_account_id
            and pools.basis = recipients.basis

)

select * from final
