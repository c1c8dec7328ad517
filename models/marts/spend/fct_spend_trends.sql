{#- One row per billing period, usage account and service: amortised and unblended cost, the
    previous period's, the month-over-month change in $ and %, and the trailing three-period
    average. Periods where the pair had no spend but had some the month before are included
    (spend that stopped is a move too). -#}
with monthly as (

    select
        billing_period,
        usage_account_id,
        service,
        sum(amortized_cost) as amortized_cost,
        sum(unblended_cost) as unblended_cost
    from {{ ref('int_spend_by_billing_period') }}
    group by billing_period, usage_account_id, service

),

periods as (

    select distinct billing_period from monthly

),

pairs as (

    select distinct
        usage_account_id,
        service
    from monthly

),

grid as (

    select
        periods.billing_period,
        pairs.usage_account_id,
        pairs.service,
        coalesce(monthly.amortized_cost, 0) as amortized_cost,
        coalesce(monthly.unblended_cost, 0) as unblended_cost
    from periods
    cross join pairs
    left join monthly
        on
            periods.billing_period = monthly.billing_period
            and pairs.usage_account_id = monthly.usage_account_id
            and pairs.service = monthly.service

),

trends as (

    select
        billing_period,
        usage_account_id,
        service,
        amortized_cost,
        unblended_cost,
        lag(amortized_cost) over (
            partition by usage_account_id, service order by billing_period
        ) as previous_amortized_cost,
        lag(unblended_cost) over (
            partition by usage_account_id, service order by billing_period
        ) as previous_unblended_cost,
        -- in double, rounded by `money`: the engines average decimals differently (DuckDB in
        -- double, Trino in decimal), which differed in the 8th decimal
        {{ money('avg(cast(amortized_cost as double)) over (
            partition by usage_account_id, service order by billing_period
            rows between 2 preceding and current row
        )') }} as trailing_3_period_avg_amortized_cost
    from grid

),

final as (

    select
        billing_period,
        usage_account_id,
        service,
        amortized_cost,
        unblended_cost,
        previous_amortized_cost,
        previous_unblended_cost,
        amortized_cost - previous_amortized_cost as mom_change_amortized_cost,
        {{ ratio('amortized_cost - previous_amortized_cost', 'previous_amortized_cost') }} as mom_change_amortized_pct,
        cast(trailing_3_period_avg_amortized_cost as decimal(38, 8)) as trailing_3_period_avg_amortized_cost
    from trends
    where amortized_cost != 0 or coalesce(previous_amortized_cost, 0) != 0 or unblended_cost != 0

)

select * from final
