{#-
    The cost an anomaly monitor watches, at the finest grain a root cause is named at: one row per
    usage date, usage account, service, region and usage type, with the day's effective
    (amortised) cost of consumption - usage, commitment-covered usage and Marketplace. Invoice
    items that are not consumption (commitment fees, purchases, tax, credits, refunds, discounts,
    support) are left out: most are booked once a month and would read as a spike on the 1st.
    Each account carries its cost category (the allocation dimension of var anomaly_cost_category,
    resolved from account-level sources as allocation_tag_keys orders them).
-#}
with spend_by_day as (

    select * from {{ ref('int_spend_by_day') }}
    where charge_class in ('usage', 'commitment_covered_usage', 'marketplace')

),

account_values as (

    select * from {{ ref('int_account_allocation_values') }}

),

tag_keys as (

    select * from {{ ref('allocation_tag_keys') }}
    where dimension = '{{ var("anomaly_cost_category", "business_unit") }}'

),

-- the first account-level source in the seed's order that has a value, per period and account
account_categories as (

    select
        account_values.billing_period,
        account_values.account_id,
        account_values.source_value as cost_category,
        row_number() over (
            partition by account_values.billing_period, account_values.account_id
            order by tag_keys.priority
        ) as source_rank
    from account_values
    inner join tag_keys
        on
            account_values.source_type = tag_keys.source_type
            and account_values.source_key = tag_keys.source_key

),

cells as (

    select
        billing_period,
        usage_date,
        usage_account_id,
        service,
        coalesce(region, 'global') as region,
        coalesce(usage_type, '(none)') as usage_type,
        sum(amortized_cost) as effective_cost
    from spend_by_day
    group by
        billing_period,
        usage_date,
        usage_account_id,
        service,
        coalesce(region, 'global'),
        coalesce(usage_type, '(none)')

),

final as (

    select
        cells.usage_date,
        cells.billing_period,
        cells.usage_account_id,
        cells.service,
        cells.region,
        cells.usage_type,
        coalesce(account_categories.cost_category, 'unassigned') as cost_category,
        cells.effective_cost
    from cells
    left join account_categories
        on
            cells.billing_period = account_categories.billing_period
            and cells.usage_account_id = account_categories.account_id
            and account_categories.source_rank = 1

)

select * from final
