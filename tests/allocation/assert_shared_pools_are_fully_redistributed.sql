{#- Residual zero per rule: for every billing period, dimension, shared-cost rule and basis, the
    shares fct_chargeback hands out sum exactly (to 1e-8) to the costs fct_showback marks as
    shared by that rule, and nothing shared by a rule is kept as a direct cost. -#}
with pooled as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period,
        dimension,
        shared_cost_rule_id
    from {{ ref('fct_showback') }}
    where is_shared_in_chargeback
    group by billing_period, dimension, shared_cost_rule_id

),

shared as (

    select
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        billing_period,
        dimension,
        shared_cost_rule_id
    from {{ ref('fct_chargeback') }}
    where cost_type = 'shared'
    group by billing_period, dimension, shared_cost_rule_id

)

select
    coalesce(pooled.billing_period, shared.billing_period) as billing_period,
    coalesce(pooled.dimension, shared.dimension) as dimension,
    coalesce(pooled.shared_cost_rule_id, shared.shared_cost_rule_id) as shared_cost_rule_id,
    pooled.amortized_cost as pooled_amortized_cost,
    shared.amortized_cost as shared_amortized_cost
from pooled
full outer join shared
    on
        pooled.billing_period = shared.billing_period
        and pooled.dimension = shared.dimension
        and pooled.shared_cost_rule_id = shared.shared_cost_rule_id
where
    pooled.billing_period is null
    or shared.billing_period is null
    {%- for basis in cost_basis_columns() %}
    or pooled.{{ basis }} != shared.{{ basis }}
    {%- endfor %}
