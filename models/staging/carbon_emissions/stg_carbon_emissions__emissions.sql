{#-
    One row per usage period, model version, usage account, region and service of the carbon
    emissions export, in metric tonnes of CO2-equivalent (MTCO2e). Restated periods carry several
    model versions: never sum across them (the latest version is picked downstream).
-#}
with source as (

    select * from {{ source('carbon_emissions', 'carbon') }}

),

renamed as (

    select
        cast(billing_period as varchar) as billing_period,
        -- the export (as named in AWS) the row was delivered by
        {{ landed_export_name() }} as export_name,
        cast(usage_period_start as date) as usage_period_start_date,
        cast(usage_period_end as date) as usage_period_end_date,
        model_version,
        {{ to_utc_timestamp('last_refresh_timestamp') }} as last_refreshed_at,
        cast(payer_account_id as varchar) as payer_account_id,
        cast(usage_account_id as varchar) as usage_account_id,
        {{ empty_as_null('product_code') }} as product_code,
        {{ empty_as_null('region_code') }} as region_code,
        {{ empty_as_null('location') }} as location,
        total_mbm_emissions_value as total_mbm_emissions_mtco2e,
        total_lbm_emissions_value as total_lbm_emissions_mtco2e,
        total_scope_1_emissions_value as scope_1_emissions_mtco2e,
        total_scope_2_mbm_emissions_value as scope_2_mbm_emissions_mtco2e,
        total_scope_2_lbm_emissions_value as scope_2_lbm_emissions_mtco2e,
        total_scope_3_mbm_emissions_value as scope_3_mbm_emissions_mtco2e,
        total_scope_3_lbm_emissions_value as scope_3_lbm_emissions_mtco2e,
        total_mbm_emissions_unit as emissions_unit

    from source

)

select * from renamed
