{#-
    One row per Cost Optimization Hub recommendation per snapshot (billing period), with the key
    it is de-duplicated on, how long it has been recommended and whether it is in the account's
    latest snapshot (docs/cost_rules.md, 'Optimisation').

    * resource_id: the CUR's resource id of the resource (the instance or volume id for EC2
      instance and volume ARNs, which the CUR writes without the ARN; the ARN otherwise);
    * dedup_key: CORA's "SuperARN": the resource id, or for commitment purchases (no ARN)
      'Compute' for every Savings Plan and `<EC2|RDS>:<region>:<product>:<instance type>` for
      Reserved Instances, parsed from the summary "<n> <type> <product> in AWS account ...";
    * first/last seen: over every snapshot holding the same account, dedup key and action type
      (COH may re-issue a recommendation under a new id; the action on the resource is the same).
-#}
with recommendations as (

    select * from {{ ref('stg_cost_optimization_hub__recommendations') }}

),

keyed as (

    select
        *,
        case
            when resource_arn like 'arn:aws:ec2:%:instance/%' or resource_arn like 'arn:aws:ec2:%:volume/%'
                then {{ dbt.split_part('resource_arn', "'/'", 2) }}
            else resource_arn
        end as resource_id,
        case
            when resource_arn is not null then null
            when current_resource_type like '%SavingsPlans' then 'Compute'
            when current_resource_type like '%ReservedInstances'
                then {{ dbt.concat([
                    "upper(replace(current_resource_type, 'ReservedInstances', ''))", "':'",
                    "region", "':'",
                    "regexp_extract(recommended_resource_summary, '^[0-9]+ [^ ]+ (.*) in AWS account', 1)", "':'",
                    dbt.split_part('recommended_resource_summary', "' '", 2),
                ]) }}
            else {{ dbt.concat(["current_resource_type", "':'", "account_id", "':'", "recommendation_id"]) }}
        end as commitment_key,
        {{ has_exception_tag('tags') }} as has_exception_tag,
        coalesce(recommended_resource_summary like '%Payer%', false) as is_payer_level
    from recommendations

),

identified as (

    select
        *,
        coalesce(resource_id, commitment_key) as dedup_key
    from keyed

),

history as (

    select
        account_id,
        dedup_key,
        action_type,
        min(billing_period) as first_seen_period,
        max(billing_period) as last_seen_period,
        count(distinct billing_period) as snapshot_count,
        min(last_refreshed_at) as first_seen_at,
        max(last_refreshed_at) as last_seen_at
    from identified
    group by
        account_id,
        dedup_key,
        action_type

),

latest as (

    select
        account_id,
        max(billing_period) as latest_billing_period
    from identified
    group by account_id

),

final as (

    select
        identified.*,
        history.first_seen_period,
        history.last_seen_period,
        history.snapshot_count,
        history.first_seen_at,
        history.last_seen_at,
        {{ dbt.datediff(
            'history.first_seen_at',
            'identified.last_refreshed_at',
            'day'
        ) }} as age_days,
        identified.billing_period = latest.latest_billing_period as is_latest_snapshot
    from identified
    inner join history
        on
            identified.account_id = history.account_id
            and identified.dedup_key = history.dedup_key
            and identified.action_type = history.action_type
    inner join latest
        on identified.account_id = latest.account_id

)

select * from final
