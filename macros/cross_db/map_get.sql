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

{#- What to group by when rows are grouped by a map column (select any_value of the map beside):
    DuckDB groups faster by the map's hash than by the map (half the time at 12 M rows); Trino
    compares maps directly. -#}
{% macro map_group_key(map_column) %}
    {{ return(adapter.dispatch('map_group_key', 'infralyzer')(map_column)) }}
{% endmacro %}

{% macro default__map_group_key(map_column) -%}
    {{ map_column }}
{%- endmacro %}

{% macro duckdb__map_group_key(map_column) -%}
    hash({{ map_column }})
{%- endmacro %}

{#- The map with `prefix` removed from the start of its keys (CUR 2.0 writes user tags as
    `user_<key>`; FOCUS's Tags carry user tags unprefixed). Trino and Athena have transform_keys;
    DuckDB rebuilds the map from its entries. -#}
{% macro map_strip_key_prefix(map_column, prefix) %}
    {{ return(adapter.dispatch('map_strip_key_prefix', 'infralyzer')(map_column, prefix)) }}
{% endmacro %}

{% macro default__map_strip_key_prefix(map_column, prefix) -%}
    transform_keys({{ map_column }}, (k, v) -> regexp_replace(k, '^{{ prefix }}', ''))
{%- endmacro %}

{% macro duckdb__map_strip_key_prefix(map_column, prefix) -%}
    map_from_entries(list_transform(
        map_entries({{ map_column }}),
        e -> struct_pack(key := regexp_replace(e.key, '^{{ prefix }}', ''), value := e.value)
    ))
{%- endmacro %}
