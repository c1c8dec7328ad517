{#-
    Exactly once per billing period: an incremental mart rebuilds whole billing periods, and only
    those whose delivery changed since the mart was built. Each mart row carries the execution id
    of the delivery it was built from (`delivery_execution_id`); a period is rebuilt when the
    export's latest complete delivery has another execution id, or when the mart lacks it.
    Re-delivering a period N times therefore rebuilds it once per build, from its latest delivery.

    Returns a SQL predicate on `billing_period` for the model's where clause.
-#}
{% macro billing_periods_to_rebuild(export_name='cur2') %}
    {%- if not is_incremental() -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- if env_var('INFRALYZER_OFFLINE_COMPILE', '0') == '1' or not execute -%}
        {#- offline compile: the shape of the incremental predicate, without asking the warehouse -#}
        {{ return("billing_period in ('YYYY-MM')") }}
    {%- endif -%}
    {%- set query -%}
        select deliveries.billing_period
        from ({{ latest_deliveries(export_name) }}) as deliveries
        left join (
            select distinct billing_period, delivery_execution_id from {{ this }}
        ) as built
            on deliveries.billing_period = built.billing_period
        where built.delivery_execution_id is null or built.delivery_execution_id != deliveries.execution_id
        order by 1
    {%- endset -%}
    {%- set periods = run_query(query).columns[0].values() | list -%}
    {{ log(this.identifier ~ ": rebuilding billing period(s) " ~ (periods | join(', ') or 'none'), info=true) }}
    {%- if periods -%}
        {{ return("billing_period in ('" ~ periods | join("', '") ~ "')") }}
    {%- else -%}
        {{ return('1 = 0') }}
    {%- endif -%}
{% endmacro %}

{#- Incremental config shared by the billing-period marts: whole periods are replaced. -#}
{% macro billing_period_incremental_strategy() %}
    {{ return(adapter.dispatch('billing_period_incremental_strategy', 'infralyzer')()) }}
{% endmacro %}

{% macro default__billing_period_incremental_strategy() %}
    {{ return('insert_overwrite') }}
{% endmacro %}

{% macro duckdb__billing_period_incremental_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}

{#- Partitioning of the billing-period marts: Athena partitions by billing_period (what
    insert_overwrite replaces); DuckDB tables are not partitioned. -#}
{% macro billing_period_partitioning() %}
    {{ return(adapter.dispatch('billing_period_partitioning', 'infralyzer')()) }}
{% endmacro %}

{% macro default__billing_period_partitioning() %}
    {{ return(['billing_period']) }}
{% endmacro %}

{% macro duckdb__billing_period_partitioning() %}
    {{ return(none) }}
{% endmacro %}

{#- The latest complete delivery of each billing period of an export type (billing_period,
    execution_id, delivered_at): incremental models stamp their rows with it as
    `delivery_execution_id`, which billing_periods_to_rebuild compares on the next build. Several
    deliveries of one period (CUR 2.0 and legacy CUR reports of other payers) count as one, their
    execution ids joined. -#}
{% macro latest_deliveries(export_type='cur2') -%}
    select
        billing_period,
        {{ dbt.listagg('execution_id', "'+'", 'order by execution_id') }} as execution_id,
        max(delivered_at) as delivered_at
    from {{ ref('stg_aws_data_exports__deliveries') }}
    where export_type in ({{ delivery_export_types(export_type) }})
    group by billing_period
{%- endmacro %}

{#- The export types a model of `export_type` reads, as a SQL list: CUR line items come from CUR 2.0
    exports and from legacy CUR reports (macros/sources/land_legacy_cur.sql). -#}
{% macro delivery_export_types(export_type) -%}
    '{{ (['cur2', 'cur1'] if export_type == 'cur2' else [export_type]) | join("', '") }}'
{%- endmacro %}
