{#- One row per published mart that does not declare how account-scoped API keys read it
    (macros/publish/mart_scopes.sql): an undeclared mart must never be served unscoped. -#}
{%- set problems = infralyzer.mart_scope_problems() if execute else [] %}
select
    undeclared.mart,
    undeclared.problem
from (
    values
    {%- for mart, problem in problems %}
    ({{ infralyzer.sql_string(mart) }}, {{ infralyzer.sql_string(problem) }}){{ "," if not loop.last }}
    {%- else %}
    (cast(null as varchar), cast(null as varchar))
    {%- endfor %}
) as undeclared (mart, problem)
where undeclared.mart is not null
