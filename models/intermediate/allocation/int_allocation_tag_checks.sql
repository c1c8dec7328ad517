{#-
    Tag compliance of taggable spend: one row per tagged-cost row (int_allocation_costs_tagged)
    of a taggable charge class and required tag. Required tags are the dimensions with an
    `is_required_tag` key in seeds/allocation_tag_keys.csv (that key is the standard one).

    A row carries the tag when any resource tag of the dimension has a value; it conforms when
    that tag is the standard key and its value is already canonical (allocation_value_aliases
    would not change it). Taggable: usage, commitment-covered usage and Marketplace charges; tax,
    support, fees, credits and discounts have no resource to tag.
-#}
{%- set dimensions = allocation_dimensions() %}
with tagged as (

    select * from {{ ref('int_allocation_costs_tagged') }}
    where charge_class in ('usage', 'commitment_covered_usage', 'marketplace')

),

required_tags as (

    select
        dimension,
        max(source_key) as required_tag_key
    from {{ ref('allocation_tag_keys') }}
    where source_type = 'resource_tag' and is_required_tag
    group by dimension

),

aliases as (

    {{ canonical_value_aliases() }}

),

by_tag as (

    {%- for dimension in dimensions %}

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        usage_account_name,
        service,
        region,
        charge_class,
        resource_id,
        '{{ dimension }}' as dimension,
        {{ dimension }}_tag_key as tag_key,
        {{ dimension }}_tag_value as tag_value,
        {%- for basis in cost_basis_columns() %}
        {{ basis }},
        {%- endfor %}
        line_item_count
    from tagged
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

checked as (

    select
        by_tag.billing_period,
        by_tag.payer_account_id,
        by_tag.usage_account_id,
        by_tag.usage_account_name,
        by_tag.service,
        by_tag.region,
        by_tag.charge_class,
        by_tag.resource_id,
        by_tag.dimension,
        required_tags.required_tag_key,
        by_tag.tag_key,
        by_tag.tag_value,
        coalesce(aliases.canonical_value, by_tag.tag_value) as canonical_value,
        by_tag.tag_key is not null as is_tagged,
        coalesce(
            by_tag.tag_key = required_tags.required_tag_key
            and by_tag.tag_value = coalesce(aliases.canonical_value, by_tag.tag_value),
            false
        ) as is_conforming,
        {%- for basis in cost_basis_columns() %}
        by_tag.{{ basis }},
        {%- endfor %}
        by_tag.line_item_count
    from by_tag
    inner join required_tags
        on by_tag.dimension = required_tags.dimension
    left join aliases
        on
            by_tag.dimension = aliases.dimension
            and lower(by_tag.tag_value) = aliases.raw_value_key

),

final as (

    select
        *,
        case
            when not is_tagged then 'missing'
            when tag_key != required_tag_key then 'non_standard_key'
            when not is_conforming then 'non_canonical_value'
            else 'conforming'
        end as tag_status
    from checked

)

select * from final
