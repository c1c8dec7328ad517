{#- One row per billing period delivered in the CUR: its dates, length and delivery. -#}
with deliveries as (

    {{ latest_deliveries('cur2') }}

),

final as (

    select
        billing_period,
        cast(concat(billing_period, '-01') as date) as period_start_date,
        cast({{ dbt.dateadd('month', 1, "cast(concat(billing_period, '-01') as date)") }} as date) as period_end_date,
        {{ dbt.datediff(
            "cast(concat(billing_period, '-01') as date)",
            dbt.dateadd('month', 1, "cast(concat(billing_period, '-01') as date)"),
            'day') }} as day_count,
        execution_id as delivery_execution_id,
        delivered_at
    from deliveries

)

select * from final
