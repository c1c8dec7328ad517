{#-
    Carbon next to cost (docs/carbon.md): one row per billing period (usage month), payer, usage
    account, region and product code that has emissions or spend. Emissions are the latest model
    version of the month only; the effective cost, vCPU-hours and storage GB-months come from
    int_carbon_spend_by_service. A month the carbon export has not delivered carries null
    emissions and says so in carbon_status, never zero. In a delivered month, spend without an
    emissions row (support, Savings Plan fees, credits) has a footprint of 0.
-#}
{%- set emission_columns = carbon_emission_columns() -%}
with ranked_emissions as (

    select * from {{ ref('int_carbon_emissions_ranked') }}

),

spend as (

    select * from {{ ref('int_carbon_spend_by_service') }}

),

deliveries as (

    select * from {{ ref('int_billing_period_deliveries') }}

),

latest_emissions as (

    select * from ranked_emissions
    where model_version_rank = 1

),

-- months whose latest version replaced an earlier one
restated_months as (

    select distinct
        billing_period,
        payer_account_id
    from ranked_emissions
    where model_version_rank = 2

),

carbon_months as (

    select billing_period
    from deliveries
    where export_type = 'carbon'

),

newest_carbon_month as (

    select max(billing_period) as billing_period
    from carbon_months

),

joined as (

    select
        coalesce(latest_emissions.billing_period, spend.billing_period) as billing_period,
        coalesce(latest_emissions.payer_account_id, spend.payer_account_id) as payer_account_id,
        coalesce(latest_emissions.usage_account_id, spend.usage_account_id) as usage_account_id,
        coalesce(latest_emissions.region, spend.region) as region,
        coalesce(latest_emissions.product_code, spend.product_code) as product_code,
        latest_emissions.location,
        latest_emissions.model_version,
        {%- for column in emission_columns %}
        latest_emissions.{{ column }},
        {%- endfor %}
        coalesce(spend.effective_cost, 0) as effective_cost,
        coalesce(spend.vcpu_hours, 0) as vcpu_hours,
        coalesce(spend.storage_gb_month, 0) as storage_gb_month
    from latest_emissions
    full outer join spend
        on
            latest_emissions.billing_period = spend.billing_period
            and latest_emissions.payer_account_id = spend.payer_account_id
            and latest_emissions.usage_account_id = spend.usage_account_id
            and latest_emissions.region = spend.region
            and latest_emissions.product_code = spend.product_code

),

with_status as (

    select
        joined.*,
        case
            when carbon_months.billing_period is not null then 'delivered'
            when
                newest_carbon_month.billing_period is null
                or joined.billing_period > newest_carbon_month.billing_period
                then 'not_yet_delivered'
            else 'not_delivered'
        end as carbon_status,
        restated_months.billing_period is not null as is_restated
    from joined
    left join carbon_months
        on joined.billing_period = carbon_months.billing_period
    cross join newest_carbon_month
    left join restated_months
        on
            joined.billing_period = restated_months.billing_period
            and joined.payer_account_id = restated_months.payer_account_id

),

final as (

    select
        cast(billing_period as varchar) as billing_period,
        cast(billing_period || '-01' as date) as billing_period_start_date,
        cast(payer_account_id as varchar) as payer_account_id,
        cast(usage_account_id as varchar) as usage_account_id,
        cast(region as varchar) as region,
        cast(product_code as varchar) as product_code,
        cast(location as varchar) as location,
        cast(carbon_status as varchar) as carbon_status,
        cast(model_version as varchar) as model_version,
        is_restated,
        -- emissions are null until the month is delivered: unknown, not zero
        {%- for column in emission_columns %}
        cast(case when carbon_status = 'delivered' then coalesce({{ column }}, 0) end as double) as {{ column }},
        {%- endfor %}
        cast(effective_cost as decimal(38, 8)) as effective_cost,
        cast(vcpu_hours as double) as vcpu_hours,
        cast(storage_gb_month as double) as storage_gb_month
    from with_status

),

ratios as (

    select
        *,
        -- per dollar only where the service cost something (credits and refunds are negative)
        case
            when effective_cost > 0 then {{ ratio('total_mbm_emissions_mtco2e', 'effective_cost') }}
        end as mbm_mtco2e_per_effective_cost,
        {{ ratio('total_mbm_emissions_mtco2e', 'vcpu_hours') }} as mbm_mtco2e_per_vcpu_hour,
        {{ ratio('total_mbm_emissions_mtco2e', 'storage_gb_month') }} as mbm_mtco2e_per_gb_month,
        case
            when effective_cost > 0 then {{ ratio('total_lbm_emissions_mtco2e', 'effective_cost') }}
        end as lbm_mtco2e_per_effective_cost,
        {{ ratio('total_lbm_emissions_mtco2e', 'vcpu_hours') }} as lbm_mtco2e_per_vcpu_hour,
        {{ ratio('total_lbm_emissions_mtco2e', 'storage_gb_month') }} as lbm_mtco2e_per_gb_month
    from final

)

select * from ratios
