{#- Every fixed rule of shared_cost_rules has percentages in allocation_fixed_shares, none
    negative, summing to 100 (otherwise the rounding remainder would silently absorb the gap). -#}
with rules as (

    select rule_id
    from {{ ref('shared_cost_rules') }}
    where method = 'fixed'

),

shares as (

    select
        rule_id,
        sum(share_percent) as total_percent,
        min(share_percent) as smallest_percent
    from {{ ref('allocation_fixed_shares') }}
    group by rule_id

)

select
    rules.rule_id,
    shares.total_percent,
    shares.smallest_percent
from rules
left join shares
    on rules.rule_id = shares.rule_id
where
    shares.rule_id is null
    or shares.total_percent != 100
    or shares.smallest_percent < 0
