{#-
    When each savings action was last recommended and when it was first missing: one row per
    action source, account, dedup key and action type (the same action on the same resource,
    whatever id COH gave it), from its latest sighting (docs/cost_rules.md, 'Realised savings').

    * A source looks at an account once per billing period: COH in its snapshot (the day it was
      refreshed), the CUR waste rules at the end of the period's 30-day window (its last usage
      day). That day is the period's `snapshot_date` for the source and account.
    * The action is missing when the source looked at the account again in a later period and
      did not find it: `first_absent_period` / `first_absent_date` are that next look; both are
      null while the action is still in the source's latest look at the account.
    * The action's row of its latest sighting is kept (for purchases, several of which share the
      dedup key 'Compute', the largest estimate).
-#}
with actions as (

    select * from {{ ref('int_optimization_actions') }}

),

recommendations as (

    select
        billing_period,
        recommendation_id,
        last_refreshed_at
    from {{ ref('int_optimization_recommendations') }}

),

sightings as (

    select
        actions.*,
        case
            when actions.action_source = 'cost_optimization_hub' then cast(recommendations.last_refreshed_at as date)
            else cast({{ dbt.dateadd('day', -1, 'actions.window_end_date') }} as date)
        end as sighted_date
    from actions
    left join recommendations
        on
            actions.billing_period = recommendations.billing_period
            and actions.action_id = recommendations.recommendation_id

),

snapshots as (

    select
        action_source,
        account_id,
        billing_period,
        min(sighted_date) as snapshot_date
    from sightings
    group by
        action_source,
        account_id,
        billing_period

),

next_snapshots as (

    select
        action_source,
        account_id,
        billing_period,
        snapshot_date,
        lead(billing_period) over (
            partition by action_source, account_id order by billing_period
        ) as next_billing_period,
        lead(snapshot_date) over (
            partition by action_source, account_id order by billing_period
        ) as next_snapshot_date
    from snapshots

),

latest_sightings as (

    select
        *,
        row_number() over (
            partition by action_source, account_id, dedup_key, action_type
            order by billing_period desc, estimated_monthly_savings desc, action_id asc
        ) as sighting_rank
    from sightings

),

final as (

    select
        latest_sightings.action_source,
        latest_sightings.account_id,
        latest_sightings.dedup_key,
        latest_sightings.action_type,
        latest_sightings.action_id,
        latest_sightings.resource_id,
        latest_sightings.resource_type,
        latest_sightings.service,
        latest_sightings.region,
        latest_sightings.saving_type,
        latest_sightings.is_top_action,
        latest_sightings.is_stale,
        latest_sightings.is_exception,
        latest_sightings.estimated_monthly_savings,
        latest_sightings.counted_monthly_savings,
        latest_sightings.window_start_date as last_seen_window_start_date,
        latest_sightings.billing_period as last_seen_period,
        next_snapshots.snapshot_date as last_seen_date,
        next_snapshots.next_billing_period as first_absent_period,
        next_snapshots.next_snapshot_date as first_absent_date
    from latest_sightings
    inner join next_snapshots
        on
            latest_sightings.action_source = next_snapshots.action_source
            and latest_sightings.account_id = next_snapshots.account_id
            and latest_sightings.billing_period = next_snapshots.billing_period
    where latest_sightings.sighting_rank = 1

)

select * from final
