{#-
    Step 4 of the delivery lifecycle (docs/run_order.md).
    Tests on line-item models check only the billing periods whose delivery has not yet passed a
    complete `dbt build`. A period's line items cannot change without a new delivery (its
    manifest's execution id), so re-testing the eleven unchanged months after one re-delivery
    would prove nothing new; it would only make a rebuild cost as much as a full build.

    `landing.verified_deliveries` holds the deliveries of the last build in which every data test
    of the project ran and passed (record_verified_deliveries, on-run-end). Everything is tested
    when that record is empty (a new database), with --full-refresh (a code change that rebuilds
    old periods), with --vars '{test_all_billing_periods: true}', and on Athena.

    A test opts in with the where config `__billing_periods_under_test(<export>)__` (or
    `(<export>, <period column>)` for a model whose period column has another name), which the
    get_where_subquery override (macros/dbt_overrides/) turns into a literal list of periods, so
    DuckDB prunes the other periods' files. Singular tests call the macro directly.
-#}
{% macro billing_periods_under_test(export_type='cur2', period_column='billing_period') %}
    {{ return(adapter.dispatch('billing_periods_under_test', 'infralyzer')(export_type, period_column)) }}
{% endmacro %}

{% macro default__billing_periods_under_test(export_type, period_column) %}
    {{ return('1 = 1') }}
{% endmacro %}

{% macro duckdb__billing_periods_under_test(export_type, period_column) %}
    {%- if not execute or flags.FULL_REFRESH or var('test_all_billing_periods', false) | string | lower == 'true' -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set verified = adapter.get_relation(database=target.database, schema='landing', identifier='verified_deliveries') -%}
    {%- if verified is none -%}
        {#- no build has landed exports in this database yet (e.g. linting a fresh clone) -#}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set query -%}
        select deliveries.billing_period
        from landing.deliveries as deliveries
        left join landing.verified_deliveries as verified
            on deliveries.export_name = verified.export_name
            and deliveries.billing_period = verified.billing_period
            and deliveries.execution_id = verified.execution_id
        where {{ read_as_export_type('deliveries.export_type') }} = '{{ export_type }}' and verified.execution_id is null
        order by 1
    {%- endset -%}
    {{ return(infralyzer.billing_periods_in(period_column, run_query(query).columns[0].values() | list)) }}
{% endmacro %}


{#-
    Step 5 of the delivery lifecycle (docs/run_order.md).
    on-run-end: after a build in which every data test of the project ran and no node failed, the
    current deliveries are recorded as verified. A selective or failed build records nothing, so
    its periods are tested again next time.
-#}
{% macro record_verified_deliveries(results) %}
    {{ return(adapter.dispatch('record_verified_deliveries', 'infralyzer')(results)) }}
{% endmacro %}

{% macro default__record_verified_deliveries(results) %}
    select 1 as nothing_to_record
{% endmacro %}

{% macro duckdb__record_verified_deliveries(results) %}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return('select 1 as nothing_to_record') }}
    {%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.status in ('error', 'fail', 'runtime error', 'skipped') -%}
            {{ return('select 1 as nothing_to_record') }}
        {%- endif -%}
        {%- do passed.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.config.enabled -%}
        {%- if node.unique_id not in passed -%}
            {{ return('select 1 as nothing_to_record') }}
        {%- endif -%}
    {%- endfor -%}
    delete from landing.verified_deliveries;
    insert into landing.verified_deliveries
    select export_name, billing_period, execution_id, current_timestamp as verified_at from landing.deliveries;
{% endmacro %}
