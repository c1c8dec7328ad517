{#- A relation with one row per integer 0 .. n - 1, column `n`: hour offsets for spreading a daily
    or monthly CUR line over its hours. -#}
{% macro integer_series(count) %}
    {{ return(adapter.dispatch('integer_series', 'infralyzer')(count)) }}
{% endmacro %}

{% macro default__integer_series(count) -%}
    select n
    from unnest(sequence(0, {{ count - 1 }})) as offsets (n)
{%- endmacro %}

{% macro duckdb__integer_series(count) -%}
    select cast(range as integer) as n
    from range(0, {{ count }})
{%- endmacro %}
