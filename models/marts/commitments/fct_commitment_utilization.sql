{#-
    One row per billing period and commitment (RI or Savings Plan): how much of what was paid for
    was used, and what it saved. Amortised dollars throughout (docs/cost_rules.md, 'Utilisation'):

      used        amortised cost of the usage the commitment covered (its effective cost)
      unused      the unused commitment on its fee lines (RIFee / SavingsPlanRecurringFee)
      utilization used ÷ (used + unused)
      gross savings  public on-demand cost of the covered usage − used   (CID "RI_SP Savings")
      net savings    gross savings − unused                              (CID "RI_SP Net Savings")

    The *_net_* twins use net amortised cost (after negotiated discounts). For Savings Plans the
    fee lines' own commitment columns are kept beside, so a test can cross-check them.
-#}
{%- set is_covered_usage = "line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')" -%}
{%- set is_fee_line = "line_item_type in ('RIFee', 'SavingsPlanRecurringFee')" -%}
with charges as (

    select * from {{ ref('int_commitment_charges') }}

),

by_commitment as (

    select
        billing_period,
        payer_account_id,
        commitment_arn,
        max(commitment_type) as commitment_type,
        max(offering) as offering,
        max(payment_option) as payment_option,
        sum(case when {{ is_covered_usage }} then amortized_cost else 0 end)
            as used_commitment,
        sum(case when {{ is_fee_line }} then amortized_cost else 0 end)
            as unused_commitment,
        sum(case when {{ is_covered_usage }} then net_amortized_cost else 0 end)
            as used_net_commitment,
        sum(case when {{ is_fee_line }} then net_amortized_cost else 0 end)
            as unused_net_commitment,
        sum(case when {{ is_covered_usage }} then public_on_demand_cost else 0 end)
            as covered_public_on_demand_cost,
        sum(case when {{ is_covered_usage }} then usage_amount else 0 end)
            as covered_usage_amount,
        sum(case when {{ is_fee_line }} then unblended_cost else 0 end)
            as recurring_fee,
        sum(case when line_item_type in ('SavingsPlanUpfrontFee', 'Fee') then unblended_cost else 0 end)
            as upfront_fee,
        max(case when line_item_type = 'SavingsPlanRecurringFee' then savings_plan_hourly_commitment end)
            as savings_plan_hourly_commitment,
        sum(case when line_item_type = 'SavingsPlanRecurringFee' then savings_plan_total_commitment_to_date end)
            as savings_plan_total_commitment_to_date,
        sum(case when line_item_type = 'SavingsPlanRecurringFee' then savings_plan_used_commitment end)
            as savings_plan_used_commitment,
        count(distinct case
            when {{ is_covered_usage }} then usage_account_id
        end) as covered_account_count
    from charges
    group by billing_period, payer_account_id, commitment_arn

),

final as (

    select
        billing_period,
        cast(billing_period || '-01' as date) as billing_period_start_date,
        payer_account_id,
        commitment_arn,
        commitment_type,
        offering,
        payment_option,
        used_commitment + unused_commitment as total_commitment,
        used_commitment,
        unused_commitment,
        {{ ratio('used_commitment', 'used_commitment + unused_commitment') }} as utilization,
        used_net_commitment + unused_net_commitment as total_net_commitment,
        used_net_commitment,
        unused_net_commitment,
        covered_public_on_demand_cost,
        covered_public_on_demand_cost - used_commitment as gross_savings,
        covered_public_on_demand_cost - used_commitment - unused_commitment as net_savings,
        covered_public_on_demand_cost - used_net_commitment - unused_net_commitment as net_savings_after_discounts,
        covered_usage_amount,
        covered_account_count,
        recurring_fee,
        upfront_fee,
        savings_plan_total_commitment_to_date,
        savings_plan_used_commitment,
        savings_plan_hourly_commitment
    from by_commitment

)

select * from final
