{#-
    One row per CUR line item (identity_line_item_id is unique within a billing period), from CUR 2.0
    exports and legacy CUR reports (base_aws_cur_legacy__line_items).
    Renamed, cast (money to decimal, ids to strings, timestamps to UTC) and simply classified;
    the product map's attributes that FinOps logic needs become columns. No joins, no sums.
-#}
with cur2_line_items as (

    select
        {%- for column in source_columns('aws_cur', 'cur2') %}
        {{ column.name }},
        {%- endfor %}
        billing_period,
        -- the export (as named in AWS) the row was delivered by
        {{ landed_export_name() }} as export_name
    from {{ source('aws_cur', 'cur2') }}

),

legacy_line_items as (

    select * from {{ ref('base_aws_cur_legacy__line_items') }}

),

-- legacy CUR reports in the CUR 2.0 columns; a period and payer comes from one of the two only
-- (macros/sources/land_legacy_cur.sql)
source as (

    select * from cur2_line_items
    union all
    select * from legacy_line_items

),

renamed as (

    select
        -- keys and billing period
        cast(billing_period as varchar) as billing_period,
        export_name,
        identity_line_item_id as line_item_id,
        identity_time_interval as time_interval,
        cast(bill_billing_period_start_date as date) as billing_period_start_date,
        cast(bill_billing_period_end_date as date) as billing_period_end_date,
        {{ empty_as_null('bill_bill_type') }} as bill_type,
        {{ empty_as_null('bill_billing_entity') }} as billing_entity,
        {{ empty_as_null('bill_invoice_id') }} as invoice_id,
        {{ empty_as_null('bill_invoicing_entity') }} as invoicing_entity,
        cast(bill_payer_account_id as varchar) as payer_account_id,
        {{ empty_as_null('bill_payer_account_name') }} as payer_account_name,

        -- line item
        cast(line_item_usage_account_id as varchar) as usage_account_id,
        {{ empty_as_null('line_item_usage_account_name') }} as usage_account_name,
        line_item_line_item_type as line_item_type,
        {{ empty_as_null('line_item_line_item_description') }} as line_item_description,
        {{ empty_as_null('line_item_product_code') }} as product_code,
        {{ empty_as_null('line_item_usage_type') }} as usage_type,
        {{ empty_as_null('line_item_operation') }} as operation,
        {{ empty_as_null('line_item_resource_id') }} as resource_id,
        {{ empty_as_null('line_item_availability_zone') }} as availability_zone,
        {{ empty_as_null('line_item_legal_entity') }} as legal_entity,
        {{ empty_as_null('line_item_tax_type') }} as tax_type,
        {{ empty_as_null('line_item_iam_principal') }} as iam_principal,
        line_item_currency_code as currency_code,
        {{ to_utc_timestamp('line_item_usage_start_date') }} as usage_start_at,
        {{ to_utc_timestamp('line_item_usage_end_date') }} as usage_end_at,
        cast(line_item_usage_start_date as date) as usage_date,
        line_item_usage_amount as usage_amount,
        line_item_normalization_factor as normalization_factor,
        line_item_normalized_usage_amount as normalized_usage_amount,

        -- costs (billed bases) and rates
        {{ money('line_item_unblended_cost') }} as unblended_cost,
        {{ money('line_item_net_unblended_cost') }} as net_unblended_cost,
        {{ money('line_item_blended_cost') }} as blended_cost,
        {{ rate('line_item_unblended_rate') }} as unblended_rate,
        {{ rate('line_item_net_unblended_rate') }} as net_unblended_rate,
        {{ rate('line_item_blended_rate') }} as blended_rate,

        -- pricing
        {{ money('pricing_public_on_demand_cost') }} as public_on_demand_cost,
        {{ rate('pricing_public_on_demand_rate') }} as public_on_demand_rate,
        {{ empty_as_null('pricing_term') }} as pricing_term,
        {{ empty_as_null('pricing_unit') }} as pricing_unit,
        {{ empty_as_null('pricing_purchase_option') }} as pricing_purchase_option,
        {{ empty_as_null('pricing_offering_class') }} as pricing_offering_class,
        {{ empty_as_null('pricing_lease_contract_length') }} as pricing_lease_contract_length,
        {{ empty_as_null('pricing_rate_code') }} as pricing_rate_code,
        {{ empty_as_null('pricing_rate_id') }} as pricing_rate_id,
        {{ empty_as_null('pricing_currency') }} as pricing_currency,

        -- product: static columns
        {{ empty_as_null('product_servicecode') }} as service_code,
        {{ empty_as_null('product_product_family') }} as product_family,
        {{ empty_as_null('product_sku') }} as sku_id,
        {{ empty_as_null('product_instance_type') }} as instance_type,
        {{ empty_as_null('product_instance_family') }} as instance_family,
        {{ empty_as_null('product_region_code') }} as region_code,
        {{ empty_as_null('product_location') }} as location,
        {{ empty_as_null('product_location_type') }} as location_type,
        {{ empty_as_null('product_from_location') }} as from_location,
        {{ empty_as_null('product_from_region_code') }} as from_region_code,
        {{ empty_as_null('product_to_location') }} as to_location,
        {{ empty_as_null('product_to_region_code') }} as to_region_code,
        {{ empty_as_null('product_usagetype') }} as product_usage_type,
        {{ empty_as_null('product_operation') }} as product_operation,
        {{ empty_as_null('product_pricing_unit') }} as product_pricing_unit,
        {{ empty_as_null('product_fee_code') }} as fee_code,
        {{ empty_as_null('product_fee_description') }} as fee_description,

        -- product: attributes from the product map
        {{ empty_as_null(map_get('product', 'product_name')) }} as product_name,
        {{ empty_as_null(map_get('product', 'region')) }} as product_region,
        {{ empty_as_null(map_get('product', 'operating_system')) }} as operating_system,
        {{ empty_as_null(map_get('product', 'physical_processor')) }} as physical_processor,
        {{ empty_as_null(map_get('product', 'instance_type_family')) }} as instance_type_family,
        {{ dbt.safe_cast(map_get('product', 'vcpu'), 'integer') }} as vcpu_count,
        {{ empty_as_null(map_get('product', 'memory')) }} as memory,
        {{ empty_as_null(map_get('product', 'tenancy')) }} as tenancy,
        {{ empty_as_null(map_get('product', 'current_generation')) }} as current_generation,
        {{ empty_as_null(map_get('product', 'database_engine')) }} as database_engine,
        {{ empty_as_null(map_get('product', 'license_model')) }} as license_model,
        {{ empty_as_null(map_get('product', 'deployment_option')) }} as deployment_option,
        {{ empty_as_null(map_get('product', 'volume_api_name')) }} as volume_api_name,
        {{ empty_as_null(map_get('product', 'volume_type')) }} as volume_type,
        {{ empty_as_null(map_get('product', 'storage_class')) }} as storage_class,

        -- reservations (RI)
        {{ empty_as_null('reservation_reservation_a_r_n') }} as reservation_arn,
        {{ parse_iso8601_timestamp('reservation_start_time') }} as reservation_start_at,
        {{ parse_iso8601_timestamp('reservation_end_time') }} as reservation_end_at,
        {{ empty_as_null('reservation_subscription_id') }} as reservation_subscription_id,
        {{ empty_as_null('reservation_availability_zone') }} as reservation_availability_zone,
        {{ empty_as_null('reservation_modification_status') }} as reservation_modification_status,
        {{ dbt.safe_cast('reservation_number_of_reservations', 'double') }} as reservation_count,
        {{ dbt.safe_cast('reservation_units_per_reservation', 'double') }} as reservation_units_per_reservation,
        {{ dbt.safe_cast('reservation_normalized_units_per_reservation', 'double') }} as reservation_normalized_units_per_reservation,
        {{ dbt.safe_cast('reservation_total_reserved_units', 'double') }} as reservation_total_reserved_units,
        {{ dbt.safe_cast('reservation_total_reserved_normalized_units', 'double') }} as reservation_total_reserved_normalized_units,
        reservation_unused_quantity,
        reservation_unused_normalized_unit_quantity,
        {{ money('reservation_effective_cost') }} as reservation_effective_cost,
        {{ money('reservation_net_effective_cost') }} as reservation_net_effective_cost,
        {{ money('reservation_amortized_upfront_cost_for_usage') }} as reservation_amortized_upfront_cost_for_usage,
        {{ money('reservation_net_amortized_upfront_cost_for_usage') }} as reservation_net_amortized_upfront_cost_for_usage,
        {{ money('reservation_recurring_fee_for_usage') }} as reservation_recurring_fee_for_usage,
        {{ money('reservation_net_recurring_fee_for_usage') }} as reservation_net_recurring_fee_for_usage,
        {{ money('reservation_amortized_upfront_fee_for_billing_period') }} as reservation_amortized_upfront_fee_for_billing_period,
        {{ money('reservation_net_amortized_upfront_fee_for_billing_period') }} as reservation_net_amortized_upfront_fee_for_billing_period,
        {{ money('reservation_unused_amortized_upfront_fee_for_billing_period') }} as reservation_unused_amortized_upfront_fee_for_billing_period,
        {{ money('reservation_net_unused_amortized_upfront_fee_for_billing_period') }} as reservation_net_unused_amortized_upfront_fee_for_billing_period,
        {{ money('reservation_unused_recurring_fee') }} as reservation_unused_recurring_fee,
        {{ money('reservation_net_unused_recurring_fee') }} as reservation_net_unused_recurring_fee,
        {{ money('reservation_upfront_value') }} as reservation_upfront_value,
        {{ money('reservation_net_upfront_value') }} as reservation_net_upfront_value,

        -- savings plans
        {{ empty_as_null('savings_plan_savings_plan_a_r_n') }} as savings_plan_arn,
        {{ empty_as_null('savings_plan_offering_type') }} as savings_plan_offering_type,
        {{ empty_as_null('savings_plan_payment_option') }} as savings_plan_payment_option,
        {{ empty_as_null('savings_plan_purchase_term') }} as savings_plan_purchase_term,
        {{ empty_as_null('savings_plan_region') }} as savings_plan_region,
        {{ empty_as_null('savings_plan_instance_type_family') }} as savings_plan_instance_type_family,
        {{ parse_iso8601_timestamp('savings_plan_start_time') }} as savings_plan_start_at,
        {{ parse_iso8601_timestamp('savings_plan_end_time') }} as savings_plan_end_at,
        cast(savings_plan_savings_plan_rate as decimal(18, 10)) as savings_plan_rate,
        {{ money('savings_plan_savings_plan_effective_cost') }} as savings_plan_effective_cost,
        {{ money('savings_plan_net_savings_plan_effective_cost') }} as savings_plan_net_effective_cost,
        {{ money('savings_plan_total_commitment_to_date') }} as savings_plan_total_commitment_to_date,
        {{ money('savings_plan_used_commitment') }} as savings_plan_used_commitment,
        {{ money('savings_plan_amortized_upfront_commitment_for_billing_period') }} as savings_plan_amortized_upfront_commitment_for_billing_period,
        {{ money('savings_plan_net_amortized_upfront_commitment_for_billing_period') }} as savings_plan_net_amortized_upfront_commitment_for_billing_period,
        {{ money('savings_plan_recurring_commitment_for_billing_period') }} as savings_plan_recurring_commitment_for_billing_period,
        {{ money('savings_plan_net_recurring_commitment_for_billing_period') }} as savings_plan_net_recurring_commitment_for_billing_period,

        -- split cost allocation data (EKS/ECS)
        {{ empty_as_null('split_line_item_parent_resource_id') }} as split_parent_resource_id,
        split_line_item_split_usage as split_usage,
        split_line_item_split_usage_ratio as split_usage_ratio,
        split_line_item_actual_usage as split_actual_usage,
        split_line_item_reserved_usage as split_reserved_usage,
        {{ money('split_line_item_split_cost') }} as split_cost,
        {{ money('split_line_item_net_split_cost') }} as split_net_split_cost,
        {{ money('split_line_item_unused_cost') }} as split_unused_cost,
        {{ money('split_line_item_net_unused_cost') }} as split_net_unused_cost,
        {{ money('split_line_item_public_on_demand_split_cost') }} as split_public_on_demand_split_cost,
        {{ money('split_line_item_public_on_demand_unused_cost') }} as split_public_on_demand_unused_cost,

        -- discounts and tags (maps stay maps; tags become columns in intermediate models)
        discount as discounts,
        {{ money('discount_total_discount') }} as total_discount,
        {{ money('discount_bundled_discount') }} as bundled_discount,
        resource_tags,
        cost_category as cost_categories,
        tags,

        -- simple classification
        coalesce(
            {{ empty_as_null('savings_plan_savings_plan_a_r_n') }},
            {{ empty_as_null('reservation_reservation_a_r_n') }}
        ) as commitment_arn,
        -- CID's purchase option rule (docs/cost_rules.md), the same for every line item type
        case
            when {{ empty_as_null('savings_plan_savings_plan_a_r_n') }} is not null then 'SavingsPlan'
            when {{ empty_as_null('reservation_reservation_a_r_n') }} is not null then 'Reserved'
            when line_item_usage_type like '%Spot%' then 'Spot'
            else 'OnDemand'
        end as purchase_option,
        -- EKS/ECS split-cost child rows repeat their parent EC2 instance's cost
        coalesce(line_item_operation in ('EKSPod-EC2', 'ECSTask-EC2'), false) as is_split_cost_child

    from source

)

select * from renamed
