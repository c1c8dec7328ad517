{#- fct_carbon_restatements adds up, per restated month and payer: its latest-version emissions
    equal fct_carbon_emissions', its previous-version emissions equal the staged rows of its
    previous_model_version, and every change is latest - previous (1e-6 MTCO2e). A month with two
    staged model versions and no restatement rows fails too. -#}
{%- set emission_columns = carbon_emission_columns() -%}
with restatements as (

    select * from {{ ref('fct_carbon_restatements') }}

),

staged as (

    select * from {{ ref('stg_carbon_emissions__emissions') }}

),

restated_staged_months as (

    select
        billing_period,
        payer_account_id
    from staged
    group by billing_period, payer_account_id
    having count(distinct model_version) > 1

),

restatement_totals as (

    select
        billing_period,
        payer_account_id,
        previous_model_version,
        {%- for column in emission_columns %}
        sum(previous_{{ column }}) as previous_{{ column }},
        sum({{ column }}) as {{ column }},
        sum({{ column | replace('_mtco2e', '') }}_change_mtco2e) as {{ column }}_change,
        {%- endfor %}
        count(*) as row_count
    from restatements
    group by billing_period, payer_account_id, previous_model_version

),

previous_staged as (

    select
        {%- for column in emission_columns %}
        sum(staged.{{ column }}) as {{ column }},
        {%- endfor %}
        staged.billing_period,
        staged.payer_account_id
    from staged
    inner join restatement_totals
        on
            staged.billing_period = restatement_totals.billing_period
            and staged.payer_account_id = restatement_totals.payer_account_id
            and staged.model_version = restatement_totals.previous_model_version
    group by staged.billing_period, staged.payer_account_id

),

latest_mart as (

    select
        {%- for column in emission_columns %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        billing_period,
        payer_account_id
    from {{ ref('fct_carbon_emissions') }}
    group by billing_period, payer_account_id

)

select coalesce(restated_staged_months.billing_period, restatement_totals.billing_period) as billing_period
from restated_staged_months
full outer join restatement_totals
    on
        restated_staged_months.billing_period = restatement_totals.billing_period
        and restated_staged_months.payer_account_id = restatement_totals.payer_account_id
left join previous_staged
    on
        restatement_totals.billing_period = previous_staged.billing_period
        and restatement_totals.payer_account_id = previous_staged.payer_account_id
left join latest_mart
    on
        restatement_totals.billing_period = latest_mart.billing_period
        and restatement_totals.payer_account_id = latest_mart.payer_account_id
where
    restated_staged_months.billing_period is null
    or restatement_totals.billing_period is null
    {%- for column in emission_columns %}
    or abs(restatement_totals.previous_{{ column }} - coalesce(previous_staged.{{ column }}, 0)) >= 0.000001
    or abs(restatement_totals.{{ column }} - coalesce(latest_mart.{{ column }}, 0)) >= 0.000001
    or abs(restatement_totals.{{ column }}_change - restatement_totals.{{ column }} + restatement_totals.previous_{{ column }}) >= 0.000001
    {%- endfor %}
