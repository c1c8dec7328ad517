{#- Overrides dbt-trino's trino__create_table_as for the Hive connector, which builds the models on
    Trino as Athena (dbt-athena) would:
      * the billing-period marts are partitioned by the Athena config `partitioned_by`
        (billing_period_partitioning), which dbt-trino ignores (it reads `properties`);
      * an enforced contract is asserted at compile time, then the table is created as the
        model's select, in the model's column order (the partition column last), as dbt-athena
        does: Hive has no NOT NULL columns (dbt-trino's create-then-insert fails on them), and
        the not_null data tests check them. -#}
{% macro trino__create_table_as(temporary, relation, sql, on_exists=None) -%}
    {%- if config.get('contract').enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif -%}
    {%- set partitioned_by = none if temporary else config.get('partitioned_by') -%}
    create{{ ' or replace' if on_exists == 'replace' }} table{{ ' if not exists' if on_exists == 'skip' }} {{ relation }}
    {%- if partitioned_by %}
    with (partitioned_by = array['{{ partitioned_by | join("', '") }}'])
    {%- endif %}
    as (
        {{ sql }}
    )
{%- endmacro %}
