{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    The CUR 2.0 `tags` maps seen per billing period and usage account (distinct maps). The map
    carries the account's tags (`accountTag/<key>`) on every line, next to the line's resource
    tags, so there are about as many distinct maps per account as tag profiles. Kept free of the
    allocation seeds (which keys matter is resolved downstream, in int_account_allocation_values)
    so it stays incremental: only newly delivered billing periods are read.
-#}
with line_items as (

    select
        billing_period,
        usage_account_id,
        tags
    from {{ ref('stg_aws_cur__line_items') }}
    where {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

distinct_maps as (

    select
        billing_period,
        usage_account_id,
        any_value(tags) as tags
    from line_items
    where tags is not null
    group by billing_period, usage_account_id, {{ map_group_key('tags') }}

),

final as (

    select
        distinct_maps.usage_account_id,
        distinct_maps.tags,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        distinct_maps.billing_period
    from distinct_maps
    left join deliveries
        on distinct_maps.billing_period = deliveries.billing_period

)

select * from final
