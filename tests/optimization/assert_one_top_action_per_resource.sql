-- Invariant (docs/cost_rules.md, 'Optimisation'): per billing period and dedup key (resource, or
-- CORA's commitment key) exactly one top action, and at most one action that counts.
select
    billing_period,
    dedup_key,
    sum(case when is_top_action then 1 else 0 end) as top_actions,
    sum(case when counted_monthly_savings > 0 then 1 else 0 end) as counted_actions
from {{ ref('fct_savings_actions') }}
group by
    billing_period,
    dedup_key
having
    sum(case when is_top_action then 1 else 0 end) != 1
    or sum(case when counted_monthly_savings > 0 then 1 else 0 end) > 1
