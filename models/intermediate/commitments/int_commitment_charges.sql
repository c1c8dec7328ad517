{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    Every charge that carries a Reserved Instance or Savings Plan ARN, summed per billing period,
    commitment, usage account, line item type, service and region: the covered usage (and its SP
    negation), the fee lines holding the unused commitment, and the upfront purchases. Small (a
    few rows per commitment and account), built in one pass over the line items of the periods
    whose delivery changed; the commitment marts read only this.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        commitment_arn is not null
        and {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

charges as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        commitment_arn,
        line_item_type,
        product_code,
        service,
        region,
        max(purchase_option) as commitment_type,
        max(coalesce(savings_plan_offering_type, pricing_offering_class)) as offering,
        max(coalesce(savings_plan_purchase_term, pricing_lease_contract_length)) as term,
        max(coalesce(savings_plan_payment_option, pricing_purchase_option)) as payment_option,
        max(savings_plan_region) as savings_plan_region,
        max(savings_plan_instance_type_family) as savings_plan_instance_type_family,
        max(instance_type) as instance_type,
        max(reservation_count) as reservation_count,
        min(coalesce(savings_plan_start_at, reservation_start_at)) as commitment_start_at,
        max(coalesce(savings_plan_end_at, reservation_end_at)) as commitment_end_at,
        min(usage_start_at) as first_usage_start_at,
        max(usage_end_at) as last_usage_end_at,
        sum({{ dbt.datediff('usage_start_at', 'usage_end_at', 'hour') }}) as line_item_hours,
        count(*) as line_item_count,
        sum(usage_amount) as usage_amount,
        {%- for basis in cost_basis_columns() + ['on_demand_equivalent_cost'] %}
        sum({{ basis }}) as {{ basis }},
        {%- endfor %}
        sum(savings_plan_total_commitment_to_date) as savings_plan_total_commitment_to_date,
        sum(savings_plan_used_commitment) as savings_plan_used_commitment,
        -- the commitment per hour of a fee line; the max skips a first day bought mid-day
        max({{ ratio('savings_plan_total_commitment_to_date', dbt.datediff('usage_start_at', 'usage_end_at', 'hour')) }})
            as savings_plan_hourly_commitment
    from line_items
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        commitment_arn,
        line_item_type,
        product_code,
        service,
        region

),

final as (

    select
        charges.payer_account_id,
        charges.usage_account_id,
        charges.commitment_arn,
        charges.line_item_type,
        charges.product_code,
        charges.service,
        charges.region,
        charges.commitment_type,
        charges.offering,
        charges.term,
        charges.payment_option,
        charges.savings_plan_region,
        charges.savings_plan_instance_type_family,
        charges.instance_type,
        charges.reservation_count,
        charges.commitment_start_at,
        charges.commitment_end_at,
        charges.first_usage_start_at,
        charges.last_usage_end_at,
        charges.line_item_hours,
        charges.line_item_count,
        charges.usage_amount,
        {%- for basis in cost_basis_columns() + ['on_demand_equivalent_cost'] %}
        charges.{{ basis }},
        {%- endfor %}
        charges.savings_plan_total_commitment_to_date,
        charges.savings_plan_used_commitment,
        charges.savings_plan_hourly_commitment,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        charges.billing_period
    from charges
    left join deliveries
        on charges.billing_period = deliveries.billing_period

)

select * from final
