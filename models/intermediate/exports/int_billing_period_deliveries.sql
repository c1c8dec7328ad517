{#-
    One row per export type and billing period: the delivery the marts of that period are built
    from. Step 2 of the delivery lifecycle (docs/run_order.md): incremental models stamp their rows
    with `execution_id` (as delivery_execution_id) and rebuild a period when it changes
    (macros/incremental/billing_periods_to_rebuild.sql).

    Several exports of one type (e.g. one CUR per payer) are unioned by the landing, so a period's
    delivery is theirs together: its id joins their latest execution ids (ordered by export name),
    and it changes when any of them is re-delivered. With one export it is that export's id.
    Legacy CUR reports (cur1) are CUR line items: their deliveries count as cur2's.
-#}
with deliveries as (

    select
        export_name,
        {{ read_as_export_type('export_type') }} as export_type,
        billing_period,
        execution_id,
        delivered_at
    from {{ ref('stg_aws_data_exports__deliveries') }}

),

by_billing_period as (

    select
        export_type,
        billing_period,
        {{ dbt.listagg('execution_id', "'+'", 'order by export_name') }} as execution_id,
        max(delivered_at) as delivered_at,
        count(*) as export_count
    from deliveries
    group by export_type, billing_period

)

select * from by_billing_period
