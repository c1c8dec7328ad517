{#-
    The account-level values the allocation seeds ask for: one row per billing period, account,
    source type (account_tag, account_map) and source key that has a non-empty value. Account
    tags come from the CUR `tags` map (`accountTag/<key>`), the account map from the account_map
    seed (its columns are fixed, so an `account_map` source names one of them). Only keys listed
    in allocation_tag_keys are read.
-#}
with account_tag_maps as (

    select * from {{ ref('int_account_tags_by_billing_period') }}

),

accounts as (

    select * from {{ ref('int_accounts_by_billing_period') }}

),

account_map as (

    select * from {{ ref('account_map') }}

),

tag_keys as (

    select * from {{ ref('allocation_tag_keys') }}

),

account_tag_keys as (

    select distinct source_key
    from tag_keys
    where source_type = 'account_tag'

),

account_map_keys as (

    select distinct source_key
    from tag_keys
    where source_type = 'account_map'

),

-- an account tag is the same on every line of the account; max() picks one value should AWS
-- change it within the period
account_tag_values as (

    select
        account_tag_maps.billing_period,
        account_tag_maps.usage_account_id as account_id,
        'account_tag' as source_type,
        account_tag_keys.source_key,
        max({{ empty_as_null(map_value('account_tag_maps.tags', 'account_tag_keys.source_key')) }}) as source_value
    from account_tag_maps
    cross join account_tag_keys
    group by
        account_tag_maps.billing_period,
        account_tag_maps.usage_account_id,
        account_tag_keys.source_key

),

account_map_values as (

    select
        accounts.billing_period,
        accounts.account_id,
        'account_map' as source_type,
        account_map_keys.source_key,
        case account_map_keys.source_key
            {%- for column in allocation_account_map_columns() %}
            when '{{ column }}' then {{ empty_as_null('account_map.' ~ column) }}
            {%- endfor %}
        end as source_value
    from accounts
    inner join account_map
        on accounts.account_id = account_map.account_id
    cross join account_map_keys

),

final as (

    select * from account_tag_values
    where source_value is not null
    union all
    select * from account_map_values
    where source_value is not null

)

select * from final
