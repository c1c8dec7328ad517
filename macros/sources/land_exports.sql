{#-
    Lands the AWS Data Exports for the sources (on-run-start, DuckDB). Step 1 of the delivery
    lifecycle (docs/run_order.md).

    An export is a folder <exports>/<export name>/ laid out as AWS delivers it:
        data/BILLING_PERIOD=YYYY-MM/[<execution>/]<files>.parquet | .csv.gz
        metadata/BILLING_PERIOD=YYYY-MM/[<execution>/]<export name>-Manifest.json
    The folder may have any name: its type is recognised from the columns of its files, by the
    `meta.export_type` / `meta.identifying_columns` of the source tables (the one place of that
    rule). Several exports of one type are unioned; every landed row keeps its `export_name`.

    A delivery is one manifest (AWS writes it after every data file, so it marks completion):
      * the billing period is the BILLING_PERIOD= folder (the manifest's `billingPeriod` may be a
        string or an object, so it is not read);
      * its id is the manifest's `executionId`, else the manifest's md5; its time is
        `exportCreationTime`, else the manifest file's modification time;
      * per export and period only the newest delivery is landed (CREATE_NEW_REPORT keeps every
        execution in a subfolder; OVERWRITE_REPORT has one);
      * exactly the files it lists are read, Parquet or gzip CSV, each column cast to the type the
        source declares (so timestamps without a time zone, CSV strings and JSON maps all arrive
        typed alike);
      * a declared column marked `meta: {optional: true}` that an export lacks (a table
        configuration without it) is read as a typed null, with a warning; a missing required
        column, a listed file that is missing or unreadable stops the run with an error naming
        export, period, file and column.
    For each source this (re)creates the view `landing.<identifier>`, and it records the landed
    deliveries in `landing.deliveries`, the `aws_data_exports.deliveries` source.

    A delivery, as the finders below return it and the view builder reads it, is a dict:
        export_name, export_type, billing_period, execution_id,
        delivered_at ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), files (local paths), file_format
        ('parquet' | 'csv'),
    plus, for readers of other layouts, an optional `select_sql`: a query returning the source's
    declared columns and `billing_period` for exactly that delivery (its own checks done), which
    the view builder then uses as is.

    Builds fail here, before anything is built, when a configured export type has no complete
    delivery (var `required_exports` / INFRALYZER_REQUIRED_EXPORTS, default cur2).

    On Athena the exports are Glue tables crawled over the same S3 layout: nothing to land.
-#}
{% macro land_exports() %}
    {{ return(adapter.dispatch('land_exports', 'infralyzer')()) }}
{% endmacro %}

{% macro default__land_exports() %}
    select 1 as exports_are_glue_tables
{% endmacro %}

