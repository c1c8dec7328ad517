{#-
    Budgets against actual and forecast: one row per budget and budget period (a billing period
    'YYYY-MM' for monthly budgets, a year 'YYYY' for annual ones) from the budget's start to the
    end of the forecast horizon. The actual is the spend in the budget's cost basis
    (int_budget_actuals, reconciled to the spend by a test); the forecast (effective-cost budgets
    of the organisation, an account or a service) is the actual plus the forecast of the period's
    remaining days; the run-out date is the first day the period's spend, known then forecast,
    reaches the amount (int_budget_daily_path).
-#}
with budgets as (

    select * from {{ ref('budgets') }}

),

actuals as (

    select * from {{ ref('int_budget_actuals') }}

),

daily_path as (

    select * from {{ ref('int_budget_daily_path') }}

),

forecasts as (

    select * from {{ spend_forecast_method() }}

),

months as (

    select billing_period from actuals
    union
    select billing_period from forecasts

),

budget_months as (

    -- every month of a budget that has an actual or a forecast
    select
        budgets.budget_id,
        months.billing_period,
        case when budgets.time_unit = 'annual' then substr(months.billing_period, 1, 4) else months.billing_period end
            as budget_period
    from budgets
    inner join months
        on
            budgets.start_period <= months.billing_period
            and coalesce(budgets.end_period, '9999-12') >= months.billing_period

),

month_values as (

    select
        budget_months.budget_id,
        budget_months.budget_period,
        budget_months.billing_period,
        coalesce(actuals.actual_cost, 0) as actual_cost,
        -- forecast: what is not known yet of the period (0 for closed periods)
        case
            when budgets.cost_basis = 'amortized' and budgets.budget_scope <> 'team'
                then coalesce(cast(forecasts.forecast_cost - forecasts.actual_to_date as double), 0)
        end as forecast_remaining,
        cast(forecasts.upper_80 - forecasts.forecast_cost as double) as upper_80_width,
        cast(forecasts.forecast_cost - forecasts.lower_80 as double) as lower_80_width,
        forecasts.method as forecast_method
    from budget_months
    inner join budgets
        on budget_months.budget_id = budgets.budget_id
    left join actuals
        on
            budget_months.budget_id = actuals.budget_id
            and budget_months.billing_period = actuals.billing_period
    left join forecasts
        on
            budget_months.billing_period = forecasts.billing_period
            and budgets.budget_scope = forecasts.forecast_scope
            and coalesce(budgets.scope_key, 'total') = forecasts.scope_key

),

period_values as (

    select
        budget_id,
        budget_period,
        min(billing_period) as first_billing_period,
        max(billing_period) as last_billing_period,
        sum(actual_cost) as actual_cost,
        sum(forecast_remaining) as forecast_remaining,
        -- months' interval widths added up (as if their errors moved together)
        sum(lower_80_width) as lower_80_width,
        sum(upper_80_width) as upper_80_width,
        max(forecast_method) as forecast_method
    from month_values
    group by budget_id, budget_period

),

path_by_period as (

    select
        daily_path.budget_id,
        case when budgets.time_unit = 'annual' then substr(daily_path.billing_period, 1, 4) else daily_path.billing_period end
            as budget_period,
        daily_path.spend_date,
        daily_path.spend,
        cast(budgets.amount as double) as amount
    from daily_path
    inner join budgets
        on daily_path.budget_id = budgets.budget_id

),

cumulative as (

    select
        budget_id,
        budget_period,
        spend_date,
        amount,
        sum(spend) over (
            partition by budget_id, budget_period
            order by spend_date
            rows between unbounded preceding and current row
        ) as cumulative_spend
    from path_by_period

),

run_out as (

    select
        budget_id,
        budget_period,
        min(case when cumulative_spend >= amount then spend_date end) as run_out_date
    from cumulative
    group by budget_id, budget_period

),

final as (

    select
        budgets.budget_id,
        budgets.budget_name,
        budgets.budget_scope,
        budgets.scope_key,
        case when budgets.budget_scope = 'account' then budgets.scope_key end as usage_account_id,
        budgets.time_unit,
        period_values.budget_period,
        period_values.first_billing_period,
        period_values.last_billing_period,
        budgets.cost_basis,
        cast(budgets.amount as decimal(18, 2)) as budget_amount,
        cast(period_values.actual_cost as decimal(38, 8)) as actual_cost,
        {{ money('period_values.actual_cost + period_values.forecast_remaining') }} as forecast_cost,
        {{ money('period_values.actual_cost + period_values.forecast_remaining - period_values.lower_80_width') }}
            as forecast_lower_80,
        {{ money('period_values.actual_cost + period_values.forecast_remaining + period_values.upper_80_width') }}
            as forecast_upper_80,
        period_values.forecast_method,
        cast(period_values.actual_cost as double) / nullif(cast(budgets.amount as double), 0) as actual_share,
        (cast(period_values.actual_cost as double) + period_values.forecast_remaining)
        / nullif(cast(budgets.amount as double), 0) as forecast_share,
        run_out.run_out_date as projected_run_out_date,
        case
            when period_values.actual_cost >= budgets.amount then 'over'
            when period_values.actual_cost + period_values.forecast_remaining >= budgets.amount then 'forecast_over'
            when period_values.forecast_remaining is null then 'no_forecast'
            else 'within'
        end as status
    from period_values
    inner join budgets
        on period_values.budget_id = budgets.budget_id
    left join run_out
        on
            period_values.budget_id = run_out.budget_id
            and period_values.budget_period = run_out.budget_period

)

select * from final
