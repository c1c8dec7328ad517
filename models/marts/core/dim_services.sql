{#- One row per service seen in the CUR (CID's service: the service code, or the Marketplace
    product name), with its FOCUS category from the aws_service_categories seed. -#}
with services as (

    select distinct
        service,
        product_code
    from {{ ref('int_spend_by_billing_period') }}

),

categories as (

    select * from {{ ref('aws_service_categories') }}

),

final as (

    select
        services.service,
        services.product_code,
        coalesce(categories.service_name, services.service) as service_name,
        coalesce(categories.service_category, 'Other') as service_category,
        coalesce(categories.service_subcategory, 'Other (Other)') as service_subcategory,
        coalesce(categories.commit_service_group, 'Other') as commit_service_group
    from services
    left join categories
        on services.product_code = categories.product_code

)

select * from final
