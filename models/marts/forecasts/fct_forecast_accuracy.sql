{#-
    How accurate the month forecasts were, measured by the rolling-origin backtest
    (int_forecast_backtest), next to the seasonal-naive baseline: per forecast scope, target
    (`month_end`: the period's total forecast on its origin day; `next_month`: the next period's
    total forecast on the same day) and origin day (1, 8, 15, 22). MAPE is the mean of
    |forecast - actual| / |actual|, bias the mean of (forecast - actual) / |actual| (positive: too
    high), coverage the share of actuals inside the interval.
-#}
with backtest as (

    select * from {{ ref('int_forecast_backtest') }}
    where actual_cost is not null and actual_cost <> 0

),

scored as (

    select
        forecast_scope,
        target,
        origin_day,
        is_baseline,
        method,
        abs(forecast_cost - actual_cost) / abs(actual_cost) as absolute_percentage_error,
        (forecast_cost - actual_cost) / abs(actual_cost) as percentage_error,
        case when actual_cost between lower_80 and upper_80 then 1.0 else 0.0 end as is_inside_80,
        case when actual_cost between lower_95 and upper_95 then 1.0 else 0.0 end as is_inside_95,
        case when method like '%short_history' then 1 else 0 end as is_short_history
    from backtest

),

by_kind as (

    select
        forecast_scope,
        target,
        origin_day,
        is_baseline,
        count(*) as forecast_count,
        sum(is_short_history) as short_history_count,
        avg(absolute_percentage_error) as mape,
        avg(percentage_error) as bias,
        avg(is_inside_80) as coverage_80,
        avg(is_inside_95) as coverage_95
    from scored
    group by forecast_scope, target, origin_day, is_baseline

),

final as (

    select
        model.forecast_scope,
        model.target,
        cast(model.origin_day as integer) as origin_day,
        cast(model.forecast_count as integer) as forecast_count,
        cast(model.short_history_count as integer) as short_history_count,
        model.mape,
        model.bias,
        model.coverage_80,
        model.coverage_95,
        baseline.mape as baseline_mape,
        baseline.bias as baseline_bias,
        baseline.coverage_80 as baseline_coverage_80,
        baseline.coverage_95 as baseline_coverage_95,
        model.mape < baseline.mape as is_better_than_baseline
    from by_kind as model
    inner join by_kind as baseline
        on
            model.forecast_scope = baseline.forecast_scope
            and model.target = baseline.target
            and model.origin_day = baseline.origin_day
            and baseline.is_baseline
    where not model.is_baseline

)

select * from final
