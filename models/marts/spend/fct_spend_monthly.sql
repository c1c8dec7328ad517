{#- Monthly spend: int_spend_by_billing_period as published (one row per billing period, payer,
    usage account, service, region, usage type, line item type and purchase option). -#}
with spend_by_billing_period as (

    select * from {{ ref('int_spend_by_billing_period') }}

)

select * from spend_by_billing_period
