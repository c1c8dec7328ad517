{#-
    Exactly once per billing period: an incremental mart rebuilds whole billing periods, and only
    those whose delivery changed since the mart was built. Step 3 of the delivery lifecycle
    (docs/run_order.md). Each mart row carries the id of the delivery it was built from
    (`delivery_execution_id`, from int_billing_period_deliveries, which the model also selects
    from, so the dependency is in the DAG); a period is rebuilt when its delivery has another id,
    or when the mart lacks it. Re-delivering a period N times therefore rebuilds it once per
    build, from its latest delivery.

    Returns a SQL predicate on `billing_period` for the model's where clause.
-#}
{% macro billing_periods_to_rebuild(export_type='cur2') %}
    {%- if not is_incremental() -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- if env_var('INFRALYZER_OFFLINE_COMPILE', '0') == '1' or not execute -%}
        {#- offline compile: the shape of the incremental predicate, without asking the warehouse -#}
        {{ return("billing_period in ('YYYY-MM')") }}
    {%- endif -%}
    {%- set period_column, delivery_column = billing_period_columns(config) -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if delivery_column | lower not in built_columns -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built before it became incremental by billing period (it has no "
            ~ delivery_column ~ "): rebuild it once with `dbt build --full-refresh -s "
            ~ this.identifier ~ "+`") }}
    {%- endif -%}
    {%- set query -%}
        select deliveries.billing_period
        from {{ ref('int_billing_period_deliveries') }} as deliveries
        left join (
            select distinct {{ period_column }} as billing_period, {{ delivery_column }} as delivery_execution_id
            from {{ this }}
        ) as built
            on deliveries.billing_period = built.billing_period
        where
            deliveries.export_type = '{{ export_type }}'
            and (built.delivery_execution_id is null or built.delivery_execution_id != deliveries.execution_id)
        order by 1
    {%- endset -%}
    {%- set periods = run_query(query).columns[0].values() | list -%}
    {{ log(this.identifier ~ ": rebuilding billing period(s) " ~ (periods | join(', ') or 'none'), info=true) }}
    {{ return(billing_periods_in('billing_period', periods)) }}
{% endmacro %}

{#- A predicate selecting the given billing periods, named as literals ('1 = 0' for none): DuckDB
    pushes a literal list into the scan and reads only the row groups that can hold them, where
    `in (subquery)` reads every row of the table, so the cost would grow with the history. -#}
{% macro billing_periods_in(period_column, periods) %}
    {%- if not periods -%}{{ return('1 = 0') }}{%- endif -%}
    {%- set literals = [] -%}
    {%- for period in periods -%}
        {%- do literals.append("'" ~ (period | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ return(period_column ~ " in (" ~ literals | join(', ') ~ ")") }}
{% endmacro %}

{#- The columns a billing-period model keeps its period and delivery in: billing_period and
    delivery_execution_id unless its config names others (`billing_period_column`,
    `delivery_column`: the FOCUS mart's x_BillingPeriod, x_DeliveryExecutionId). Read by the
    periods to rebuild, the replace strategy and the publish, from a model's `config` or a graph
    node's. -#}
{% macro billing_period_columns(model_config) %}
    {{ return((model_config.get('billing_period_column', 'billing_period'),
               model_config.get('delivery_column', 'delivery_execution_id'))) }}
{% endmacro %}

{#- Incremental config shared by the billing-period marts: whole periods are replaced. -#}
{% macro billing_period_incremental_strategy() %}
    {{ return(adapter.dispatch('billing_period_incremental_strategy', 'infralyzer')()) }}
{% endmacro %}

{% macro default__billing_period_incremental_strategy() %}
    {{ return('insert_overwrite') }}
{% endmacro %}

{% macro duckdb__billing_period_incremental_strategy() %}
    {{ return('billing_period_replace') }}
{% endmacro %}

{#- DuckDB's strategy: delete+insert by billing period, and also delete the rows of every period
    whose delivery is no longer the latest (their delivery_execution_id is not the period's
    current one in int_billing_period_deliveries) or that is no longer delivered at all. A
    re-delivery whose new rows lack a period (an empty delivery: the landing refuses it, see
    land_exports.sql) therefore never leaves the old delivery's rows behind. -#}
{% macro get_incremental_billing_period_replace_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set period_column, delivery_column = billing_period_columns(config) -%}
    delete from {{ target }}
    where
        {{ period_column }} in (select {{ period_column }} from {{ arg_dict['temp_relation'] }})
        or not exists (
            select 1
            from {{ ref('int_billing_period_deliveries') }} as deliveries
            where
                deliveries.billing_period = {{ target }}.{{ period_column }}
                and deliveries.execution_id = {{ target }}.{{ delivery_column }}
        );
    {{ get_incremental_append_sql(arg_dict) }}
{% endmacro %}

{#- dbt-trino has no insert_overwrite: the project's own strategy (below) does the same there. -#}
{% macro trino__billing_period_incremental_strategy() %}
    {{ return('partition_overwrite') }}
{% endmacro %}

{#- Athena's insert_overwrite on Trino's Hive connector: an insert replaces the partitions it
    writes when the session says OVERWRITE. Set on this model's connection only (dbt-trino opens
    one per model): under OVERWRITE an insert into an unpartitioned table, such as a seed, fails. -#}
{% macro get_incremental_partition_overwrite_sql(arg_dict) %}
    {%- do run_query("set session " ~ target.database ~ ".insert_existing_partitions_behavior = 'OVERWRITE'") -%}
    {{ return(get_incremental_append_sql(arg_dict)) }}
{% endmacro %}

{#- Partitioning of the billing-period marts: Athena partitions by billing_period (what
    insert_overwrite replaces); DuckDB tables are not partitioned. -#}
{% macro billing_period_partitioning(column='billing_period') %}
    {{ return(adapter.dispatch('billing_period_partitioning', 'infralyzer')(column)) }}
{% endmacro %}

{% macro default__billing_period_partitioning(column) %}
    {{ return([column]) }}
{% endmacro %}

{% macro duckdb__billing_period_partitioning(column) %}
    {{ return(none) }}
{% endmacro %}
