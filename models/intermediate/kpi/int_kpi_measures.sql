{#-
    Each KPI's rule of the catalogue (macros/kpi/kpi_definitions.sql) applied to the model it is
    measured on: one row per billing period, payer, usage account and KPI with usage in the KPI's
    scope, with the numerator and denominator in the KPI's cost basis and the costs its potential
    savings rates apply to (the rates themselves are applied in fct_kpi_tracker, from
    int_kpi_definitions). KPI 18 has no rule of its own and no row here.
-#}
with measures as (
    {%- for kpi in kpi_definitions() if kpi.measured_on %}
    {%- set savings_cost = kpi.potential_savings_cost or 'amortized_cost' %}

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        '{{ kpi.kpi_id }}' as kpi_id,
        sum(case when {{ kpi.numerator }} then {{ kpi.numerator_cost or kpi.cost_basis }} else 0 end) as numerator,
        sum({{ kpi.cost_basis }}) as denominator,
        sum(case when {{ kpi.potential_savings_on or '1 = 0' }} then {{ savings_cost }} else 0 end) as savings_base,
        sum(case when {{ kpi.secondary_potential_savings_on or '1 = 0' }} then {{ savings_cost }} else 0 end)
            as secondary_savings_base
    from {{ ref(kpi.measured_on) }}
    where {{ kpi.denominator }}
    group by
        billing_period,
        payer_account_id,
        usage_account_id
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from measures