{% macro duckdb__land_exports() %}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set exports_dir = infralyzer.exports_dir() -%}
    {%- set sources = infralyzer.landed_sources() -%}
    {%- do run_query('create schema if not exists landing') -%}
    {#- kept across builds: the deliveries whose line items passed every test (macros/testing/) -#}
    {%- do run_query('create table if not exists landing.verified_deliveries (export_name varchar, billing_period varchar, '
                     ~ 'execution_id varchar, verified_at timestamp with time zone)') -%}

    {%- set deliveries = infralyzer.find_export_deliveries(exports_dir, sources) -%}
    {#- legacy CUR reports (CUR 1.0): macros/sources/land_legacy_cur.sql -#}
    {%- do deliveries.extend(infralyzer.find_legacy_cur_deliveries(exports_dir, sources, deliveries)) -%}
    {%- do infralyzer.check_required_exports(exports_dir, sources, deliveries) -%}
    {#- an empty delivery of CUR or FOCUS is refused (macros/sources/check_deliveries.sql) -#}
    {%- do infralyzer.check_deliveries_not_empty(sources, deliveries) -%}

    {%- set delivery_rows = [] -%}
    {%- set view_selects = [] -%}
    {%- for source in sources -%}
        {%- set export_type = source.meta['export_type'] -%}
        {%- set selects = [] -%}
        {%- for group in infralyzer.group_deliveries(source, deliveries | selectattr('export_type', 'equalto', export_type) | list) -%}
            {%- do selects.append(group['select_sql']) -%}
            {%- for delivery in group['deliveries'] -%}
                {%- do delivery_rows.append(
                    "select '" ~ delivery['export_name'] ~ "', '" ~ export_type ~ "', '" ~ delivery['billing_period'] ~ "', '"
                    ~ delivery['execution_id'] ~ "', cast('" ~ delivery['delivered_at'] ~ "' as timestamp), "
                    ~ delivery['files'] | length ~ ", '" ~ delivery['file_format'] ~ "', "
                    ~ (("'" ~ group['absent_optional'] | join(', ') ~ "'") if group['absent_optional'] else 'null')) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if not selects -%}
            {#- No delivery: an empty relation with the declared columns, so models still build. -#}
            {#- (a source landed in another's columns, meta.landed_as, takes that one's shape) -#}
            {%- set shaped_as = graph.sources.get('source.infralyzer.' ~ source.meta.get('landed_as'), source) -%}
            {%- do selects.append(infralyzer.landed_columns_sql(shaped_as, [], none, 'null') ~ ' where false') -%}
            {{ log("No complete delivery of a '" ~ export_type ~ "' export under " ~ exports_dir ~ "; its source is empty.", info=true) }}
        {%- endif -%}
        {%- do run_query('create or replace view landing.' ~ source.identifier ~ ' as\n' ~ selects | join('\nunion all\n')) -%}
        {%- do view_selects.extend(selects) -%}
    {%- endfor -%}

    {%- do infralyzer.drop_superseded_csv_tables(view_selects) -%}
    {%- do run_query('create or replace table landing.deliveries (export_name varchar, export_type varchar, '
                     ~ 'billing_period varchar, execution_id varchar, delivered_at timestamp, file_count integer, '
                     ~ 'file_format varchar, absent_optional_columns varchar)') -%}
    {%- if delivery_rows -%}
        {%- do run_query('insert into landing.deliveries ' ~ delivery_rows | join(' union all ')) -%}
    {%- endif -%}
    select 1 as exports_landed
{% endmacro %}


{#- The exports root: var exports_dir, else INFRALYZER_EXPORTS_DIR, else data/exports. -#}
{% macro exports_dir() %}
    {{ return(var('exports_dir', env_var('INFRALYZER_EXPORTS_DIR', 'data/exports')).rstrip('/')) }}
{% endmacro %}


{#- The source tables that exports land into: those that declare `meta.export_type`. -#}
{% macro landed_sources() %}
    {{ return(graph.sources.values() | selectattr('meta.export_type', 'defined') | sort(attribute='unique_id') | list) }}
{% endmacro %}


{#- Every complete delivery under the exports root, the newest per export and billing period,
    typed: a list of delivery dicts (see the header). One query reads every manifest. -#}
{% macro find_export_deliveries(exports_dir, sources) %}
    {%- set manifest_glob = exports_dir ~ '/*/metadata/BILLING_PERIOD=*/**/*-Manifest.json' -%}
    {%- if run_query("select count(*) from glob('" ~ manifest_glob ~ "')").columns[0].values()[0] == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set manifests = run_query(infralyzer.newest_manifests_sql(exports_dir, manifest_glob)) -%}
    {%- set deliveries = [] -%}
    {%- set by_manifest = {} -%}
    {%- for row in manifests.rows -%}
        {%- if row['data_file'] is none -%}
            {{ exceptions.raise_compiler_error(
                "Export '" ~ row['export_name'] ~ "', billing period " ~ row['billing_period'] ~ ": the manifest "
                ~ row['manifest'] ~ " lists no data files (dataFiles). Re-sync the billing period.") }}
        {%- endif -%}
        {%- if row['manifest'] not in by_manifest -%}
            {%- do by_manifest.update({row['manifest']: {
                'export_name': row['export_name'],
                'export_type': none,
                'billing_period': row['billing_period'],
                'execution_id': row['execution_id'],
                'delivered_at': row['delivered_at'],
                'files': [],
                'file_format': none,
                'manifest': row['manifest'],
            }}) -%}
            {%- do deliveries.append(by_manifest[row['manifest']]) -%}
        {%- endif -%}
        {%- do by_manifest[row['manifest']]['files'].append(row['data_file']) -%}
    {%- endfor -%}
    {%- for delivery in deliveries -%}
        {%- set formats = [] -%}
        {%- for f in delivery['files'] -%}
            {%- set fmt = 'parquet' if f.endswith('.parquet') else ('csv' if f.endswith('.csv.gz') or f.endswith('.csv') else f.split('/')[-1]) -%}
            {%- if fmt not in formats -%}{%- do formats.append(fmt) -%}{%- endif -%}
        {%- endfor -%}
        {%- if formats | length != 1 or formats[0] not in ('parquet', 'csv') -%}
            {{ exceptions.raise_compiler_error(
                "Export '" ~ delivery['export_name'] ~ "', billing period " ~ delivery['billing_period'] ~ ": the manifest "
                ~ delivery['manifest'] ~ " lists files that are neither all Parquet nor all gzip CSV (" ~ formats | join(', ') ~ ").") }}
        {%- endif -%}
        {%- do delivery.update({'file_format': formats[0]}) -%}
    {%- endfor -%}
    {%- do infralyzer.check_listed_files_exist(exports_dir, deliveries) -%}
    {%- set file_types = {} -%}
    {%- set file_columns = infralyzer.read_file_columns(deliveries, file_types) -%}
    {%- do infralyzer.recognise_export_types(sources, deliveries, file_columns) -%}
    {%- for delivery in deliveries -%}
        {%- do delivery.update({'file_columns': file_columns, 'file_types': file_types}) -%}
    {%- endfor -%}
    {{ return(deliveries | selectattr('export_type') | list) }}
{% endmacro %}


{#- One row per file listed by the newest manifest of each export folder and billing period, with
    the delivery id and time (with their fall-backs) and the file's local path (null when the
    manifest lists none). -#}
{% macro newest_manifests_sql(exports_dir, manifest_glob) %}
    {%- set root = exports_dir ~ '/' -%}
    {{ return("
        with manifests as (
            select
                filename as manifest,
                content,
                last_modified,
                string_split(substr(filename, " ~ (root | length + 1) ~ "), '/') as path_parts
            from read_text('" ~ manifest_glob ~ "')
        ),
        parsed as (
            select
                manifest,
                path_parts[1] as export_name,
                regexp_extract(path_parts[3], 'BILLING_PERIOD=(.*)', 1) as billing_period,
                -- CREATE_NEW_REPORT keeps each execution in its own subfolder
                case when len(path_parts) = 5 then path_parts[4] || '/' else '' end as execution_folder,
                coalesce(nullif(content ->> '$.executionId', ''), md5(content)) as execution_id,
                coalesce(try_cast(content ->> '$.exportCreationTime' as timestamp with time zone), last_modified)
                    as delivered_at,
                cast(content -> '$.dataFiles' as varchar[]) as data_files
            from manifests
            where json_valid(content) and len(path_parts) in (4, 5)
        ),
        newest as (
            select * from parsed
            qualify row_number() over (
                partition by export_name, billing_period order by delivered_at desc, execution_id desc) = 1
        )
        select
            manifest,
            export_name,
            billing_period,
            execution_id,
            strftime(timezone('UTC', delivered_at), '%Y-%m-%d %H:%M:%S.%f') as delivered_at,
            '" ~ root ~ "' || export_name || '/data/' || coalesce(
                nullif(regexp_extract(data_file, '.*/data/(BILLING_PERIOD=.*)$', 1), ''),
                'BILLING_PERIOD=' || billing_period || '/' || execution_folder || regexp_extract(data_file, '[^/]*$')
            ) as data_file
        from newest
        left join unnest(data_files) as listed (data_file) on true
        order by export_name, billing_period, data_file
    ") }}
{% endmacro %}


{#- A manifest naming a file that is not there is a half-delivered or partly deleted export. -#}
{% macro check_listed_files_exist(exports_dir, deliveries) %}
    {%- set present = run_query(
        "select file from glob('" ~ exports_dir ~ "/*/data/BILLING_PERIOD=*/**')").columns[0].values() | list -%}
    {%- for delivery in deliveries -%}
        {%- for f in delivery['files'] if f not in present -%}
            {{ exceptions.raise_compiler_error(
                "Export '" ~ delivery['export_name'] ~ "', billing period " ~ delivery['billing_period']
                ~ ": the manifest lists " ~ f ~ " but the file is missing (a half-delivered or partly deleted export). "
                ~ "Re-sync the billing period.") }}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{#- The lower-cased column names of every listed file: {path: [names]}. Parquet footers are read
    in one query (DuckDB's error for a corrupt or truncated file names it); a CSV file's header
    is read per file. Fills `file_types` with each Parquet column's type: {path: {name: {family,
    parquet_type}}} (macros/sources/check_deliveries.sql). -#}
{% macro read_file_columns(deliveries, file_types={}) %}
    {%- set columns = {} -%}
    {%- set parquet_files = [] -%}
    {%- for delivery in deliveries -%}
        {%- if delivery['file_format'] == 'parquet' -%}
            {%- do parquet_files.extend(delivery['files']) -%}
        {%- else -%}
            {%- for f in delivery['files'] -%}
                {%- set header = run_query(
                    "select * from read_csv('" ~ f ~ "', header = true, all_varchar = true, auto_detect = true) limit 0") -%}
                {%- do columns.update({f: header.column_names | map('lower') | list}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if parquet_files -%}
        {%- set schema = run_query(
            "select file_name, lower(name) as name, " ~ infralyzer.parquet_type_family_sql() ~ " as family, "
            ~ "concat_ws(' ', type, converted_type) as parquet_type from parquet_schema(['" ~ parquet_files | join("', '") ~ "'])") -%}
        {%- for row in schema.rows -%}
            {%- do columns.setdefault(row['file_name'], []).append(row['name']) -%}
            {#- the first of a name is the top-level column (nested fields follow their parent) -#}
            {%- do file_types.setdefault(row['file_name'], {}).setdefault(
                row['name'], {'family': row['family'], 'parquet_type': row['parquet_type']}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}


{#- Sets each delivery's export_type: an export folder is of the type whose identifying columns
    most of its files hold (a damaged file then fails the required-column check, naming itself).
    A folder no source recognises is reported and not landed. -#}
{% macro recognise_export_types(sources, deliveries, file_columns) %}
    {%- set votes = {} -%}
    {%- for delivery in deliveries -%}
        {%- for f in delivery['files'] -%}
            {%- for source in sources -%}
                {%- set identifying = source.meta.get('identifying_columns', []) | map('lower') | list -%}
                {%- if identifying and identifying | reject('in', file_columns.get(f, [])) | list | length == 0 -%}
                    {%- set key = delivery['export_name'] ~ '|' ~ source.meta['export_type'] -%}
                    {%- do votes.update({key: votes.get(key, 0) + 1}) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set types = {} -%}
    {%- for key, count in votes | dictsort(by='value') -%}
        {%- do types.update({key.split('|')[0]: key.split('|')[1]}) -%}
    {%- endfor -%}
    {%- set unknown = [] -%}
    {%- for delivery in deliveries -%}
        {%- do delivery.update({'export_type': types.get(delivery['export_name'])}) -%}
        {%- if delivery['export_type'] is none and delivery['export_name'] not in unknown -%}
            {%- do unknown.append(delivery['export_name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in unknown -%}
        {{ log("Warning: the export folder '" ~ name ~ "' holds none of the identifying columns of a known export type ("
               ~ sources | map(attribute='meta.export_type') | join(', ') ~ "); it is not landed.", info=true) }}
    {%- endfor -%}
{% endmacro %}


{#- Fails, before anything is built, when a configured export type has no complete delivery:
    an empty, misnamed or wrongly synced exports folder must never build (and publish) empty
    marts. -#}
{% macro check_required_exports(exports_dir, sources, deliveries) %}
    {%- set required = infralyzer.required_export_types() -%}
    {%- set known = sources | map(attribute='meta.export_type') | list -%}
    {%- set missing = [] -%}
    {#- a delivery counts for its type and for the type it is landed as (legacy CUR for cur2) -#}
    {%- set delivered = deliveries | map(attribute='export_type') | list -%}
    {%- for source in sources if source.meta.get('landed_as') and source.meta['export_type'] in delivered -%}
        {%- do delivered.append(graph.sources['source.infralyzer.' ~ source.meta['landed_as']].meta['export_type']) -%}
    {%- endfor -%}
    {%- for export_type in required -%}
        {%- if export_type not in known -%}
            {{ exceptions.raise_compiler_error(
                "required_exports names '" ~ export_type ~ "', which is not an export type (" ~ known | join(', ') ~ ").") }}
        {%- endif -%}
        {%- if delivered | select('equalto', export_type) | list | length == 0 -%}
            {%- do missing.append(export_type) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- set found = run_query("select distinct split_part(substr(file, " ~ (exports_dir | length + 2) ~ "), '/', 1) as folder "
                                  ~ "from glob('" ~ exports_dir ~ "/**') order by 1").columns[0].values() | list -%}
        {{ exceptions.raise_compiler_error(
            "No complete delivery of the required export type(s) " ~ missing | join(', ') ~ " under " ~ exports_dir
            ~ " (found: " ~ (found | join(', ') or 'nothing')
            ~ "). An export is <exports>/<any name>/data/BILLING_PERIOD=YYYY-MM/ with its manifest under "
            ~ "metadata/BILLING_PERIOD=YYYY-MM/. Nothing was built or published; the last published snapshot stays. "
            ~ "(Required types: var required_exports or INFRALYZER_REQUIRED_EXPORTS, now " ~ required | join(',') ~ ".)") }}
    {%- endif -%}
{% endmacro %}


{#- The export types a build must find: var required_exports (a list or comma-separated), else
    INFRALYZER_REQUIRED_EXPORTS, else cur2 — the marts are built from the CUR. -#}
{% macro required_export_types() %}
    {%- set value = var('required_exports', env_var('INFRALYZER_REQUIRED_EXPORTS', 'cur2')) -%}
    {%- if value is string -%}
        {%- set value = value.split(',') -%}
    {%- endif -%}
    {{ return(value | map('trim') | reject('equalto', '') | list) }}
{% endmacro %}


{#- Groups a source's deliveries by export, file format and the set of columns their files hold
    (and so the schema version); each group becomes one read over all its files:
    [{deliveries, absent_optional, select_sql}]. Checks every file for the required columns. -#}
{% macro group_deliveries(source, deliveries) %}
    {%- set declared = source.columns.values() | list -%}
    {%- set groups = {} -%}
    {%- set ordered = [] -%}
    {%- for delivery in deliveries -%}
        {%- if delivery.get('select_sql') -%}
            {%- set key = delivery['export_name'] ~ '|' ~ delivery['billing_period'] ~ '|own reader' -%}
            {%- do groups.update({key: {'deliveries': [delivery], 'absent_optional': [], 'select_sql': delivery['select_sql']}}) -%}
            {%- do ordered.append(key) -%}
        {%- else -%}
            {%- set present = [] -%}
            {%- for f in delivery['files'] -%}
                {%- set names = delivery['file_columns'].get(f, []) -%}
                {%- set missing_required = [] -%}
                {%- for column in declared -%}
                    {%- if column.name | lower not in names and not column.meta.get('optional') -%}
                        {%- do missing_required.append(column.name) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- if missing_required -%}
                    {{ exceptions.raise_compiler_error(
                        "Export '" ~ delivery['export_name'] ~ "' (" ~ source.meta['export_type'] ~ "), billing period "
                        ~ delivery['billing_period'] ~ ": " ~ f ~ " lacks the required column(s) " ~ missing_required | join(', ')
                        ~ ". Check the export's table configuration, or mark the column meta optional in the source if "
                        ~ "exports may leave it out.") }}
                {%- endif -%}
                {%- if loop.first -%}{%- do present.extend(names) -%}{%- endif -%}
            {%- endfor -%}
            {%- set absent = [] -%}
            {%- for column in declared if column.name | lower not in present -%}
                {%- do absent.append(column.name) -%}
            {%- endfor -%}
            {#- columns delivered in another type than declared: cast if lossless, else the run stops -#}
            {%- set as_strings = infralyzer.delivered_type_drift(source, delivery, delivery['file_types'])
                                 if delivery['file_format'] == 'parquet' else [] -%}
            {%- set key = delivery['export_name'] ~ '|' ~ delivery['file_format'] ~ '|' ~ absent | join(',') ~ '|' ~ as_strings | join(',') -%}
            {%- if key not in groups -%}
                {%- do groups.update({key: {'deliveries': [], 'absent_optional': absent, 'file_format': delivery['file_format'],
                                            'export_name': delivery['export_name'], 'as_strings': as_strings}}) -%}
                {%- do ordered.append(key) -%}
            {%- endif -%}
            {%- do groups[key]['deliveries'].append(delivery) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set result = [] -%}
    {%- for key in ordered -%}
        {%- set group = groups[key] -%}
        {%- if 'select_sql' not in group -%}
            {%- set files = [] -%}
            {%- for delivery in group['deliveries'] -%}{%- do files.extend(delivery['files']) -%}{%- endfor -%}
            {%- if group['absent_optional'] -%}
                {{ log("Warning: export '" ~ group['export_name'] ~ "' (" ~ source.meta['export_type'] ~ "), billing period(s) "
                       ~ group['deliveries'] | map(attribute='billing_period') | join(', ') ~ ": optional column(s) "
                       ~ group['absent_optional'] | join(', ') ~ " not delivered; read as nulls.", info=true) }}
            {%- endif -%}
            {%- if group['file_format'] == 'csv' -%}
                {%- do group.update({'select_sql': infralyzer.csv_delivery_tables(source, group) | join('\nunion all\n')}) -%}
            {%- else -%}
                {%- do group.update({'select_sql': infralyzer.landed_columns_sql(
                    source, group['absent_optional'], infralyzer.read_files_sql(group['file_format'], files),
                    "'" ~ group['export_name'] ~ "'", group['file_format'], group['as_strings'])}) -%}
            {%- endif -%}
        {%- endif -%}
        {%- do result.append(group) -%}
    {%- endfor -%}
    {{ return(result) }}
{% endmacro %}


{#- gzip CSV is parsed once per delivery, not by every model and test that reads the source: each
    CSV delivery is landed as a typed table landing.csv_<md5 of the delivery and the declared
    columns>, kept while the delivery is current (a re-delivery has another id, so another table).
    Returns the selects of the group's tables. -#}
{% macro csv_delivery_tables(source, group) %}
    {%- set declared = [] -%}
    {%- for column in source.columns.values() -%}{%- do declared.append(column.name ~ ':' ~ column.data_type) -%}{%- endfor -%}
    {#- information_schema, not adapter.get_relation: that would open a transaction that dbt rolls
        back after the hook, undoing the landing -#}
    {%- set landed = run_query("select table_name from information_schema.tables where table_schema = 'landing' "
                               ~ "and starts_with(table_name, 'csv_')").columns[0].values() | list -%}
    {%- set selects = [] -%}
    {%- for delivery in group['deliveries'] -%}
        {%- set table = 'csv_' ~ local_md5([source.identifier, delivery['export_name'], delivery['billing_period'],
                                             delivery['execution_id'], delivery['files'] | join(','),
                                             group['absent_optional'] | join(','), declared | join(',')] | join('|')) -%}
        {%- if table not in landed -%}
            {%- do run_query('create table landing.' ~ table ~ ' as ' ~ infralyzer.landed_columns_sql(
                source, group['absent_optional'], infralyzer.read_files_sql('csv', delivery['files']),
                "'" ~ delivery['export_name'] ~ "'", 'csv')) -%}
        {%- endif -%}
        {%- do selects.append('select * from landing.' ~ table) -%}
    {%- endfor -%}
    {{ return(selects) }}
{% endmacro %}


{#- Drops the CSV delivery tables no current delivery uses. -#}
{% macro drop_superseded_csv_tables(current_selects) %}
    {%- set in_use = current_selects | join(' ') -%}
    {%- set tables = run_query("select table_name from information_schema.tables where table_schema = 'landing' "
                               ~ "and starts_with(table_name, 'csv_')").columns[0].values() | list -%}
    {%- for table in tables if ('landing.' ~ table) not in in_use -%}
        {%- do run_query('drop table landing.' ~ table) -%}
    {%- endfor -%}
{% endmacro %}


{#- The table function reading a group's files; the partition folder gives `billing_period`. -#}
{% macro read_files_sql(file_format, files) %}
    {%- set file_list = "['" ~ files | join("', '") ~ "']" -%}
    {%- if file_format == 'parquet' -%}
        {{ return("read_parquet(" ~ file_list ~ ", hive_partitioning = true, union_by_name = true)") }}
    {%- else -%}
        {#- strings in, cast per declared type below: one typing rule for CSV and Parquet -#}
        {{ return("read_csv(" ~ file_list ~ ", header = true, all_varchar = true, hive_partitioning = true, "
                  ~ "union_by_name = true)") }}
    {%- endif -%}
{% endmacro %}


{#- select <every declared column, cast to its declared type, or a typed null if absent>,
    billing_period, export_name[, <version column>] from <relation>. The version column (source
    meta `version_column`, e.g. FOCUS's) is the newest `meta.introduced_in` among the columns
    delivered, else the source's `meta.base_version`. `as_strings`: Parquet columns delivered as
    strings where another type is declared (checked lossless): empty strings are nulls, as in CSV. -#}
{% macro landed_columns_sql(source, absent, relation, export_name_sql, file_format='parquet', as_strings=[]) %}
    {%- set lines = [] -%}
    {%- set ns = namespace(version=source.meta.get('base_version')) -%}
    {%- for column in source.columns.values() -%}
        {%- if relation is none or column.name in absent -%}
            {%- do lines.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
        {%- else -%}
            {%- set introduced = column.meta.get('introduced_in') -%}
            {%- if introduced and (ns.version is none or introduced > ns.version) -%}
                {%- set ns.version = introduced -%}
            {%- endif -%}
            {%- if file_format == 'csv' and column.data_type.startswith('map') -%}
                {#- AWS writes map columns into CSV as JSON objects -#}
                {%- do lines.append('cast(cast(nullif("' ~ column.name ~ '", \'\') as json) as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- elif file_format == 'csv' -%}
                {%- do lines.append('cast(nullif("' ~ column.name ~ '", \'\') as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- elif column.name in as_strings -%}
                {%- do lines.append('cast(nullif(cast("' ~ column.name ~ '" as varchar), \'\') as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- else -%}
                {%- do lines.append('cast("' ~ column.name ~ '" as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do lines.append(('cast(billing_period as varchar)' if relation is not none else 'cast(null as varchar)') ~ ' as billing_period') -%}
    {%- do lines.append('cast(' ~ export_name_sql ~ ' as varchar) as export_name') -%}
    {%- if source.meta.get('version_column') -%}
        {%- do lines.append('cast(' ~ (("'" ~ ns.version ~ "'") if relation is not none and ns.version else 'null')
                            ~ ' as varchar) as ' ~ source.meta['version_column']) -%}
    {%- endif -%}
    {{ return('select\n    ' ~ lines | join(',\n    ') ~ ('\nfrom ' ~ relation if relation is not none else '')) }}
{% endmacro %}
