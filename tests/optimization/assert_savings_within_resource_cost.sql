-- Invariant (docs/cost_rules.md, 'Optimisation'): what is counted for a resource never exceeds the
-- resource's actual cost in its 30-day window, normalised to a month.
select
    billing_period,
    account_id,
    resource_id,
    sum(counted_monthly_savings) as counted_monthly_savings,
    max(resource_monthly_cost) as resource_monthly_cost
from {{ ref('fct_savings_actions') }}
where resource_id is not null
group by
    billing_period,
    account_id,
    resource_id
having sum(counted_monthly_savings) > coalesce(max(resource_monthly_cost), 0)
