{#- Custom schemas are used as named (staging, intermediate, marts, reference), optionally
    prefixed by INFRALYZER_SCHEMA_PREFIX, e.g. to keep several projects apart in one Glue
    catalog. dbt's default would prefix the target schema ("main_marts"), which makes the names
    readers see depend on the profile. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('INFRALYZER_SCHEMA_PREFIX', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
