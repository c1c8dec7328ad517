{{ config(materialized='table') }}
{#-
    The SQL forecast (every engine; what fct_spend_forecasts publishes on Athena and Trino, where
    dbt cannot run the statsforecast model): the seasonal-naive method, the last known week
    repeated, for the billing period of the last known day and the next three. Grain: one row per
    forecast scope, scope key and billing period, as int_spend_forecasts_statsforecast.

    A day k days after the origin (the last known day) is forecast as the same weekday of the
    origin's week; its interval is statsforecast's for SeasonalNaive (residual standard deviation of
    the week-on-week differences over the last 28 days, times sqrt of the weeks ahead), and a
    month's interval adds up its days' half widths (as if the days' errors moved together). Charges
    posted once per period are carried forward as in the Python method (docs/forecasting.md).
-#}
with daily as (

    select * from {{ ref('int_spend_daily_by_forecast_scope') }}

),

origin as (

    select max(usage_date) as as_of_date from daily

),

daily_with_origin as (

    select
        daily.forecast_scope,
        daily.scope_key,
        daily.usage_date,
        cast(daily.daily_cost as double) as daily_cost,
        cast(daily.period_cost as double) as period_cost,
        origin.as_of_date
    from daily
    cross join origin

),

series as (

    select
        forecast_scope,
        scope_key,
        usage_date,
        daily_cost,
        period_cost,
        substr(cast(usage_date as varchar), 1, 7) as billing_period,
        {{ dbt.datediff('usage_date', 'as_of_date', 'day') }} as days_before_origin,
        daily_cost - lag(daily_cost, 7) over (partition by forecast_scope, scope_key order by usage_date)
            as weekly_difference
    from daily_with_origin

),

series_stats as (

    select
        forecast_scope,
        scope_key,
        count(*) as history_days,
        coalesce(stddev_samp(case when days_before_origin < 28 then weekly_difference end), 0) as residual_sd
    from series
    group by forecast_scope, scope_key

),

last_week as (

    select
        forecast_scope,
        scope_key,
        days_before_origin,
        daily_cost
    from series
    where days_before_origin < 7

),

future_days as (

    select
        calendar.date_day as forecast_date,
        substr(cast(calendar.date_day as varchar), 1, 7) as billing_period,
        {{ dbt.datediff('origin.as_of_date', 'calendar.date_day', 'day') }} as steps_ahead
    from (
        {{ date_series(
            dbt.dateadd('day', 1, '(select as_of_date from origin)'),
            dbt.dateadd('day', -1, dbt.dateadd('month', 4, dbt.date_trunc('month', '(select as_of_date from origin)'))),
        ) }}
    ) as calendar
    cross join origin

),

daily_forecasts as (

    select
        last_week.forecast_scope,
        last_week.scope_key,
        future_days.billing_period,
        last_week.daily_cost as forecast_cost,
        series_stats.residual_sd * sqrt(floor((future_days.steps_ahead - 1) / 7) + 1) as daily_sd
    from future_days
    inner join last_week
        on mod(future_days.steps_ahead - 1, 7) = 6 - last_week.days_before_origin
    inner join series_stats
        on
            last_week.forecast_scope = series_stats.forecast_scope
            and last_week.scope_key = series_stats.scope_key

),

forecast_sums as (

    select
        forecast_scope,
        scope_key,
        billing_period,
        count(*) as remaining_days,
        sum(forecast_cost) as remaining_cost,
        sum(daily_sd) as remaining_sd
    from daily_forecasts
    group by forecast_scope, scope_key, billing_period

),

posted_by_period as (

    select
        forecast_scope,
        scope_key,
        billing_period,
        sum(daily_cost + period_cost) as known_cost,
        sum(period_cost) as period_cost,
        max(case when period_cost <> 0 then 1 else 0 end) as has_period_cost
    from series
    group by forecast_scope, scope_key, billing_period

),

last_posted as (

    select
        forecast_scope,
        scope_key,
        max_by(period_cost, billing_period) as period_cost
    from posted_by_period
    where has_period_cost = 1
    group by forecast_scope, scope_key

),

targets as (

    select
        forecast_sums.*,
        {{ dbt.datediff(dbt.date_trunc('month', '(select as_of_date from origin)'),
                        "cast(concat(forecast_sums.billing_period, '-01') as date)", 'month') }} as horizon_months
    from forecast_sums

    union all

    -- the origin is the last day of its month: nothing of it is left to forecast
    select
        series_stats.forecast_scope,
        series_stats.scope_key,
        substr(cast(origin.as_of_date as varchar), 1, 7) as billing_period,
        0 as remaining_days,
        0 as remaining_cost,
        0 as remaining_sd,
        0 as horizon_months
    from series_stats
    cross join origin
    where {{ dbt.dateadd('day', 1, 'origin.as_of_date') }} = {{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'origin.as_of_date')) }}

),

final as (

    select
        targets.forecast_scope,
        targets.scope_key,
        targets.billing_period,
        targets.horizon_months,
        origin.as_of_date,
        'seasonal_naive_sql' as method,
        series_stats.history_days,
        0 as backtest_windows,
        targets.remaining_days,
        case when targets.horizon_months = 0 then coalesce(posted.known_cost, 0) else 0 end as actual_to_date,
        case
            when targets.horizon_months = 0 and posted.has_period_cost = 1 then 0
            else coalesce(last_posted.period_cost, 0)
        end as period_cost_estimate,
        targets.remaining_cost,
        targets.remaining_sd * 1.2815515655446004 as half_width_80,
        targets.remaining_sd * 1.959963984540054 as half_width_95
    from targets
    cross join origin
    inner join series_stats
        on
            targets.forecast_scope = series_stats.forecast_scope
            and targets.scope_key = series_stats.scope_key
    left join posted_by_period as posted
        on
            targets.forecast_scope = posted.forecast_scope
            and targets.scope_key = posted.scope_key
            and targets.billing_period = posted.billing_period
    left join last_posted
        on
            targets.forecast_scope = last_posted.forecast_scope
            and targets.scope_key = last_posted.scope_key

)

select
    forecast_scope,
    scope_key,
    billing_period,
    horizon_months,
    as_of_date,
    method,
    history_days,
    backtest_windows,
    remaining_days,
    actual_to_date,
    period_cost_estimate,
    actual_to_date + period_cost_estimate + remaining_cost as forecast_cost,
    actual_to_date + period_cost_estimate + remaining_cost - half_width_80 as lower_80,
    actual_to_date + period_cost_estimate + remaining_cost + half_width_80 as upper_80,
    actual_to_date + period_cost_estimate + remaining_cost - half_width_95 as lower_95,
    actual_to_date + period_cost_estimate + remaining_cost + half_width_95 as upper_95,
    case when remaining_days > 0 then remaining_cost / remaining_days end as forecast_daily_rate
from final
