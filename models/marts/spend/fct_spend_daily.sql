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
    Daily spend: int_spend_by_day as published, whole billing periods at a time. Only the periods
    whose delivery changed since this table was built are copied
    (macros/incremental/billing_periods_to_rebuild.sql, which reads the deliveries).
-#}
-- depends_on: {{ ref('int_billing_period_deliveries') }}
with spend_by_day as (

    select * from {{ ref('int_spend_by_day') }}
    where {{ billing_periods_to_rebuild('cur2') }}

)

select * from spend_by_day
