{#- The p-quantile (0..1) of a numeric column: exact on DuckDB, approximate on Athena. -#}
{% macro quantile(column, fraction) %}
    {{ return(adapter.dispatch('quantile', 'infralyzer')(column, fraction)) }}
{% endmacro %}

{% macro default__quantile(column, fraction) -%}
    approx_percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro duckdb__quantile(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}
