{{ config(materialized='table') }}
{#-
    One row per EBS snapshot and billing period (docs/cost_rules.md, 'Storage KPIs'; CID's kpi_ebs_snap), with the
    snapshot's first-seen time over the whole CUR history and whether it was older than a year at
    the start of the period.

    The CUR has no creation date for snapshots, so the first billed hour stands in for it:
    * a snapshot counts as older than a year when it was first seen strictly before the start of
      the period minus 12 months. CID uses "at or before"; with daily CUR rows a snapshot first
      billed on that boundary day may have been created at any hour of it, so only earlier days
      prove its age.
    * a snapshot already billed in the first hour of the CUR history existed before it: its true
      age is unknown (the first-seen age is a lower bound) until the history is a year long.
      `is_first_seen_at_history_start` flags it, so readers can see how much cost that concerns.

    Reads no line items: the incremental int_kpi_storage_aggregated keeps, per snapshot and
    period, the cost and the first usage start within the period; the first-seen time over all
    history is the minimum of those, so a newly delivered period re-reads only its own lines and
    this small table re-derives every period's age.
-#}
with snapshots as (

    select * from {{ ref('int_kpi_storage_aggregated') }}
    where storage_kind = 'ebs_snapshot'

),

deliveries as (

    {{ latest_deliveries('cur2') }}

),

-- the first billing period the CUR history holds
history as (

    select
        cast({{ kpi_period_start('min(billing_period)') }} as timestamp) as history_start_at
    from deliveries

),

-- first seen over all history (every period built): the earliest usage start per snapshot
first_seen as (

    select
        resource_id,
        min(first_usage_start_at) as first_seen_at
    from snapshots
    where resource_id is not null
    group by resource_id

),

monthly as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        resource_id,
        is_archive,
        sum(line_item_count) as line_item_count,
        sum(usage_amount) as storage_gb_month,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost
    from snapshots
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        resource_id,
        is_archive

),

final as (

    select
        monthly.billing_period,
        monthly.payer_account_id,
        monthly.usage_account_id,
        monthly.region,
        monthly.resource_id,
        monthly.is_archive,
        first_seen.first_seen_at,
        coalesce(
            first_seen.first_seen_at < {{ dbt.dateadd('month', -12, 'cast(' ~ kpi_period_start('monthly.billing_period') ~ ' as timestamp)') }},
            false
        ) as is_older_than_one_year,
        coalesce(first_seen.first_seen_at <= history.history_start_at, false) as is_first_seen_at_history_start,
        monthly.line_item_count,
        monthly.storage_gb_month,
        monthly.unblended_cost,
        monthly.amortized_cost
    from monthly
    left join first_seen
        on monthly.resource_id = first_seen.resource_id
    cross join history

)

select * from final
