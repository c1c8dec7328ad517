{#-
    Generations of the incremental marts, what lets a publish start from the served snapshot
    (publish_snapshot.sql) instead of copying every row again.

    Within one table, an incremental mart writes the rows of a (billing period, delivery) pair
    once: a period is replaced only when its delivery changes (billing_periods_to_rebuild.sql).
    So where the served snapshot and the build hold the same pair, they hold the same rows, as
    long as the table was not built whole in between (a full refresh, a dropped table, a new build
    database), which could have changed the rows of every pair. Each time an incremental mart is
    built whole it gets a new generation (a UUID in landing.table_generations, recorded before the
    build: a build that then fails only costs the next publish its shortcut); a snapshot records the
    generation of each table it copied (main.table_generations), and the next publish reuses a
    table's pairs only when the generations match.
-#}
{% macro create_table_generations() %}
    {#- on-run-start, before the models' pre-hooks, which run on several threads at once -#}
    {%- if target.type != 'duckdb' -%}{{ return('select 1 as no_snapshots_to_publish') }}{%- endif -%}
    create schema if not exists landing;
    create table if not exists landing.table_generations (table_name varchar, generation varchar, recorded_at timestamp)
{% endmacro %}


{% macro record_table_generation() %}
    {%- if execute and target.type == 'duckdb' and config.get('materialized') == 'incremental' and not is_incremental() -%}
        delete from landing.table_generations where table_name = '{{ this.identifier }}';
        insert into landing.table_generations values ('{{ this.identifier }}', cast(uuid() as varchar), current_timestamp)
    {%- endif -%}
{% endmacro %}


{#- The generation of each incremental mart in the build database: {table name: generation}
    (the table is created on-run-start, before any publish). -#}
{% macro table_generations() %}
    {{ return(infralyzer.query_as_dict("select table_name, generation from landing.table_generations")) }}
{% endmacro %}
