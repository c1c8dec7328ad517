{#- One row per export and billing period: the latest complete delivery (its manifest). -#}
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
        cast(file_count as integer) as file_count

    from source

)

select * from renamed
