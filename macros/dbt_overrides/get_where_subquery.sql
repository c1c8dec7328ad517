{#- Override of dbt's built-in get_where_subquery (the hook applying a test's `where` config),
    extended with the placeholder `__billing_periods_under_test(<export type>)__`, which it
    replaces by the periods under test (macros/testing/billing_periods_under_test.sql). -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set placeholder = modules.re.search('__billing_periods_under_test\\((\\w+)\\)__', where) -%}
        {%- if placeholder -%}
            {%- set where = where.replace(placeholder.group(0), infralyzer.billing_periods_under_test(placeholder.group(1))) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
