{#- Overrides dbt's default__get_where_subquery, the hook that applies a test's `where` config:
    the placeholder `__billing_periods_under_test(<export>[, <period column>])__` becomes the literal
    list of billing periods to test (macros/testing/billing_periods_under_test.sql), so DuckDB prunes the other
    periods' files. Any other `where` works as in dbt. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set placeholder = modules.re.search('__billing_periods_under_test\\((\\w+)(?:,\\s*(\\w+))?\\)__', where) -%}
        {%- if placeholder -%}
            {%- set where = where.replace(placeholder.group(0), infralyzer.billing_periods_under_test(placeholder.group(1), placeholder.group(2) or 'billing_period')) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
