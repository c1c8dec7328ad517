{#-
    The shares in money, leaving no residual: each share is rounded to the money scale (8
    decimals) and the pool's rounding remainder goes to its largest recipient (ties: the first
    value in alphabetical order), so the shares of a pool sum to the pool exactly. A negative pool
    (credits, refunds) gives negative shares. Grain: billing period, dimension, shared cost rule,
    pool account, basis and dimension value.
-#}
{{ config(materialized='table') }}
with shares as (

    select * from {{ ref('int_allocation_shares') }}

),

rounded as (

    select
        *,
        {{ money('cast(pool_amount as double) * ratio') }} as rounded_share,
        row_number() over (
            partition by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis
            order by ratio desc, dimension_value asc
        ) as size_rank
    from shares

),

final as (

    select
        billing_period,
        dimension,
        shared_cost_rule_id,
        allocation_method,
        pool_account_id,
        basis,
        dimension_value,
        rounded_share + case
            when size_rank = 1
                then pool_amount - sum(rounded_share) over (
                    partition by billing_period, dimension, shared_cost_rule_id, pool_account_id, basis
                )
            else 0
        end as amount
    from rounded

)

select * from final
