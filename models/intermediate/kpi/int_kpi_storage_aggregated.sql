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
    The storage lines of the KPIs (docs/cost_rules.md, 'Storage KPIs') aggregated in one pass over the line items
    of the billing periods whose delivery changed (macros/incremental/billing_periods_to_rebuild.sql):
    EBS volumes and EBS snapshots per resource, S3 and Glacier per storage class (over buckets).
    int_kpi_ebs_volumes, int_kpi_ebs_snapshots and int_kpi_s3_storage read only this.

    storage_kind
      ebs_volume    EC2 Usage lines of a volume (volume_api_name set, an EBS usage type that is
                    not a snapshot): charge_kind storage (GB-months), iops, throughput or other
      ebs_snapshot  EC2 usage lines of an EBS snapshot (usage type ...EBS:Snapshot...), the
                    archive tier flagged: charge_kind storage
      s3            S3 and Glacier usage lines: charge_kind storage (a GB-Mo line with a storage
                    operation, with its storage class), requests, retrieval or other

    Per row: the sums, the largest storage line's GB-months scaled to the whole month (a volume's
    provisioned size) and the first usage start within the period (a snapshot's first-seen time
    over all history is the minimum of these, taken downstream, so a new period never forces a
    re-read of the others). No seed is read.
-#}
{#- the grain of the aggregation below: selected and grouped by -#}
{%- set grain = [
    'billing_period',
    'payer_account_id',
    'usage_account_id',
    'region',
    'product_code',
    'storage_kind',
    'resource_id',
    'volume_api_name',
    'charge_kind',
    'storage_class',
    'is_archive',
] -%}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        line_item_type like '%Usage%'
        and (
            (product_code = 'AmazonEC2' and usage_type like '%EBS%')
            or product_code like '%AmazonS3%'
            or product_code like '%AmazonGlacier%'
        )
        and {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

kinds as (

    select
        *,
        case
            when product_code = 'AmazonEC2' and usage_type like '%EBS:Snapshot%' then 'ebs_snapshot'
            when
                product_code = 'AmazonEC2'
                and line_item_type = 'Usage'
                and volume_api_name is not null
                and usage_type not like '%Snap%'
                then 'ebs_volume'
            when product_code like '%AmazonS3%' or product_code like '%AmazonGlacier%' then 's3'
        end as storage_kind
    from line_items

),

classified as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        storage_kind,
        -- S3 is aggregated over buckets: the KPI and the unit costs need classes, not buckets
        case when storage_kind != 's3' then resource_id end as resource_id,
        case when storage_kind = 'ebs_volume' then volume_api_name end as volume_api_name,
        case
            when storage_kind = 'ebs_snapshot' then 'storage'
            when
                storage_kind = 'ebs_volume'
                and pricing_unit in ('GB-Mo', 'GB-month')
                and usage_type like '%EBS:VolumeUsage%'
                then 'storage'
            when storage_kind = 'ebs_volume' and pricing_unit = 'IOPS-Mo' and usage_type like '%IOPS%' then 'iops'
            when storage_kind = 'ebs_volume' and pricing_unit = 'GiBps-mo' and usage_type like '%Throughput%' then 'throughput'
            when storage_kind = 'ebs_volume' then 'other'
            when pricing_unit = 'GB-Mo' and operation like '%Storage%' then 'storage'
            when usage_type like '%Requests%' then 'requests'
            when usage_type like '%Retrieval%' then 'retrieval'
            else 'other'
        end as charge_kind,
        operation,
        volume_type,
        usage_type,
        usage_start_at,
        {{ dbt.datediff('usage_start_at', 'usage_end_at', 'hour') }} as line_hours,
        {{ dbt.datediff(
            kpi_period_start('billing_period'),
            dbt.dateadd('month', 1, kpi_period_start('billing_period')),
            'hour'
        ) }} as period_hours,
        usage_amount,
        unblended_cost,
        amortized_cost
    from kinds
    where storage_kind is not null

),

with_class as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        storage_kind,
        resource_id,
        volume_api_name,
        charge_kind,
        -- S3 storage: the class from the product's volume type, Intelligent-Tiering from the
        -- operation, Glacier Flexible Retrieval from the Glacier product
        case
            when storage_kind != 's3' or charge_kind != 'storage' then null
            when operation like '%IntelligentTiering%' then 'Intelligent-Tiering'
            when volume_type like '%Instant%' then 'Glacier Instant Retrieval'
            when volume_type = 'Glacier Deep Archive' then 'Glacier Deep Archive'
            when volume_type = 'Amazon Glacier' or product_code like '%AmazonGlacier%' then 'Glacier Flexible Retrieval'
            else coalesce(volume_type, 'Unknown')
        end as storage_class,
        -- the EBS Snapshots Archive tier (usage type ...EBS:SnapshotArchive...)
        coalesce(storage_kind = 'ebs_snapshot' and usage_type like '%SnapshotArchive%', false) as is_archive,
        -- a volume's storage line scaled to the whole month: its provisioned size
        case
            when storage_kind = 'ebs_volume' and charge_kind = 'storage' and line_hours > 0
                then usage_amount * period_hours / line_hours
        end as monthly_gb,
        usage_start_at,
        usage_amount,
        unblended_cost,
        amortized_cost
    from classified

),

aggregated as (

    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        count(*) as line_item_count,
        sum(usage_amount) as usage_amount,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        max(monthly_gb) as max_monthly_gb,
        min(usage_start_at) as first_usage_start_at
    from with_class
    group by {{ grain | join(', ') }}

),

final as (

    select
        aggregated.payer_account_id,
        aggregated.usage_account_id,
        aggregated.region,
        aggregated.product_code,
        aggregated.storage_kind,
        aggregated.resource_id,
        aggregated.volume_api_name,
        aggregated.charge_kind,
        aggregated.storage_class,
        aggregated.is_archive,
        aggregated.line_item_count,
        aggregated.usage_amount,
        aggregated.unblended_cost,
        aggregated.amortized_cost,
        aggregated.max_monthly_gb,
        aggregated.first_usage_start_at,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        aggregated.billing_period
    from aggregated
    left join deliveries
        on aggregated.billing_period = deliveries.billing_period

)

select * from final
