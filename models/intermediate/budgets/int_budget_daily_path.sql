{#-
    The day-by-day path of each effective-cost budget's spend, known then forecast, for the day it
    runs out: one row per budget and day, from the budget's first day to the end of the forecast
    horizon. Known days carry their effective cost (int_spend_daily_by_forecast_scope); a forecast
    day carries its period's forecast daily rate, and the first forecast day of a period also the
    charges posted once per period that are not yet posted (fct_spend_forecasts' estimate). Only
    budgets on the 'amortized' basis of the organisation, an account or a service: the series that
    are forecast.
-#}
with budgets as (

    select * from {{ ref('budgets') }}
    where cost_basis = 'amortized' and budget_scope in ('total', 'account', 'service')

),

daily as (

    select * from {{ ref('int_spend_daily_by_forecast_scope') }}

),

forecasts as (

    select * from {{ spend_forecast_method() }}

),

scoped_budgets as (

    select
        budget_id,
        budget_scope as forecast_scope,
        coalesce(scope_key, 'total') as scope_key,
        start_period,
        coalesce(end_period, '9999-12') as end_period
    from budgets

),

known_days as (

    select
        scoped_budgets.budget_id,
        daily.usage_date as spend_date,
        cast(daily.effective_cost as double) as spend
    from scoped_budgets
    inner join daily
        on
            scoped_budgets.forecast_scope = daily.forecast_scope
            and scoped_budgets.scope_key = daily.scope_key

),

forecast_calendar as (

    {{ date_series(
        dbt.dateadd('day', 1, '(select max(as_of_date) from forecasts)'),
        dbt.dateadd('day', -1, dbt.dateadd('month', 4, dbt.date_trunc('month', '(select max(as_of_date) from forecasts)'))),
    ) }}

),

forecast_days as (

    select
        scoped_budgets.budget_id,
        calendar.date_day as spend_date,
        cast(forecasts.forecast_daily_rate as double)
        + case
            when
                calendar.date_day = {{ dbt.dateadd('day', 1, 'forecasts.as_of_date') }}
                or (forecasts.horizon_months > 0 and calendar.date_day = cast(concat(forecasts.billing_period, '-01') as date))
                then cast(forecasts.period_cost_estimate as double)
            else 0
        end as spend
    from scoped_budgets
    inner join forecasts
        on
            scoped_budgets.forecast_scope = forecasts.forecast_scope
            and scoped_budgets.scope_key = forecasts.scope_key
    inner join forecast_calendar as calendar
        on forecasts.billing_period = substr(cast(calendar.date_day as varchar), 1, 7)
    where forecasts.remaining_days > 0

),

spend_path as (

    select
        budget_id,
        spend_date,
        false as is_forecast,
        spend
    from known_days

    union all

    select
        budget_id,
        spend_date,
        true as is_forecast,
        spend
    from forecast_days

),

final as (

    select
        path.budget_id,
        path.spend_date,
        substr(cast(path.spend_date as varchar), 1, 7) as billing_period,
        path.is_forecast,
        path.spend
    from spend_path as path
    inner join scoped_budgets
        on path.budget_id = scoped_budgets.budget_id
    where
        substr(cast(path.spend_date as varchar), 1, 7) >= scoped_budgets.start_period
        and substr(cast(path.spend_date as varchar), 1, 7) <= scoped_budgets.end_period

)

select * from final
