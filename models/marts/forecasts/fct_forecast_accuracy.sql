{#-
    How accurate the month forecasts were, measured by the rolling-origin backtest
    (int_forecast_backtest), next to the seasonal-naive baseline: per forecast scope, target
    (`month_end`: the period's total forecast on its origin day; `next_month`: the next period's
    total forecast on the same day) and origin day (1, 8, 15, 22). MAPE is the mean of
    |forecast - actual| / |actual|, bias the mean of (forecast - actual) / |actual| (positive: too
    high), coverage the share of actuals inside the interval. The comparison with the baseline is
    paired (the same scope key, billing period, target and origin day): its standard error says
    whether a row's verdict is decided by a few months' errors.
-#}
with backtest as (

    select * from {{ ref('int_forecast_backtest') }}
    where actual_cost is not null and actual_cost <> 0

),

scored as (

    select
        forecast_scope,
        scope_key,
        billing_period,
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

paired as (

    select
        model.forecast_scope,
        model.target,
        model.origin_day,
        -- to a millionth (of a ratio: 0.0001 percentage points), all a standard error needs
        round(
            stddev_samp(model.absolute_percentage_error - baseline.absolute_percentage_error) / sqrt(count(*)), 6
        ) as mape_difference_standard_error
    from scored as model
    inner join scored as baseline
        on
            model.forecast_scope = baseline.forecast_scope
            and model.scope_key = baseline.scope_key
            and model.billing_period = baseline.billing_period
            and model.target = baseline.target
            and model.origin_day = baseline.origin_day
            and baseline.is_baseline
    where not model.is_baseline
    group by model.forecast_scope, model.target, model.origin_day

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
        model.mape < baseline.mape as is_better_than_baseline,
        paired.mape_difference_standard_error
    from by_kind as model
    inner join by_kind as baseline
        on
            model.forecast_scope = baseline.forecast_scope
            and model.target = baseline.target
            and model.origin_day = baseline.origin_day
            and baseline.is_baseline
    left join paired
        on
            model.forecast_scope = paired.forecast_scope
            and model.target = paired.target
            and model.origin_day = paired.origin_day
    where not model.is_baseline

)

select * from final
