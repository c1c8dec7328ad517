{#- fct_carbon_emissions equals the staged carbon export, latest model version only, per month
    and payer: every emissions measure (to 1e-6 MTCO2e), with the latest version found here
    independently (the one AWS refreshed last); and its effective cost equals the monthly spend to
    the cent. A delivered month missing from the mart, or a month with emissions that was not
    delivered, fails too. -#}
{%- set emission_columns = carbon_emission_columns() -%}
with staged as (

    select * from {{ ref('stg_carbon_emissions__emissions') }}

),

refreshed_last as (

    select
        billing_period,
        payer_account_id,
        max(last_refreshed_at) as last_refreshed_at
    from staged
    group by billing_period, payer_account_id

),

latest_version as (

    select distinct
        staged.billing_period,
        staged.payer_account_id,
        staged.model_version
    from staged
    inner join refreshed_last
        on
            staged.billing_period = refreshed_last.billing_period
            and staged.payer_account_id = refreshed_last.payer_account_id
            and staged.last_refreshed_at = refreshed_last.last_refreshed_at

),

staged_totals as (

    select
        {%- for column in emission_columns %}
        sum(staged.{{ column }}) as {{ column }},
        {%- endfor %}
        staged.billing_period,
        staged.payer_account_id
    from staged
    inner join latest_version
        on
            staged.billing_period = latest_version.billing_period
            and staged.payer_account_id = latest_version.payer_account_id
            and staged.model_version = latest_version.model_version
    group by staged.billing_period, staged.payer_account_id

),

mart_totals as (

    select
        billing_period,
        payer_account_id,
        {%- for column in emission_columns %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        count({{ emission_columns[0] }}) as rows_with_emissions
    from {{ ref('fct_carbon_emissions') }}
    group by billing_period, payer_account_id

),

emission_mismatches as (

    select
        coalesce(staged_totals.billing_period, mart_totals.billing_period) as billing_period,
        'emissions' as check_name
    from staged_totals
    full outer join mart_totals
        on
            staged_totals.billing_period = mart_totals.billing_period
            and staged_totals.payer_account_id = mart_totals.payer_account_id
    where
        -- a month with emissions in the mart must be staged, and the other way round
        (staged_totals.billing_period is null and mart_totals.rows_with_emissions > 0)
        or mart_totals.billing_period is null
        {%- for column in emission_columns %}
        or abs(coalesce(staged_totals.{{ column }}, 0) - coalesce(mart_totals.{{ column }}, 0)) >= 0.000001
        {%- endfor %}

),

spend_totals as (

    select
        billing_period,
        sum(amortized_cost) as effective_cost
    from {{ ref('int_spend_by_billing_period') }}
    group by billing_period

),

mart_cost as (

    select
        billing_period,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_carbon_emissions') }}
    group by billing_period

),

cost_mismatches as (

    select
        coalesce(spend_totals.billing_period, mart_cost.billing_period) as billing_period,
        'effective_cost' as check_name
    from spend_totals
    full outer join mart_cost
        on spend_totals.billing_period = mart_cost.billing_period
    where
        abs(coalesce(spend_totals.effective_cost, 0) - coalesce(mart_cost.effective_cost, 0)) >= 0.005

)

select * from emission_mismatches
union all
select * from cost_mismatches
