{#- The export (as named in AWS) a source row was delivered by: a column of every export table.
    DuckDB: the landing adds it. Athena: `infralyzer sync` partitions each Glue table by
    (export_name, billing_period), the export being the folder above `data/`. (The row's "$path"
    is no alternative: it is a hidden column, gone after a `select *`, as found on Trino.) -#}
{% macro landed_export_name() -%}
    export_name
{%- endmacro %}


{#- The schema version (source meta version_column, e.g. FOCUS's) of a source row. DuckDB: the
    landing adds it from the columns each export delivered. Athena: a Glue table has one column
    set for all its exports, so the version cannot be told per row: null. -#}
{% macro landed_schema_version(column) %}
    {{ return(adapter.dispatch('landed_schema_version', 'infralyzer')(column)) }}
{% endmacro %}

{% macro default__landed_schema_version(column) -%}
    cast(null as varchar)
{%- endmacro %}

{% macro duckdb__landed_schema_version(column) -%}
    {{ column }}
{%- endmacro %}
