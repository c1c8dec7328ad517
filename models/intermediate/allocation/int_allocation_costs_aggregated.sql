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
    The line items aggregated once, before any allocation rule: one row per billing period, payer,
    usage account, service, region, charge class, resource id (null for charges without one) and
    distinct pair of tag maps (resource_tags, cost_categories), with the cost in every basis.

    Grouping by the maps themselves (their hash on DuckDB, macros/cross_db/map_get.sql; not by
    values read from them) keeps this model free of the
    allocation seeds, so it can be incremental: a seed change re-resolves the small aggregate
    downstream and never needs a full refresh of the line items. It is the only allocation model
    that reads line items (one pass per newly delivered billing period).
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

aggregated as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        service,
        region,
        charge_class,
        resource_id,
        any_value(resource_tags) as resource_tags,
        any_value(cost_categories) as cost_categories,
        {%- for basis in cost_basis_columns() %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        count(*) as line_item_count
    from line_items
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        service,
        region,
        charge_class,
        resource_id,
        {{ map_group_key('resource_tags') }},
        {{ map_group_key('cost_categories') }}

),

final as (

    select
        -- the row key the taxonomy merge joins back on (maps cannot be ordered, so rows that
        -- differ only in their maps are numbered in any order: unique, not stable across rebuilds)
        row_number() over (
            partition by aggregated.billing_period
            order by
                aggregated.usage_account_id,
                aggregated.service,
                aggregated.region,
                aggregated.charge_class,
                aggregated.resource_id
        ) as cost_row_id,
        aggregated.payer_account_id,
        aggregated.usage_account_id,
        aggregated.service,
        aggregated.region,
        aggregated.charge_class,
        aggregated.resource_id,
        aggregated.resource_tags,
        aggregated.cost_categories,
        {%- for basis in cost_basis_columns() %}
        aggregated.{{ basis }},
        {%- endfor %}
        aggregated.line_item_count,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        aggregated.billing_period
    from aggregated
    left join deliveries
        on aggregated.billing_period = deliveries.billing_period

)

select * from final
