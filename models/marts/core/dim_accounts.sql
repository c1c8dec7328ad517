{#- One row per AWS account seen in the CUR (usage or payer), named by the account map seed when
    it has the account, else by the newest name in the CUR. -#}
with line_items as (

    select
        usage_account_id,
        usage_account_name,
        payer_account_id,
        payer_account_name,
        billing_period
    from {{ ref('stg_aws_cur__line_items') }}

),

account_map as (

    select * from {{ ref('account_map') }}

),

usage_accounts as (

    select
        usage_account_id as account_id,
        max_by(usage_account_name, billing_period) as cur_account_name,
        max_by(payer_account_id, billing_period) as payer_account_id
    from line_items
    group by usage_account_id

),

payer_accounts as (

    select
        payer_account_id as account_id,
        max_by(payer_account_name, billing_period) as cur_account_name,
        payer_account_id
    from line_items
    group by payer_account_id

),

accounts as (

    select * from usage_accounts
    union
    select * from payer_accounts

),

deduplicated as (

    select
        account_id,
        max(cur_account_name) as cur_account_name,
        max(payer_account_id) as payer_account_id
    from accounts
    group by account_id

),

final as (

    select
        deduplicated.account_id,
        coalesce(account_map.account_name, deduplicated.cur_account_name, deduplicated.account_id) as account_name,
        deduplicated.payer_account_id,
        deduplicated.account_id = deduplicated.payer_account_id as is_payer_account,
        account_map.business_unit,
        account_map.environment,
        account_map.owner_email,
        account_map.account_id is not null as is_in_account_map
    from deduplicated
    left join account_map
        on deduplicated.account_id = account_map.account_id

)

select * from final
