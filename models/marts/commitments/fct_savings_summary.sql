{#-
    What commitments and Spot saved, per billing period, payer and usage account, against public
    on-demand prices (docs/cost_rules.md, 'Savings'). Scope: usage, commitment-covered usage and
    commitment fees — the charges that have an on-demand price. Tax, credits, refunds, support,
    marketplace and upfront purchases are left out: they have no list price, and counting them
    would move the effective savings rate for reasons that are not savings.

      effective_savings_rate   1 − effective (amortised) ÷ list (public on-demand), a ratio of sums
      commitment_savings       public − amortised on covered usage (gross), minus unused (net)
      spot_savings             public − amortised on Spot usage with a public price

    Unused commitment sits on the payer account (the owner of the commitments' fee lines).
-#}
with monthly as (

    select * from {{ ref('int_spend_by_billing_period') }}
    where charge_class in ('usage', 'commitment_covered_usage', 'commitment_fee')

),

coverage as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(spot_savings) as spot_savings
    from {{ ref('fct_commitment_coverage') }}
    group by billing_period, payer_account_id, usage_account_id

),

by_account as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(public_on_demand_cost) as list_cost,
        sum(amortized_cost) as effective_cost,
        sum(net_amortized_cost) as net_effective_cost,
        sum(case when charge_class = 'commitment_covered_usage' then public_on_demand_cost - amortized_cost else 0 end)
            as commitment_savings_gross,
        sum(case when charge_class = 'commitment_fee' then amortized_cost else 0 end) as unused_commitment
    from monthly
    group by billing_period, payer_account_id, usage_account_id

),

final as (

    select
        by_account.billing_period,
        cast(by_account.billing_period || '-01' as date) as billing_period_start_date,
        by_account.payer_account_id,
        by_account.usage_account_id,
        by_account.list_cost,
        by_account.effective_cost,
        by_account.net_effective_cost,
        1 - {{ ratio('by_account.effective_cost', 'by_account.list_cost') }} as effective_savings_rate,
        by_account.commitment_savings_gross,
        by_account.unused_commitment,
        by_account.commitment_savings_gross - by_account.unused_commitment as commitment_savings_net,
        coalesce(coverage.spot_savings, 0) as spot_savings,
        by_account.list_cost - by_account.effective_cost as total_savings
    from by_account
    left join coverage
        on
            by_account.billing_period = coverage.billing_period
            and by_account.payer_account_id = coverage.payer_account_id
            and by_account.usage_account_id = coverage.usage_account_id

)

select * from final
