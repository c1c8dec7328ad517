{{ config(materialized='table') }}
{#-
    S3 and Glacier usage per billing period, payer, usage account, region, charge kind (storage,
    requests, retrieval, other) and storage class (cost_logic.md §1.4, kpi_s3_storage_all),
    aggregated over buckets: the KPI and the unit costs need classes, not buckets. Storage is a
    GB-Mo line whose operation is a storage operation; its class comes from the product's volume
    type, with Intelligent-Tiering recognised by its operation. Unlike CID, lines without a
    resource id are kept (an export without resource ids would otherwise have no S3 KPI).
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        (product_code like '%AmazonS3%' or product_code like '%AmazonGlacier%')
        and line_item_type like '%Usage%'

),

classified as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        case
            when pricing_unit = 'GB-Mo' and operation like '%Storage%' then 'storage'
            when usage_type like '%Requests%' then 'requests'
            when usage_type like '%Retrieval%' then 'retrieval'
            else 'other'
        end as charge_kind,
        operation,
        volume_type,
        usage_amount,
        unblended_cost,
        amortized_cost
    from line_items

),

with_class as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        charge_kind,
        case
            when charge_kind != 'storage' then null
            when operation like '%IntelligentTiering%' then 'Intelligent-Tiering'
            when volume_type like '%Instant%' then 'Glacier Instant Retrieval'
            when volume_type = 'Glacier Deep Archive' then 'Glacier Deep Archive'
            when volume_type = 'Amazon Glacier' or product_code like '%AmazonGlacier%' then 'Glacier Flexible Retrieval'
            else coalesce(volume_type, 'Unknown')
        end as storage_class,
        usage_amount,
        unblended_cost,
        amortized_cost
    from classified

),

final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        charge_kind,
        storage_class,
        count(*) as line_item_count,
        sum(case when charge_kind = 'storage' then usage_amount else 0 end) as storage_gb_month,
        sum(usage_amount) as usage_amount,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost
    from with_class
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        charge_kind,
        storage_class

)

select * from final
