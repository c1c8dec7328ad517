{#-
    How an account-scoped API key may read each published mart. Each mart's YAML declares it in
    `config.meta` (nothing is guessed from column names); the snapshot carries it
    (`main.table_meta`) and the API applies it to every table reference (infralyzer.api.scope):

      meta: {scope: accounts, account_column: <column>}   rows belong to accounts: a scoped key
                                                          reads the rows of its accounts only
      meta: {scope: reference}      no spend (services, regions, calendars): every key reads it
      meta: {scope: organisation}   organisation-wide (e.g. chargeback by team, a payer's
                                    invoice): a scoped key cannot read it; an optional
                                    account_column is what the `account` filter of unscoped
                                    keys filters on

    `mart_scope_problems()` lists the published marts whose declaration is missing or wrong; the
    data test tests/marts/assert_published_marts_declare_their_scope.sql fails the build on them,
    and publish_snapshot refuses to publish them (a `dbt run` runs no tests).
-#}
{% macro mart_scope_problems() %}
    {%- set problems = [] -%}
    {%- for node in infralyzer.published_marts() -%}
        {%- set meta = node.config.get('meta') or {} -%}
        {%- set scope = meta.get('scope') -%}
        {%- set account_column = meta.get('account_column') -%}
        {%- if scope not in ('accounts', 'reference', 'organisation') -%}
            {%- do problems.append((node.alias, "config.meta.scope is " ~ (scope or 'missing')
                ~ ": declare accounts (with account_column), reference or organisation")) -%}
        {%- elif scope == 'accounts' and account_column not in node.columns -%}
            {%- do problems.append((node.alias, "scope accounts needs config.meta.account_column naming one of "
                ~ "the mart's columns (got " ~ (account_column or 'none') ~ ")")) -%}
        {%- elif scope == 'reference' and account_column -%}
            {%- do problems.append((node.alias, "config.meta.account_column is not for scope reference")) -%}
        {%- elif scope == 'organisation' and account_column and account_column not in node.columns -%}
            {%- do problems.append((node.alias, "config.meta.account_column must name one of the mart's columns")) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}
