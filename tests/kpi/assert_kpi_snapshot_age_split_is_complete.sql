{#- The snapshot-age split against nothing but the data. Per billing period and usage account:
    cost older than a year + cost younger than a year = the cost of every EBS snapshot line of
    int_line_items_amortized (to the cent), and the tracker's snapshot KPI has exactly those as
    numerator and denominator. Per snapshot: it cannot have been first seen after a line billed
    for it, and it is older than a year exactly when it was first seen before the period start
    minus 12 months. -#}
with snapshot_lines as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        resource_id,
        usage_start_at,
        amortized_cost
    from {{ ref('int_line_items_amortized') }}
    where
        {{ billing_periods_under_test('cur2') }}
        and product_code = 'AmazonEC2'
        and line_item_type like '%Usage%'
        and usage_type like '%EBS:Snapshot%'

),

snapshots as (

    select * from {{ ref('int_kpi_ebs_snapshots') }}
    where {{ billing_periods_under_test('cur2') }}

),

tracker as (

    select * from {{ ref('fct_kpi_tracker') }}
    where
        {{ billing_periods_under_test('cur2') }}
        and kpi_id = 'ebs_snapshots_over_1_year'

),

line_totals as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(amortized_cost) as total_cost
    from snapshot_lines
    group by
        billing_period,
        payer_account_id,
        usage_account_id

),

split as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(case when is_older_than_one_year then amortized_cost else 0 end) as older_cost,
        sum(case when not is_older_than_one_year then amortized_cost else 0 end) as younger_cost
    from snapshots
    group by
        billing_period,
        payer_account_id,
        usage_account_id

),

totals_mismatch as (

    select
        coalesce(line_totals.billing_period, split.billing_period) as billing_period,
        coalesce(line_totals.usage_account_id, split.usage_account_id) as usage_account_id,
        'older + younger != total of the snapshot lines, or the tracker differs' as failure
    from line_totals
    full outer join split
        on
            line_totals.billing_period = split.billing_period
            and line_totals.payer_account_id = split.payer_account_id
            and line_totals.usage_account_id = split.usage_account_id
    left join tracker
        on
            split.billing_period = tracker.billing_period
            and split.payer_account_id = tracker.payer_account_id
            and split.usage_account_id = tracker.usage_account_id
    where
        line_totals.billing_period is null
        or split.billing_period is null
        or abs(split.older_cost + split.younger_cost - line_totals.total_cost) >= 0.005
        or tracker.kpi_id is null
        or abs(tracker.numerator - split.older_cost) >= 0.005
        or abs(tracker.denominator - line_totals.total_cost) >= 0.005

),

first_billed as (

    select
        billing_period,
        resource_id,
        min(usage_start_at) as first_billed_in_period_at
    from snapshot_lines
    where resource_id is not null
    group by
        billing_period,
        resource_id

),

age_mismatch as (

    select
        snapshots.billing_period,
        snapshots.usage_account_id,
        'first seen after it was billed, or age class inconsistent with first seen' as failure
    from snapshots
    inner join first_billed
        on
            snapshots.billing_period = first_billed.billing_period
            and snapshots.resource_id = first_billed.resource_id
    where
        snapshots.first_seen_at > first_billed.first_billed_in_period_at
        or snapshots.is_older_than_one_year != (
            snapshots.first_seen_at
            < {{ dbt.dateadd('month', -12, 'cast(' ~ kpi_period_start('snapshots.billing_period') ~ ' as timestamp)') }}
        )

)

select * from totals_mismatch
union all
select * from age_mismatch
