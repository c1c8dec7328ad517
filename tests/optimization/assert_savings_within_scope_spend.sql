-- Invariant (docs/cost_rules.md, 'Optimisation'): the counted savings of a scope never exceed its
-- spend (resource costs of the 30-day window, normalised to a month): per account for actions of
-- one account, per billing period for everything (payer-level purchases cover every account).
with actions as (

    select * from {{ ref('fct_savings_actions') }}

),

resource_costs as (

    select * from {{ ref('int_optimization_resource_costs') }}

),

account_spend as (

    select
        billing_period,
        usage_account_id as account_id,
        sum(monthly_cost) as monthly_spend
    from resource_costs
    group by
        billing_period,
        usage_account_id

),

account_savings as (

    select
        billing_period,
        account_id,
        sum(counted_monthly_savings) as counted_monthly_savings
    from actions
    where not is_payer_level
    group by
        billing_period,
        account_id

),

period_spend as (

    select
        billing_period,
        '(all accounts)' as account_id,
        sum(monthly_spend) as monthly_spend
    from account_spend
    group by billing_period

),

period_savings as (

    select
        billing_period,
        '(all accounts)' as account_id,
        sum(counted_monthly_savings) as counted_monthly_savings
    from actions
    group by billing_period

),

scopes as (

    select
        account_savings.billing_period,
        account_savings.account_id,
        account_savings.counted_monthly_savings,
        coalesce(account_spend.monthly_spend, 0) as monthly_spend
    from account_savings
    left join account_spend
        on
            account_savings.billing_period = account_spend.billing_period
            and account_savings.account_id = account_spend.account_id
    union all
    select
        period_savings.billing_period,
        period_savings.account_id,
        period_savings.counted_monthly_savings,
        coalesce(period_spend.monthly_spend, 0) as monthly_spend
    from period_savings
    left join period_spend
        on period_savings.billing_period = period_spend.billing_period

)

select * from scopes
where counted_monthly_savings > monthly_spend
