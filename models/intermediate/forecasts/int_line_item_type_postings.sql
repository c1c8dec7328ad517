{#-
    Whether each line item type of a billing period is posted per period or accrues day by day:
    posted per period when the period holds it on at most a quarter of its days known. AWS posts
    support, tax, credits, refunds and RI fees once a month, dated the 1st, and fees of a purchase
    on their day; a weekly model would read them as spikes, so the forecasts carry them forward
    month to month instead (docs/forecasting.md, 'What is forecast'). Decided per period from the
    data, since one type (negotiated discounts) is posted monthly by some payers and with every
    usage line by others. One row per billing period and line item type.
-#}
with spend_by_day as (

    select * from {{ ref('int_spend_by_day') }}

),

days_known as (

    select
        billing_period,
        count(distinct usage_date) as day_count
    from spend_by_day
    group by billing_period

),

final as (

    select
        spend_by_day.billing_period,
        spend_by_day.line_item_type,
        count(distinct spend_by_day.usage_date) * 4 <= max(days_known.day_count) as is_posted_per_period
    from spend_by_day
    inner join days_known
        on spend_by_day.billing_period = days_known.billing_period
    group by spend_by_day.billing_period, spend_by_day.line_item_type

)

select * from final
