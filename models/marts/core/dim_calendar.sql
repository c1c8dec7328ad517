{#- One row per day of the delivered billing periods. -#}
with bounds as (

    select
        min(period_start_date) as first_day,
        max(period_end_date) as after_last_day
    from {{ ref('dim_billing_periods') }}

),

days as (

    {{ date_series(
        "(select first_day from bounds)",
        dbt.dateadd('day', -1, "(select after_last_day from bounds)")
    ) }}

),

final as (

    select
        date_day,
        -- a timestamp on both engines (Trino truncates a date to a date, DuckDB to a timestamp)
        cast({{ dbt.date_trunc('month', 'date_day') }} as timestamp) as month_start_date,
        substr(cast(date_day as varchar), 1, 7) as billing_period,
        extract(year from date_day) as year_number,
        extract(month from date_day) as month_number,
        extract(day from date_day) as day_of_month
    from days

)

select * from final
