{#- The FOCUS mart built from the CUR holds the same money as the spend marts, to the cent per
    billing period (docs/focus.md, 'Reconciliation'): BilledCost = unblended cost, EffectiveCost =
    amortised cost, ListCost and ContractedCost = public on-demand cost. -#}
with focus as (

    select
        cast(BillingPeriodStart as date) as billing_period_start_date,
        sum(BilledCost) as billed_cost,
        sum(EffectiveCost) as effective_cost,
        sum(ListCost) as list_cost,
        sum(ContractedCost) as contracted_cost
    from {{ ref('fct_focus_costs') }}
    group by cast(BillingPeriodStart as date)

),

spend as (

    select
        cast(billing_period || '-01' as date) as billing_period_start_date,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost
    from {{ ref('fct_spend_monthly') }}
    group by billing_period

)

select
    coalesce(focus.billing_period_start_date, spend.billing_period_start_date) as billing_period_start_date,
    focus.billed_cost,
    spend.unblended_cost,
    focus.effective_cost,
    spend.amortized_cost,
    focus.list_cost,
    focus.contracted_cost,
    spend.public_on_demand_cost
from focus
full outer join spend
    on focus.billing_period_start_date = spend.billing_period_start_date
where
    focus.billing_period_start_date is null
    or spend.billing_period_start_date is null
    or abs(focus.billed_cost - spend.unblended_cost) >= 0.005
    or abs(focus.effective_cost - spend.amortized_cost) >= 0.005
    or abs(focus.list_cost - spend.public_on_demand_cost) >= 0.005
    or abs(focus.contracted_cost - spend.public_on_demand_cost) >= 0.005
