{#-
    One row per export and billing period: the latest complete delivery (its manifest) that the
    sources read. Step 2 of the delivery lifecycle (docs/run_order.md); the landing wrote it.
-#}
with source as (

    select * from {{ source('aws_data_exports', 'deliveries') }}

),

renamed as (

    select
        export_name,
        export_type,
        billing_period,
        execution_id,
        cast(delivered_at as timestamp) as delivered_at,
        cast(file_count as integer) as file_count,
        file_format,
        absent_optional_columns

    from source

)

select * from renamed
