{#- Value of `key` in a MAP(varchar, varchar) column, NULL when the key is absent. map_get takes a
    literal key; map_value a key that is an expression (e.g. a column holding keys read from a seed).
    DuckDB's subscript returns the value (or NULL); Athena's subscript raises on a missing key
    under standard Trino semantics, so Athena uses element_at. -#}
{% macro map_get(map_column, key) %}
    {{ return(map_value(map_column, "'" ~ key ~ "'")) }}
{% endmacro %}

{% macro map_value(map_column, key_expression) %}
    {{ return(adapter.dispatch('map_value', 'infralyzer')(map_column, key_expression)) }}
{% endmacro %}

{% macro default__map_value(map_column, key_expression) -%}
    element_at({{ map_column }}, {{ key_expression }})
{%- endmacro %}

{% macro duckdb__map_value(map_column, key_expression) -%}
    {{ map_column }}[{{ key_expression }}]
{%- endmacro %}
