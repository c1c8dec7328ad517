{#-
    Month forecasts of effective (amortised) cost: the billing period of the last known day and
    the next three, for the organisation, each usage account and each service, with 80 % and 95 %
    prediction intervals. The method depends on the engine (macros/forecasts/
    spend_forecast_method.sql): statsforecast on DuckDB, the SQL seasonal-naive method on Athena
    and Trino; `method` names it per row.
-#}
with forecasts as (

    select * from {{ spend_forecast_method() }}

),

final as (

    select
        forecast_scope,
        scope_key,
        case when forecast_scope = 'account' then scope_key end as usage_account_id,
        case when forecast_scope = 'service' then scope_key end as service,
        billing_period,
        cast(horizon_months as integer) as horizon_months,
        cast(as_of_date as date) as as_of_date,
        method,
        'amortized' as cost_basis,
        cast(history_days as integer) as history_days,
        cast(backtest_windows as integer) as backtest_windows,
        cast(remaining_days as integer) as remaining_days,
        {{ money('actual_to_date') }} as actual_to_date,
        {{ money('period_cost_estimate') }} as period_cost_estimate,
        {{ money('forecast_cost') }} as forecast_cost,
        {{ money('lower_80') }} as lower_80,
        {{ money('upper_80') }} as upper_80,
        {{ money('lower_95') }} as lower_95,
        {{ money('upper_95') }} as upper_95,
        {{ money('forecast_daily_rate') }} as forecast_daily_rate
    from forecasts

)

select * from final
