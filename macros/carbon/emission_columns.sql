{#- The emissions measures of the carbon export as the carbon models name them (MTCO2e): the two
    totals, then scope 1, 2 and 3 (scopes 2 and 3 by both methods). -#}
{% macro carbon_emission_columns() -%}
    {{ return([
        'total_mbm_emissions_mtco2e', 'total_lbm_emissions_mtco2e', 'scope_1_emissions_mtco2e',
        'scope_2_mbm_emissions_mtco2e', 'scope_2_lbm_emissions_mtco2e',
        'scope_3_mbm_emissions_mtco2e', 'scope_3_lbm_emissions_mtco2e',
    ]) }}
{%- endmacro %}
