{#- One row per published mart that does not declare how account-scoped API keys read it
    (macros/publish/mart_scopes.sql): an undeclared mart must never be served unscoped. -#}
{%- set problems = infralyzer.mart_scope_problems() if execute else [] -%}
{%- if problems %}
    select
        mart,
        problem
    from (
        values
        {%- for mart, problem in problems %}
            ({{ infralyzer.sql_string(mart) }}, {{ infralyzer.sql_string(problem) }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as undeclared (mart, problem)
{%- else %}
    select
        cast(null as varchar) as mart,
        cast(null as varchar) as problem
    where 1 = 0
{%- endif %}
