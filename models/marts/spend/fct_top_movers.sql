{#- One row per billing period and mover: the 25 usage account × service pairs whose amortised
    cost changed most (in absolute dollars) from the previous billing period, ranked. -#}
with trends as (

    select * from {{ ref('fct_spend_trends') }}
    where previous_amortized_cost is not null

),

ranked as (

    select
        billing_period,
        usage_account_id,
        service,
        amortized_cost,
        previous_amortized_cost,
        mom_change_amortized_cost,
        mom_change_amortized_pct,
        case when mom_change_amortized_cost >= 0 then 'increase' else 'decrease' end as direction,
        row_number() over (
            partition by billing_period
            order by abs(mom_change_amortized_cost) desc, usage_account_id asc, service asc
        ) as mover_rank
    from trends

)

select * from ranked
where mover_rank <= 25
