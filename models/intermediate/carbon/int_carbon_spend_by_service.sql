{#-
    What the carbon footprint is divided by, at the carbon export's grain (billing period, payer,
    usage account, region and product code): the effective cost (amortized_cost, FOCUS
    EffectiveCost, from the monthly spend rollup), the vCPU-hours of instance usage (the KPI
    instance scope's usage lines) and the storage GB-months (EBS volumes and S3 / Glacier storage
    lines). Each quantity is read from the model that already defines it; none is recomputed
    from line items here.
-#}
with spend as (

    select * from {{ ref('int_spend_by_billing_period') }}

),

instance_usage as (

    select * from {{ ref('int_kpi_instance_usage') }}

),

ebs_volumes as (

    select * from {{ ref('int_kpi_ebs_volumes') }}

),

s3_storage as (

    select * from {{ ref('int_kpi_s3_storage') }}

),

quantities as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        amortized_cost as effective_cost,
        cast(null as double) as vcpu_hours,
        cast(null as double) as storage_gb_month
    from spend

    union all

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        null as effective_cost,
        vcpu_hours,
        null as storage_gb_month
    from instance_usage
    where is_usage

    union all

    -- EBS volumes are billed under AmazonEC2
    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        'AmazonEC2' as product_code,
        null as effective_cost,
        null as vcpu_hours,
        storage_gb_month
    from ebs_volumes

    union all

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        null as effective_cost,
        null as vcpu_hours,
        storage_gb_month
    from s3_storage
    where charge_kind = 'storage'

),

by_service as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        coalesce(sum(effective_cost), 0) as effective_cost,
        coalesce(sum(vcpu_hours), 0) as vcpu_hours,
        coalesce(sum(storage_gb_month), 0) as storage_gb_month
    from quantities
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code

)

select * from by_service
