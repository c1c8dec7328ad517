{#- The export (as named in AWS) a source row was delivered by. DuckDB: the landing adds the
    column. Athena: the Glue tables read the S3 layout in place, so the export is the folder above
    `data/` in the row's object path. -#}
{% macro landed_export_name() %}
    {{ return(adapter.dispatch('landed_export_name', 'infralyzer')()) }}
{% endmacro %}

{% macro default__landed_export_name() -%}
    regexp_extract("$path", '([^/]+)/data/BILLING_PERIOD=', 1)
{%- endmacro %}

{% macro duckdb__landed_export_name() -%}
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
