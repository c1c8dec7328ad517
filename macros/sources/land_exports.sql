{#-
    Lands the AWS Data Exports for the sources (on-run-start).

    DuckDB reads the export folder directly. For every source table with `meta.export`, this
    macro reads the manifests (<exports>/<export>/metadata/BILLING_PERIOD=*/<export>-Manifest.json),
    which AWS writes only after every data file of a delivery is in place, and (re)creates
    `landing.<export>` as a view over exactly the files the manifests list. So:
      * a billing period without a manifest (half-delivered) is not read at all;
      * a re-delivered period is read once, from its latest complete delivery;
      * a manifest naming a missing file, a file that is not valid Parquet, or a file missing a
        column the source declares stops the run with an error naming the file.
    It also records each delivery in `landing.deliveries` (one row per export and period).

    On Athena the exports are Glue tables crawled over the same S3 layout, so there is nothing
    to land.
-#}
{% macro land_exports() %}
    {{ return(adapter.dispatch('land_exports', 'infralyzer')()) }}
{% endmacro %}

{% macro default__land_exports() %}
    select 1 as exports_are_glue_tables
{% endmacro %}

{% macro duckdb__land_exports() %}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set exports_dir = var('exports_dir', env_var('INFRALYZER_EXPORTS_DIR', 'data/exports')).rstrip('/') -%}
    {%- set delivery_selects = [] -%}
    {%- do run_query('create schema if not exists landing') -%}
    {#- kept across builds: the deliveries whose line items passed every test (macros/testing/) -#}
    {%- do run_query('create table if not exists landing.verified_deliveries (export_name varchar, billing_period varchar, '
                     ~ 'execution_id varchar, verified_at timestamp with time zone)') -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') if source.meta.get('export') -%}
        {%- set export = source.meta['export'] -%}
        {%- set deliveries = infralyzer.read_export_manifests(exports_dir, export) -%}
        {%- set files = [] -%}
        {%- for delivery in deliveries -%}
            {%- do files.extend(delivery['files']) -%}
            {%- do delivery_selects.append(infralyzer.delivery_row(export, source.meta['export_type'], delivery['billing_period'],
                                                                   delivery['execution_id'], delivery['created_at'], delivery['files'])) -%}
        {%- endfor -%}
        {%- if files -%}
            {%- do infralyzer.check_export_files(export, files, source.columns.keys() | list) -%}
            {%- set relation_sql -%}
                select *
                from read_parquet(
                    [{%- for f in files %}'{{ f }}'{{ ',' if not loop.last }}{% endfor -%}],
                    hive_partitioning = true,
                    union_by_name = true
                )
            {%- endset -%}
        {%- else -%}
            {#- No delivery yet: an empty relation with the declared columns, so models still build. -#}
            {%- set relation_sql = infralyzer.empty_export_relation(source.columns.values()) -%}
            {{ log("No complete delivery of the '" ~ export ~ "' export under " ~ exports_dir ~ "; its source is empty.", info=true) }}
        {%- endif -%}
        {%- do run_query('create or replace view landing.' ~ source.identifier ~ ' as ' ~ relation_sql) -%}
    {%- endfor -%}
    {#- legacy CUR reports (macros/sources/land_legacy_cur.sql), after the CUR 2.0 view they defer to -#}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') if source.meta.get('export_type') == 'cur1' -%}
        {%- set cur2_source = graph.sources['source.infralyzer.' ~ source.meta['landed_as']] -%}
        {%- for delivery in infralyzer.land_legacy_cur(source, exports_dir, cur2_source, 'landing.' ~ cur2_source.identifier) -%}
            {%- do delivery_selects.append(infralyzer.delivery_row(delivery['export_name'], delivery['export_type'], delivery['billing_period'],
                                                                   delivery['execution_id'], delivery['delivered_at'], delivery['files'])) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if delivery_selects -%}
        {%- do run_query('create or replace table landing.deliveries as ' ~ delivery_selects | join(' union all ')) -%}
    {%- else -%}
        {%- do run_query("create or replace table landing.deliveries as select cast(null as varchar) as export_name, cast(null as varchar) as export_type, cast(null as varchar) as billing_period, cast(null as varchar) as execution_id, cast(null as timestamp) as delivered_at, 0 as file_count where false") -%}
    {%- endif -%}
    select 1 as exports_landed
{% endmacro %}


{#- One row of landing.deliveries. -#}
{% macro delivery_row(export_name, export_type, billing_period, execution_id, delivered_at, files) %}
    {{ return("select '" ~ export_name ~ "' as export_name, '" ~ export_type ~ "' as export_type, '" ~ billing_period
              ~ "' as billing_period, '" ~ execution_id ~ "' as execution_id, cast('" ~ delivered_at
              ~ "' as timestamp) as delivered_at, " ~ files | length ~ " as file_count") }}
{% endmacro %}


{#- The complete deliveries of one export: [{billing_period, execution_id, created_at, files}]. -#}
{% macro read_export_manifests(exports_dir, export) %}
    {%- set pattern = exports_dir ~ '/' ~ export ~ '/metadata/BILLING_PERIOD=*/' ~ export ~ '-Manifest.json' -%}
    {%- set found = run_query("select file from glob('" ~ pattern ~ "') order by file") -%}
    {%- set deliveries = [] -%}
    {%- if found.rows | length == 0 -%}{{ return(deliveries) }}{%- endif -%}
    {%- set manifests = run_query(
        "select billingPeriod as billing_period, executionId as execution_id, exportCreationTime as created_at, "
        ~ "filename as manifest, unnest(dataFiles) as data_file from read_json('" ~ pattern ~ "', format = 'auto', "
        ~ "filename = true, columns = {billingPeriod: 'varchar', executionId: 'varchar', "
        ~ "exportCreationTime: 'varchar', dataFiles: 'varchar[]'}) order by billing_period, data_file"
    ) -%}
    {%- set by_period = {} -%}
    {%- for row in manifests.rows -%}
        {%- if row['billing_period'] not in by_period -%}
            {%- do by_period.update({row['billing_period']: {
                'billing_period': row['billing_period'],
                'execution_id': row['execution_id'],
                'created_at': row['created_at'],
                'files': [],
            }}) -%}
            {%- do deliveries.append(by_period[row['billing_period']]) -%}
        {%- endif -%}
        {%- set folder = exports_dir ~ '/' ~ export ~ '/data/BILLING_PERIOD=' ~ row['billing_period'] ~ '/' -%}
        {%- do by_period[row['billing_period']]['files'].append(folder ~ row['data_file'].split('/')[-1]) -%}
    {%- endfor -%}
    {%- if deliveries | length < found.rows | length -%}
        {{ exceptions.raise_compiler_error(
            "Export '" ~ export ~ "': " ~ (found.rows | length - deliveries | length)
            ~ " manifest(s) under " ~ exports_dir ~ "/" ~ export ~ "/metadata list no data files.") }}
    {%- endif -%}
    {{ return(deliveries) }}
{% endmacro %}


{#- Fails with the file's name if a listed file is missing, unreadable or lacks a declared column.
    DuckDB's own error for a corrupt or truncated file names the file ("No magic bytes found at
    end of file '<path>'"), so reading the footers of all files in one query is enough. -#}
{% macro check_export_files(export, files, expected_columns) %}
    {%- set file_list = "['" ~ files | join("', '") ~ "']" -%}
    {%- set present = run_query(
        "select file from glob('" ~ var('exports_dir', env_var('INFRALYZER_EXPORTS_DIR', 'data/exports')).rstrip('/') ~ "/" ~ export ~ "/data/BILLING_PERIOD=*/*.parquet')"
    ).columns[0].values() | list -%}
    {%- for f in files if f not in present -%}
        {{ exceptions.raise_compiler_error(
            "Export '" ~ export ~ "': the manifest lists " ~ f ~ " but the file is missing "
            ~ "(a half-delivered or partly deleted export). Re-sync the billing period.") }}
    {%- endfor -%}
    {%- set schema = run_query("select file_name, lower(name) as name from parquet_schema(" ~ file_list ~ ")") -%}
    {%- set columns_by_file = {} -%}
    {%- for row in schema.rows -%}
        {%- do columns_by_file.setdefault(row['file_name'], []).append(row['name']) -%}
    {%- endfor -%}
    {%- for file_name, columns in columns_by_file.items() -%}
        {%- set missing = [] -%}
        {%- for expected in expected_columns if expected | lower not in columns -%}
            {%- do missing.append(expected) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "Export '" ~ export ~ "': " ~ file_name ~ " lacks the column(s) " ~ missing | join(', ')
                ~ " declared in the source. Check the export's table configuration.") }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}
