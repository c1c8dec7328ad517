{{ config(materialized='table') }}
{#-
    One row per EBS volume, volume type and billing period (docs/cost_rules.md, 'Storage KPIs'; CID's
    kpi_ebs_storage_all): storage, provisioned IOPS and throughput pivoted into usage and cost,
    and the modelled saving of moving a gp2 volume to gp3 with the same performance.

    Better than CID: the gp2 -> gp3 model works on the volume's size, not on its GB-months. A
    volume that existed for half the month has half its size in GB-months; CID took GB-months as
    the size, which understates the IOPS a large gp2 volume gets (3 per GB) and the throughput
    above 150 GB. Here size = the largest line's GB-months scaled to a whole month, and the added
    IOPS and throughput are scaled back by the share of the month the volume existed. A volume
    whose modelled gp3 cost exceeds its gp2 cost saves 0 (nobody would migrate it).

    Reads no line items: the volume rows of the incremental int_kpi_storage_aggregated (one row
    per volume and charge kind and period) are pivoted here.
-#}
with storage as (

    select * from {{ ref('int_kpi_storage_aggregated') }}
    where storage_kind = 'ebs_volume'

),

volumes as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        resource_id,
        volume_api_name,
        sum(line_item_count) as line_item_count,
        sum(case when charge_kind = 'storage' then usage_amount else 0 end) as storage_gb_month,
        sum(case when charge_kind = 'iops' then usage_amount else 0 end) as iops_month,
        sum(case when charge_kind = 'throughput' then usage_amount else 0 end) as throughput_gibps_month,
        -- the provisioned size: a storage line's GB-months scaled to the whole month (rounded:
        -- the CUR's prorated GB-months carry float noise)
        round(max(case when charge_kind = 'storage' then max_monthly_gb end), 3) as size_gb,
        sum(case when charge_kind = 'storage' then amortized_cost else 0 end) as storage_cost,
        sum(case when charge_kind = 'iops' then amortized_cost else 0 end) as iops_cost,
        sum(case when charge_kind = 'throughput' then amortized_cost else 0 end) as throughput_cost,
        sum(case when charge_kind = 'other' then amortized_cost else 0 end) as other_cost,
        sum(amortized_cost) as amortized_cost
    from storage
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        resource_id,
        volume_api_name

),

-- gp2 volumes: gp3 storage at 80 % of the gp2 $/GB-month, plus the IOPS above gp3's 3,000
-- baseline that gp2 gave (3 per GB, at most 16,000) at 6 % of that gp3 price per IOPS-month,
-- plus 125 MiB/s above gp3's baseline for volumes over 150 GB at 50 % per MiB/s-month
gp2_model as (

    select
        *,
        case
            when size_gb > 0 then round(least(storage_gb_month / size_gb, 1), 6)
        end as active_share,
        case
            when storage_gb_month > 0 then 0.8 * storage_cost / storage_gb_month
        end as gp3_unit_cost
    from volumes

),

modelled as (

    select
        *,
        case
            when volume_api_name = 'gp2' and resource_id is not null and size_gb > 0
                then (least(greatest(3 * size_gb, 3000), 16000) - 3000) * active_share
            else 0
        end as gp2_added_iops_month,
        case
            when volume_api_name = 'gp2' and resource_id is not null and size_gb > 150
                then 125 * active_share
            else 0
        end as gp2_added_throughput_mibps_month
    from gp2_model

),

estimated as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        resource_id,
        volume_api_name,
        case
            when size_gb is null then 'unknown'
            when size_gb < 150 then 'under 150 GB'
            when size_gb <= 1000 then '150-1000 GB'
            else 'over 1000 GB'
        end as size_band,
        line_item_count,
        size_gb,
        active_share,
        storage_gb_month,
        iops_month,
        throughput_gibps_month,
        storage_cost,
        iops_cost,
        throughput_cost,
        other_cost,
        amortized_cost,
        gp2_added_iops_month,
        gp2_added_throughput_mibps_month,
        case
            when volume_api_name != 'gp2' then null
            -- without a resource id the lines of many volumes are mixed: storage price only
            when resource_id is null then {{ money('0.8 * storage_cost') }}
            else {{ money(
                '0.8 * storage_cost'
                ~ ' + coalesce(0.5 * gp3_unit_cost * gp2_added_throughput_mibps_month, 0)'
                ~ ' + coalesce(0.06 * gp3_unit_cost * gp2_added_iops_month, 0)'
            ) }}
        end as estimated_gp3_cost
    from modelled

),

final as (

    select
        *,
        case
            when volume_api_name = 'gp2' then greatest(amortized_cost - estimated_gp3_cost, 0)
            else 0
        end as gp3_potential_savings
    from estimated

)

select * from final
