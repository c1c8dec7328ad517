{#-
    How much a restatement changed the footprint (docs/carbon.md): for every month and payer whose
    carbon export holds more than one model version, one row per usage account, region and
    product code with the previous version's emissions, the latest version's and the change
    (latest - previous). A row that only one of the two versions has counts as 0 in the other.
-#}
{%- set emission_columns = carbon_emission_columns() -%}
with ranked_emissions as (

    select * from {{ ref('int_carbon_emissions_ranked') }}

),

latest as (

    select * from ranked_emissions
    where model_version_rank = 1

),

previous as (

    select * from ranked_emissions
    where model_version_rank = 2

),

-- the two versions of each restated month
version_pairs as (

    select distinct
        latest.billing_period,
        latest.payer_account_id,
        latest.model_version,
        previous.model_version as previous_model_version
    from latest
    inner join previous
        on
            latest.billing_period = previous.billing_period
            and latest.payer_account_id = previous.payer_account_id

),

latest_of_restated_months as (

    select latest.*
    from latest
    inner join version_pairs
        on
            latest.billing_period = version_pairs.billing_period
            and latest.payer_account_id = version_pairs.payer_account_id

),

compared as (

    select
        {%- for column in emission_columns %}
        coalesce(previous.{{ column }}, 0) as previous_{{ column }},
        coalesce(latest.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(latest.billing_period, previous.billing_period) as billing_period,
        coalesce(latest.payer_account_id, previous.payer_account_id) as payer_account_id,
        coalesce(latest.usage_account_id, previous.usage_account_id) as usage_account_id,
        coalesce(latest.region, previous.region) as region,
        coalesce(latest.product_code, previous.product_code) as product_code
    from latest_of_restated_months as latest
    full outer join previous
        on
            latest.billing_period = previous.billing_period
            and latest.payer_account_id = previous.payer_account_id
            and latest.usage_account_id = previous.usage_account_id
            and latest.region = previous.region
            and latest.product_code = previous.product_code

),

final as (

    select
        cast(compared.billing_period as varchar) as billing_period,
        cast(compared.billing_period || '-01' as date) as billing_period_start_date,
        cast(compared.payer_account_id as varchar) as payer_account_id,
        cast(compared.usage_account_id as varchar) as usage_account_id,
        cast(compared.region as varchar) as region,
        cast(compared.product_code as varchar) as product_code,
        {%- for column in emission_columns %}
        cast(compared.previous_{{ column }} as double) as previous_{{ column }},
        cast(compared.{{ column }} as double) as {{ column }},
        cast(compared.{{ column }} - compared.previous_{{ column }} as double)
            as {{ column | replace('_mtco2e', '') }}_change_mtco2e,
        {%- endfor %}
        cast(version_pairs.previous_model_version as varchar) as previous_model_version,
        cast(version_pairs.model_version as varchar) as model_version
    from compared
    inner join version_pairs
        on
            compared.billing_period = version_pairs.billing_period
            and compared.payer_account_id = version_pairs.payer_account_id

)

select * from final
