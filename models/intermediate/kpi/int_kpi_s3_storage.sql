{{ config(materialized='table') }}
{#-
    S3 and Glacier usage per billing period, payer, usage account, region, charge kind (storage,
    requests, retrieval, other) and storage class (docs/cost_rules.md, 'Storage KPIs'; CID's kpi_s3_storage_all),
    aggregated over buckets: the KPI and the unit costs need classes, not buckets. Storage is a
    GB-Mo line whose operation is a storage operation; its class comes from the product's volume
    type, with Intelligent-Tiering recognised by its operation. Unlike CID, lines without a
    resource id are kept (an export without resource ids would otherwise have no S3 KPI).

    Reads no line items: the S3 rows of the incremental int_kpi_storage_aggregated, which already
    has this grain.
-#}
with storage as (

    select * from {{ ref('int_kpi_storage_aggregated') }}
    where storage_kind = 's3'

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
        sum(line_item_count) as line_item_count,
        sum(case when charge_kind = 'storage' then usage_amount else 0 end) as storage_gb_month,
        sum(usage_amount) as usage_amount,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost
    from storage
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
