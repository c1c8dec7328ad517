{#-
    The commitment inventory: one row per Reserved Instance or Savings Plan seen in the CUR, with
    its attributes as of the newest billing period it appears in, and how soon it expires.
    "As of" is the end of the newest usage in the CUR (not the wall clock), so the same data
    always gives the same answer and a late build does not age the inventory.
-#}
with charges as (

    select * from {{ ref('int_commitment_charges') }}

),

as_of as (

    select max(last_usage_end_at) as as_of_at
    from charges

),

attributes as (

    select
        commitment_arn,
        max(payer_account_id) as payer_account_id,
        max(commitment_type) as commitment_type,
        max(offering) as offering,
        max(term) as term,
        max(payment_option) as payment_option,
        max(coalesce(savings_plan_region, case when commitment_type = 'Reserved' then region end)) as region,
        max(savings_plan_instance_type_family) as savings_plan_instance_type_family,
        max(case when commitment_type = 'Reserved' then instance_type end) as reserved_instance_type,
        max(reservation_count) as reservation_count,
        {{ to_utc_timestamp('min(commitment_start_at)') }} as start_at,
        {{ to_utc_timestamp('max(commitment_end_at)') }} as end_at,
        min(billing_period) as first_billing_period,
        max(billing_period) as last_billing_period
    from charges
    group by commitment_arn

),

latest_hourly as (

    -- the Savings Plan's hourly commitment in the newest period it was billed, as its recurring
    -- fee line states it
    select
        charges.commitment_arn,
        max(charges.savings_plan_hourly_commitment) as savings_plan_hourly_commitment
    from charges
    inner join attributes
        on
            charges.commitment_arn = attributes.commitment_arn
            and charges.billing_period = attributes.last_billing_period
    where charges.line_item_type = 'SavingsPlanRecurringFee'
    group by charges.commitment_arn

),

final as (

    select
        attributes.commitment_arn,
        attributes.payer_account_id,
        attributes.commitment_type,
        attributes.offering,
        attributes.term,
        attributes.payment_option,
        attributes.region,
        attributes.savings_plan_instance_type_family,
        attributes.reserved_instance_type,
        attributes.reservation_count,
        latest_hourly.savings_plan_hourly_commitment,
        attributes.start_at,
        attributes.end_at,
        attributes.first_billing_period,
        attributes.last_billing_period,
        as_of.as_of_at,
        {{ dbt.datediff('as_of.as_of_at', 'attributes.end_at', 'day') }} as days_until_expiry,
        attributes.end_at <= as_of.as_of_at as is_expired,
        case
            when attributes.end_at <= as_of.as_of_at then 'expired'
            when attributes.end_at <= {{ dbt.dateadd('day', 30, 'as_of.as_of_at') }} then 'within 30 days'
            when attributes.end_at <= {{ dbt.dateadd('day', 60, 'as_of.as_of_at') }} then 'within 60 days'
            when attributes.end_at <= {{ dbt.dateadd('day', 90, 'as_of.as_of_at') }} then 'within 90 days'
            else 'later'
        end as expiry_window
    from attributes
    cross join as_of
    left join latest_hourly
        on attributes.commitment_arn = latest_hourly.commitment_arn

)

select * from final
