{#-
    Tag compliance per billing period, usage account, service and required tag: the share of
    taggable spend (amortised) and of resources that carry the tag, and that carry it in the
    standard form (standard key, canonical value). Required tags and their standard keys:
    seeds/allocation_tag_keys.csv; taggable spend: int_allocation_tag_checks.
-#}
with checks as (

    select * from {{ ref('int_allocation_tag_checks') }}

),

aggregated as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        max(usage_account_name) as usage_account_name,
        service,
        dimension as tag,
        max(required_tag_key) as required_tag_key,
        sum(amortized_cost) as amortized_cost,
        sum(case when is_tagged then amortized_cost else 0 end) as tagged_amortized_cost,
        sum(case when is_conforming then amortized_cost else 0 end) as conforming_amortized_cost,
        count(distinct resource_id) as resource_count,
        count(distinct case when is_tagged then resource_id end) as tagged_resource_count,
        count(distinct case when is_conforming then resource_id end) as conforming_resource_count
    from checks
    group by billing_period, payer_account_id, usage_account_id, service, dimension

),

final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        tag,
        required_tag_key,
        cast(amortized_cost as decimal(38, 8)) as amortized_cost,
        cast(tagged_amortized_cost as decimal(38, 8)) as tagged_amortized_cost,
        cast(conforming_amortized_cost as decimal(38, 8)) as conforming_amortized_cost,
        case
            when amortized_cost > 0 then cast(tagged_amortized_cost as double) / cast(amortized_cost as double)
        end as tagged_spend_share,
        case
            when amortized_cost > 0 then cast(conforming_amortized_cost as double) / cast(amortized_cost as double)
        end as conforming_spend_share,
        resource_count,
        tagged_resource_count,
        conforming_resource_count,
        case
            when resource_count > 0 then cast(tagged_resource_count as double) / resource_count
        end as tagged_resource_share,
        case
            when resource_count > 0 then cast(conforming_resource_count as double) / resource_count
        end as conforming_resource_share
    from aggregated

)

select * from final
