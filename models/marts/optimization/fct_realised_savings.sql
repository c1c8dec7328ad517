{#-
    The realised-savings ledger: one row per savings action (action source, account, dedup key
    and action type, as last recommended), with what it was estimated to save and what the CUR
    shows it saved once it disappeared (docs/cost_rules.md, 'Realised savings').

    realisation_status:
    * commitment_purchase - a Savings Plan or RI purchase: what it saves is the commitment savings
      marts' realised savings (fct_savings_summary), so it is not verified here a second time;
    * open - still recommended in the source's latest look at the account;
    * alternative - missing, but not the resource's top action when last seen: the top action
      carries the resource's change, so it is verified once;
    * insufficient_history / too_recent - missing, but the CUR does not hold the whole window
      before / after the change day (verification_window_days each side);
    * implemented - the resource's effective cost after the change day fell by at least
      min_cost_drop_share of its cost before (seeds/optimization_realised_savings_rules.csv);
    * disappeared_without_cost_change - missing, and the cost did not fall that much.

    The measured saving is (cost before - cost after) over the window, normalised to a 730-hour
    month (x 730 / (24 x window days)), the month of COH's estimates and of the resource's monthly
    cost in the optimisation marts, so the estimate and the verified saving compare directly.
-#}
with sightings as (

    select * from {{ ref('int_optimization_action_sightings') }}

),

verifications as (

    select * from {{ ref('int_optimization_action_verifications') }}

),

rules as (

    select * from {{ ref('optimization_realised_savings_rules') }}

),

classified as (

    select
        sightings.*,
        verifications.change_date,
        verifications.before_start_date,
        verifications.after_end_date,
        verifications.cost_before,
        verifications.cost_after,
        verifications.verification_window_days,
        case
            when sightings.saving_type = 'Rate Optimization' then 'commitment_purchase'
            when sightings.first_absent_date is null then 'open'
            when verifications.change_date is null then 'alternative'
            when not verifications.is_before_window_complete then 'insufficient_history'
            when not verifications.is_after_window_complete then 'too_recent'
            when
                verifications.cost_before > verifications.cost_after
                and verifications.cost_before - verifications.cost_after
                >= rules.min_cost_drop_share * verifications.cost_before
                then 'implemented'
            else 'disappeared_without_cost_change'
        end as realisation_status
    from sightings
    cross join rules
    left join verifications
        on
            sightings.action_source = verifications.action_source
            and sightings.account_id = verifications.account_id
            and sightings.dedup_key = verifications.dedup_key
            and sightings.action_type = verifications.action_type

),

measured as (

    select
        *,
        case
            when realisation_status in ('implemented', 'disappeared_without_cost_change')
                then {{ money('(cost_before - cost_after) * 730 / (24 * verification_window_days)') }}
        end as measured_monthly_savings
    from classified

),

final as (

    select
        action_id,
        resource_id,
        action_source,
        account_id,
        dedup_key,
        action_type,
        saving_type,
        resource_type,
        service,
        region,
        last_seen_period,
        last_seen_date,
        first_absent_period,
        first_absent_date,
        change_date,
        before_start_date,
        after_end_date,
        realisation_status,
        is_top_action,
        is_stale,
        is_exception,
        estimated_monthly_savings,
        counted_monthly_savings,
        {{ money('cost_before') }} as cost_before_window,
        {{ money('cost_after') }} as cost_after_window,
        measured_monthly_savings,
        case
            when realisation_status = 'implemented' then measured_monthly_savings
            when realisation_status = 'disappeared_without_cost_change' then cast(0 as decimal(18, 8))
        end as verified_monthly_savings,
        case
            when realisation_status = 'implemented' then {{ money("measured_monthly_savings - estimated_monthly_savings") }}
            when realisation_status = 'disappeared_without_cost_change' then {{ money("-estimated_monthly_savings") }}
        end as savings_gap
    from measured

)

select * from final
