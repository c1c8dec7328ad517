{{ config(materialized='table') }}
{#-
    The daily effective (amortised) cost series that forecasts and budgets read: one row per
    forecast scope (the whole organisation, each usage account, each service), scope key and day,
    every day from the first to the last usage date of the data (0 where a series had no cost).

    The cost is split in two, because the two parts behave differently over a month
    (docs/forecasting.md, 'What is forecast'): period_cost, the line item types a billing period
    posts on few days (int_line_item_type_postings), carried forward month to month; daily_cost,
    everything else, which accrues day by day: what the time-series models forecast.
-#}
with spend_by_day as (

    select * from {{ ref('int_spend_by_day') }}

),

line_type_postings as (

    select * from {{ ref('int_line_item_type_postings') }}

),

classified as (

    select
        spend_by_day.usage_date,
        spend_by_day.usage_account_id,
        spend_by_day.service,
        case when line_type_postings.is_posted_per_period then spend_by_day.amortized_cost else 0 end as period_cost,
        case when line_type_postings.is_posted_per_period then 0 else spend_by_day.amortized_cost end as daily_cost
    from spend_by_day
    inner join line_type_postings
        on
            spend_by_day.billing_period = line_type_postings.billing_period
            and spend_by_day.line_item_type = line_type_postings.line_item_type

),

by_scope as (

    select
        'total' as forecast_scope,
        'total' as scope_key,
        usage_date,
        sum(daily_cost) as daily_cost,
        sum(period_cost) as period_cost
    from classified
    group by usage_date

    union all

    select
        'account' as forecast_scope,
        usage_account_id as scope_key,
        usage_date,
        sum(daily_cost) as daily_cost,
        sum(period_cost) as period_cost
    from classified
    group by usage_account_id, usage_date

    union all

    select
        'service' as forecast_scope,
        coalesce(service, 'unknown') as scope_key,
        usage_date,
        sum(daily_cost) as daily_cost,
        sum(period_cost) as period_cost
    from classified
    group by coalesce(service, 'unknown'), usage_date

),

date_range as (

    select
        min(usage_date) as first_date,
        max(usage_date) as last_date
    from classified

),

calendar as (

    {{ date_series('(select first_date from date_range)', '(select last_date from date_range)') }}

),

series_keys as (

    select distinct
        forecast_scope,
        scope_key
    from by_scope

),

final as (

    select
        series_keys.forecast_scope,
        series_keys.scope_key,
        calendar.date_day as usage_date,
        {{ money('coalesce(by_scope.daily_cost, 0)') }} as daily_cost,
        {{ money('coalesce(by_scope.period_cost, 0)') }} as period_cost,
        {{ money('coalesce(by_scope.daily_cost, 0) + coalesce(by_scope.period_cost, 0)') }} as effective_cost
    from series_keys
    cross join calendar
    left join by_scope
        on
            series_keys.forecast_scope = by_scope.forecast_scope
            and series_keys.scope_key = by_scope.scope_key
            and calendar.date_day = by_scope.usage_date

)

select * from final
