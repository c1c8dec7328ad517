-- The latest billing period's invoice, per payer, by charge class (what the bill will say).
-- Render with `dbt compile --select latest_invoice_summary` and run the SQL in any client.
with summary as (

    select * from {{ ref('fct_invoice_summary') }}

),

latest as (

    select max(billing_period) as billing_period from summary

)

select summary.*
from summary
inner join latest
    on summary.billing_period = latest.billing_period
order by summary.payer_account_id
