{#- Value of `key` in a MAP(varchar, varchar) column, NULL when the key is absent.
    DuckDB's subscript returns the value (or NULL); Athena's subscript raises on a missing key
    under standard Trino semantics, so Athena uses element_at. -#}
{% macro map_get(map_column, key) %}
    {{ return(adapter.dispatch('map_get', 'infralyzer')(map_column, key)) }}
{% endmacro %}

{% macro default__map_get(map_column, key) -%}
    element_at({{ map_column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__map_get(map_column, key) -%}
    {{ map_column }}['{{ key }}']
{%- endmacro %}
