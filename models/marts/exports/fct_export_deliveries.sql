{#-
    One row per export and billing period: which delivery the marts were built from and how many
    rows it held. Feeds freshness in the API (/health) and tells a reader which re-delivery of a
    period the numbers come from.
-#}
with deliveries as (

    select * from {{ ref('stg_aws_data_exports__deliveries') }}

),

cur_rows as (

    select
        billing_period,
        'cur2' as export_type,
        count(*) as row_count
    from {{ ref('stg_aws_cur__line_items') }}
    group by billing_period

),

focus_rows as (

    select
        billing_period,
        'focus' as export_type,
        count(*) as row_count
    from {{ ref('stg_aws_focus__charges') }}
    group by billing_period

),

coh_rows as (

    select
        billing_period,
        'coh' as export_type,
        count(*) as row_count
    from {{ ref('stg_cost_optimization_hub__recommendations') }}
    group by billing_period

),

carbon_rows as (

    select
        billing_period,
        'carbon' as export_type,
        count(*) as row_count
    from {{ ref('stg_carbon_emissions__emissions') }}
    group by billing_period

),

row_counts as (

    select * from cur_rows
    union all
    select * from focus_rows
    union all
    select * from coh_rows
    union all
    select * from carbon_rows

),

final as (

    select
        deliveries.export_name,
        deliveries.billing_period,
        deliveries.execution_id,
        deliveries.delivered_at,
        deliveries.file_count,
        coalesce(row_counts.row_count, 0) as row_count
    from deliveries
    left join row_counts
        on
            (case when deliveries.export_type = 'cur1' then 'cur2' else deliveries.export_type end) = row_counts.export_type
            and deliveries.billing_period = row_counts.billing_period

)

select * from final
