{{ config(materialized='table') }}
{#-
    The CUR's verdict on each counted usage action that disappeared: one row per action source,
    account, dedup key and action type of int_optimization_action_sightings that was the top
    action on its resource when last seen and is missing since (docs/cost_rules.md, 'Realised
    savings'). The top action carries the resource's change; its alternatives do not, so a
    resource's saving is verified once.

    1. The change day: COH is looked at once per period, so the day the resource changed is
       found in the CUR. Among the days after the last sighting up to the first absence (after
       the start of the last sighting's 30-day window when the action was stale then: the
       resource had already stopped), it is
       the day whose next change_detection_days cost the least compared with the same number of
       days before it (seeds/optimization_realised_savings_rules.csv), among the days whose weeks
       either side the CUR holds whole; ties go to the earliest. When no day shows a fall, that
       is the day after the last sighting.
    2. The resource's effective cost in the verification_window_days before that day and from
       that day on, and whether the CUR holds each window whole.
-#}
with sightings as (

    select * from {{ ref('int_optimization_action_sightings') }}
    where
        first_absent_date is not null
        and is_top_action
        and saving_type = 'Usage Optimization'
        and resource_id is not null

),

resource_days as (

    select * from {{ ref('int_optimization_resource_days') }}

),

rules as (

    select * from {{ ref('optimization_realised_savings_rules') }}

),

cur_days as (

    select
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date
    from resource_days

),

usage_days as (

    select distinct usage_date as candidate_date
    from resource_days

),

candidates as (

    select
        sightings.action_source,
        sightings.account_id,
        sightings.dedup_key,
        sightings.action_type,
        sightings.resource_id,
        usage_days.candidate_date,
        rules.verification_window_days,
        cast({{ dbt.dateadd('day', '-rules.change_detection_days', 'usage_days.candidate_date') }} as date)
            as detection_start_date,
        cast({{ dbt.dateadd('day', 'rules.change_detection_days', 'usage_days.candidate_date') }} as date)
            as detection_end_date,
        cast({{ dbt.dateadd('day', '-rules.verification_window_days', 'usage_days.candidate_date') }} as date)
            as before_start_date,
        cast({{ dbt.dateadd('day', 'rules.verification_window_days', 'usage_days.candidate_date') }} as date)
            as after_end_date,
        cur_days.first_usage_date,
        cast({{ dbt.dateadd('day', 1, 'cur_days.last_usage_date') }} as date) as cur_end_date
    from sightings
    cross join rules
    cross join cur_days
    inner join usage_days
        on
            case
                when sightings.is_stale then coalesce(sightings.last_seen_window_start_date, sightings.last_seen_date)
                else sightings.last_seen_date
            end < usage_days.candidate_date
            and sightings.first_absent_date >= usage_days.candidate_date

),

-- per candidate day: the fall over the detection weeks, and the cost of the windows either side
scored as (

    select
        candidates.action_source,
        candidates.account_id,
        candidates.dedup_key,
        candidates.action_type,
        candidates.candidate_date,
        candidates.verification_window_days,
        candidates.before_start_date,
        candidates.after_end_date,
        -- a day whose weeks either side the CUR does not hold whole shows no fall
        candidates.detection_start_date >= candidates.first_usage_date
        and candidates.detection_end_date <= candidates.cur_end_date as is_detectable,
        candidates.before_start_date >= candidates.first_usage_date as is_before_window_complete,
        candidates.after_end_date <= candidates.cur_end_date as is_after_window_complete,
        coalesce(sum(
            case
                when resource_days.usage_date < candidates.detection_start_date then 0
                when resource_days.usage_date < candidates.candidate_date then resource_days.effective_cost
                when resource_days.usage_date < candidates.detection_end_date then -resource_days.effective_cost
                else 0
            end
        ), 0) as cost_drop,
        coalesce(sum(
            case
                when
                    resource_days.usage_date >= candidates.before_start_date
                    and resource_days.usage_date < candidates.candidate_date
                    then resource_days.effective_cost
            end
        ), 0) as cost_before,
        coalesce(sum(
            case
                when
                    resource_days.usage_date >= candidates.candidate_date
                    and resource_days.usage_date < candidates.after_end_date
                    then resource_days.effective_cost
            end
        ), 0) as cost_after
    from candidates
    left join resource_days
        on
            candidates.account_id = resource_days.usage_account_id
            and candidates.resource_id = resource_days.resource_id
            and resource_days.usage_date >= least(candidates.before_start_date, candidates.detection_start_date)
            and resource_days.usage_date < greatest(candidates.after_end_date, candidates.detection_end_date)
    group by
        candidates.action_source,
        candidates.account_id,
        candidates.dedup_key,
        candidates.action_type,
        candidates.candidate_date,
        candidates.verification_window_days,
        candidates.before_start_date,
        candidates.after_end_date,
        candidates.detection_start_date,
        candidates.detection_end_date,
        candidates.first_usage_date,
        candidates.cur_end_date

),

change_days as (

    select
        *,
        row_number() over (
            partition by action_source, account_id, dedup_key, action_type
            order by case when is_detectable and cost_drop > 0 then cost_drop else 0 end desc, candidate_date asc
        ) as change_rank
    from scored

),

final as (

    select
        action_source,
        account_id,
        dedup_key,
        action_type,
        candidate_date as change_date,
        verification_window_days,
        before_start_date,
        after_end_date,
        cost_before,
        cost_after,
        is_before_window_complete,
        is_after_window_complete
    from change_days
    where change_rank = 1

)

select * from final
