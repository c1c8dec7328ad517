{#- The CUR amortisation rule gives the FOCUS export's EffectiveCost, and unblended gives its
    BilledCost, for the same charges, to the cent per billing period (docs/cost_rules.md, 'FOCUS equivalence'); the
    periods with a new delivery of either export (macros/testing/billing_periods_under_test.sql).
    Only AWS's FOCUS rows can match the CUR. A FOCUS test: it warns, never blocks the CUR marts
    (docs/run_order.md). -#}
{{ config(severity='warn') }}
with cur as (

    select
        billing_period,
        sum(amortized_cost) as amortized_cost,
        sum(unblended_cost) as unblended_cost
    from {{ ref('fct_spend_monthly') }}
    where {{ billing_periods_under_test('cur2') }} or {{ billing_periods_under_test('focus') }}
    group by billing_period

),

focus as (

    select
        billing_period,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost
    from {{ ref('stg_aws_focus__charges') }}
    where
        provider_name = 'AWS'
        and ({{ billing_periods_under_test('cur2') }} or {{ billing_periods_under_test('focus') }})
    group by billing_period

)

select
    cur.billing_period,
    cur.amortized_cost,
    focus.effective_cost,
    cur.unblended_cost,
    focus.billed_cost
from cur
inner join focus
    on cur.billing_period = focus.billing_period
where
    abs(cur.amortized_cost - focus.effective_cost) >= 0.005
    or abs(cur.unblended_cost - focus.billed_cost) >= 0.005
