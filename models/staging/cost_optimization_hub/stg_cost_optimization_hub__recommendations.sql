{#-
    One row per Cost Optimization Hub recommendation in a delivered snapshot (billing period).
    All overlapping and alternative recommendations are kept, as the export delivers them with
    INCLUDE_ALL_RECOMMENDATIONS = TRUE; de-duplication is intermediate logic.
-#}
with source as (

    select * from {{ source('cost_optimization_hub', 'coh') }}

),

renamed as (

    select
        cast(billing_period as varchar) as billing_period,
        -- the export (as named in AWS) the row was delivered by
        {{ landed_export_name() }} as export_name,
        recommendation_id,
        cast(account_id as varchar) as account_id,
        {{ empty_as_null('region') }} as region,
        {{ empty_as_null('resource_arn') }} as resource_arn,
        {{ empty_as_null('action_type') }} as action_type,
        {{ empty_as_null('current_resource_type') }} as current_resource_type,
        {{ empty_as_null('recommended_resource_type') }} as recommended_resource_type,
        {{ empty_as_null('current_resource_summary') }} as current_resource_summary,
        {{ empty_as_null('recommended_resource_summary') }} as recommended_resource_summary,
        current_resource_details,
        recommended_resource_details,
        {{ empty_as_null('recommendation_source') }} as recommendation_source,
        recommendation_lookback_period_in_days as lookback_period_days,
        {{ empty_as_null('implementation_effort') }} as implementation_effort,
        restart_needed as is_restart_needed,
        rollback_possible as is_rollback_possible,
        currency_code,
        {{ to_utc_timestamp(parse_iso8601_timestamp('last_refresh_timestamp')) }} as last_refreshed_at,
        {{ money('estimated_monthly_cost_before_discount') }} as estimated_monthly_cost_before_discount,
        {{ money('estimated_monthly_cost_after_discount') }} as estimated_monthly_cost_after_discount,
        {{ money('estimated_monthly_savings_before_discount') }} as estimated_monthly_savings_before_discount,
        {{ money('estimated_monthly_savings_after_discount') }} as estimated_monthly_savings_after_discount,
        estimated_savings_percentage_before_discount,
        estimated_savings_percentage_after_discount,
        tags,
        -- CORA's taxonomy (docs/cost_rules.md): buying commitments changes the rate, not the usage
        case
            when action_type in ('PurchaseSavingsPlans', 'PurchaseReservedInstances') then 'Rate Optimization'
            else 'Usage Optimization'
        end as saving_type

    from source

)

select * from renamed
