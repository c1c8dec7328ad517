{#- One row per AWS account seen in the CUR (usage or payer), named by the account map seed when
    it has the account, else by the newest name in the CUR. -#}
with accounts_by_period as (

    select * from {{ ref('int_accounts_by_billing_period') }}

),

account_map as (

    select * from {{ ref('account_map') }}

),

-- the newest name and payer the CUR gives each account
accounts as (

    select
        account_id,
        max_by(account_name, billing_period) as cur_account_name,
        max_by(payer_account_id, billing_period) as payer_account_id
    from accounts_by_period
    group by account_id

),

final as (

    select
        accounts.account_id,
        coalesce(account_map.account_name, accounts.cur_account_name, accounts.account_id) as account_name,
        accounts.payer_account_id,
        accounts.account_id = accounts.payer_account_id as is_payer_account,
        account_map.business_unit,
        account_map.environment,
        account_map.owner_email,
        account_map.account_id is not null as is_in_account_map
    from accounts
    left join account_map
        on accounts.account_id = account_map.account_id

)

select * from final
