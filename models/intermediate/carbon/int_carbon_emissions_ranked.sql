{#-
    The carbon export's rows with the rank of their model version within the usage month and
    payer (1 = the latest). AWS restates whole months under a new methodology version, so a
    month can hold rows of several versions that must never be summed together: the emissions
    mart keeps rank 1, the restatements mart compares rank 1 with rank 2. Versions are compared
    as numbers (v10.0.0 is later than v9.1.0), not as text.
-#}
with emissions as (

    select * from {{ ref('stg_carbon_emissions__emissions') }}

),

versioned as (

    select
        {%- for part in ['major', 'minor', 'patch'] %}
        coalesce({{ dbt.safe_cast(dbt.split_part("replace(model_version, 'v', '')", "'.'", loop.index), 'integer') }}, 0)
            as version_{{ part }},
        {%- endfor %}
        emissions.*
    from emissions

),

ranked as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        -- the spend marts' region: a global service (no region in the export) is 'global'
        coalesce(region_code, 'global') as region,
        product_code,
        location,
        model_version,
        dense_rank() over (
            partition by billing_period, payer_account_id
            order by version_major desc, version_minor desc, version_patch desc, model_version desc
        ) as model_version_rank,
        last_refreshed_at,
        total_mbm_emissions_mtco2e,
        total_lbm_emissions_mtco2e,
        scope_1_emissions_mtco2e,
        scope_2_mbm_emissions_mtco2e,
        scope_2_lbm_emissions_mtco2e,
        scope_3_mbm_emissions_mtco2e,
        scope_3_lbm_emissions_mtco2e
    from versioned

)

select * from ranked
