{#- One row per region code seen in the spend ('global' for charges without a region). -#}
with regions as (

    select
        region,
        sum(amortized_cost) as amortized_cost
    from {{ ref('int_spend_by_billing_period') }}
    group by region

),

final as (

    select
        region,
        region = 'global' as is_global,
        amortized_cost > 0 as has_spend
    from regions

)

select * from final
