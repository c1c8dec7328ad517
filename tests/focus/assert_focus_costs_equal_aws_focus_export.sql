{#- The FOCUS mart built from the CUR equals AWS's own FOCUS export of the same charges in
    BilledCost and EffectiveCost, to the cent per billing period, sub account and service
    (docs/focus.md, 'Against AWS's FOCUS export'); the billing periods both exports delivered,
    of those with a new delivery of either export (macros/testing/billing_periods_under_test.sql).
    A FOCUS test: it warns, never blocks the CUR marts (docs/run_order.md). -#}
{{ config(severity='warn') }}
with ours as (

    select
        cast(BillingPeriodStart as date) as billing_period_start_date,
        SubAccountId as sub_account_id,
        ServiceName as service_name,
        sum(BilledCost) as billed_cost,
        sum(EffectiveCost) as effective_cost
    from {{ ref('fct_focus_costs') }}
    where
        {{ billing_periods_under_test('cur2', 'x_BillingPeriod') }}
        or {{ billing_periods_under_test('focus', 'x_BillingPeriod') }}
    group by cast(BillingPeriodStart as date), SubAccountId, ServiceName

),

aws as (

    select
        cast(billing_period || '-01' as date) as billing_period_start_date,
        sub_account_id,
        service_name,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('stg_aws_focus__charges') }}
    where
        provider_name = 'AWS'
        and ({{ billing_periods_under_test('cur2') }} or {{ billing_periods_under_test('focus') }})
    group by billing_period, sub_account_id, service_name

),

both_delivered as (

    select distinct ours.billing_period_start_date
    from ours
    inner join aws
        on ours.billing_period_start_date = aws.billing_period_start_date

),

compared as (

    select
        coalesce(ours.billing_period_start_date, aws.billing_period_start_date) as billing_period_start_date,
        coalesce(ours.sub_account_id, aws.sub_account_id) as sub_account_id,
        coalesce(ours.service_name, aws.service_name) as service_name,
        coalesce(ours.billed_cost, 0) as our_billed_cost,
        coalesce(aws.billed_cost, 0) as aws_billed_cost,
        coalesce(ours.effective_cost, 0) as our_effective_cost,
        coalesce(aws.effective_cost, 0) as aws_effective_cost
    from ours
    full outer join aws
        on
            ours.billing_period_start_date = aws.billing_period_start_date
            and ours.sub_account_id = aws.sub_account_id
            and ours.service_name = aws.service_name

)

select compared.*
from compared
inner join both_delivered
    on compared.billing_period_start_date = both_delivered.billing_period_start_date
where
    abs(compared.our_billed_cost - compared.aws_billed_cost) >= 0.005
    or abs(compared.our_effective_cost - compared.aws_effective_cost) >= 0.005
