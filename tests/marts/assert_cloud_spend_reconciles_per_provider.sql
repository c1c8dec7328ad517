{#- The multi-cloud union loses and invents nothing: per provider, billing period and
    sub-account, its billed and effective cost equal, to the cent, the source they came from:
    the AWS spend mart (our CUR rules) for AWS, the provider's FOCUS export for every other
    provider (docs/multicloud.md). -#}
with cloud_spend as (

    select
        provider,
        billing_period,
        sub_account_id,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_cloud_spend_daily') }}
    group by provider, billing_period, sub_account_id

),

aws_spend as (

    select
        {{ focus_provider("'AWS'") }} as provider,
        billing_period,
        usage_account_id as sub_account_id,
        sum(unblended_cost) as billed_cost,
        sum(amortized_cost) as effective_cost
    from {{ ref('fct_spend_daily') }}
    group by billing_period, usage_account_id

),

other_cloud_exports as (

    select
        {{ focus_provider('provider_name') }} as provider,
        billing_period,
        coalesce(sub_account_id, billing_account_id) as sub_account_id,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('stg_aws_focus__charges') }}
    where {{ focus_provider('provider_name') }} != {{ focus_provider("'AWS'") }}
    group by {{ focus_provider('provider_name') }}, billing_period, coalesce(sub_account_id, billing_account_id)

),

sources as (

    select * from aws_spend
    union all
    select * from other_cloud_exports

)

select
    coalesce(cloud_spend.provider, sources.provider) as provider,
    coalesce(cloud_spend.billing_period, sources.billing_period) as billing_period,
    coalesce(cloud_spend.sub_account_id, sources.sub_account_id) as sub_account_id,
    cloud_spend.billed_cost as union_billed_cost,
    sources.billed_cost as source_billed_cost,
    cloud_spend.effective_cost as union_effective_cost,
    sources.effective_cost as source_effective_cost
from cloud_spend
full outer join sources
    on
        cloud_spend.provider = sources.provider
        and cloud_spend.billing_period = sources.billing_period
        and cloud_spend.sub_account_id = sources.sub_account_id
where
    cloud_spend.provider is null
    or sources.provider is null
    or abs(cloud_spend.billed_cost - sources.billed_cost) >= 0.005
    or abs(cloud_spend.effective_cost - sources.effective_cost) >= 0.005
