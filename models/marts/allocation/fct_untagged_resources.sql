{#-
    The fix list: every resource whose taggable spend misses a required tag or carries it in a
    non-standard form, one row per billing period, usage account, service, region, resource,
    required tag and tag found (key and value; null when missing), with what to set instead
    and the spend concerned in every basis. Largest spend first is the order to fix them in.
-#}
with checks as (

    select * from {{ ref('int_allocation_tag_checks') }}
    where
        tag_status != 'conforming'
        and resource_id is not null

),

final as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        max(usage_account_name) as usage_account_name,
        service,
        region,
        resource_id,
        dimension as tag,
        tag_status,
        tag_key as found_tag_key,
        tag_value as found_tag_value,
        max(required_tag_key) as expected_tag_key,
        max(case when tag_status != 'missing' then canonical_value end) as expected_tag_value,
        {%- for basis in cost_basis_columns() %}
        cast(sum({{ basis }}) as decimal(38, 8)) as {{ basis }},
        {%- endfor %}
        cast(sum(line_item_count) as bigint) as line_item_count
    from checks
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        service,
        region,
        resource_id,
        dimension,
        tag_status,
        tag_key,
        tag_value

)

select * from final
