{#-
    Finds legacy Cost and Usage Reports (CUR 1.0) anywhere under the exports folder, for the
    landing (macros/sources/land_exports.sql), which lands them as the source of meta.export_type
    cur1 (`landing.cur1`) in the columns of the CUR 2.0 source it names in meta.landed_as.
    DuckDB only; on Athena nothing is landed (see docs/legacy_cur.md).

    A legacy report is recognised by its period manifest, not by a folder name: a JSON file
    `<report>/yyyymmdd-yyyymmdd/<report>-Manifest.json` holding `assemblyId` and `reportKeys`
    (CUR 2.0 manifests have neither; legacy Parquet shares many column names with CUR 2.0, so the
    columns cannot tell them apart). AWS writes that manifest after the data files, naming the
    current assembly, so only the files it lists are read:
      * CSV  (CREATE_NEW_REPORT): <report>/yyyymmdd-yyyymmdd/<assemblyId>/<report>-<n>.csv.gz;
        older assembly folders that AWS leaves in place are ignored;
      * Parquet (Athena integration): <report>/<report>/year=YYYY/month=M/<report>-<n>.snappy.parquet.
    The billing period comes from the folder dates. No charge is counted twice: when several legacy
    reports deliver the same period for the same payer (the manifest's `account`; a CSV report and
    its Parquet twin are common), the one delivered last is read; and a period that a CUR 2.0
    delivery (`deliveries`, already found) holds for that payer is read from CUR 2.0 only.
    Each skipped delivery is logged.

    Columns: legacy_cur_select (below) is the one mapping from legacy to CUR 2.0 names.

    Returns the landing's delivery dicts (export_name: the report name, export_type: cur1,
    execution_id: the assemblyId, delivered_at: the manifest file's time), each with its
    `select_sql` (the CUR 2.0 columns, billing_period and export_name) and payer_account_id.
-#}
{% macro find_legacy_cur_deliveries(exports_dir, sources, deliveries) %}
    {%- set legacy_sources = sources | selectattr('meta.landed_as', 'defined') | list -%}
    {%- if not legacy_sources -%}{{ return([]) }}{%- endif -%}
    {%- set cur2_source = graph.sources['source.infralyzer.' ~ legacy_sources[0].meta['landed_as']] -%}
    {%- set found = infralyzer.read_legacy_cur_manifests(exports_dir) -%}
    {%- set covered = infralyzer.legacy_cur_periods_in_cur2(found, deliveries | selectattr('export_type', 'equalto', cur2_source.meta['export_type']) | list) -%}
    {%- set legacy = [] -%}
    {%- for delivery in found -%}
        {%- if (delivery['billing_period'] ~ '/' ~ delivery['payer_account_id']) in covered -%}
            {{ log("Legacy CUR report '" ~ delivery['export_name'] ~ "': billing period " ~ delivery['billing_period']
                   ~ " of payer " ~ delivery['payer_account_id'] ~ " is read from CUR 2.0, which also delivers it.", info=true) }}
        {%- else -%}
            {%- do delivery.update({'select_sql': infralyzer.legacy_cur_delivery_select(cur2_source, delivery)}) -%}
            {%- do legacy.append(delivery) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(legacy) }}
{% endmacro %}


{#- 'YYYY-MM/<payer>' of the legacy deliveries' periods that CUR 2.0 deliveries hold (read from
    their files: the landing views are not created yet). -#}
{% macro legacy_cur_periods_in_cur2(legacy_deliveries, cur2_deliveries) %}
    {%- set periods = legacy_deliveries | map(attribute='billing_period') | unique | list -%}
    {%- set selects = [] -%}
    {%- for delivery in cur2_deliveries if delivery['billing_period'] in periods -%}
        {%- do selects.append("select distinct '" ~ delivery['billing_period'] ~ "/' || cast(bill_payer_account_id as varchar) from "
                              ~ infralyzer.read_files_sql(delivery['file_format'], delivery['files'])) -%}
    {%- endfor -%}
    {%- if not selects -%}{{ return([]) }}{%- endif -%}
    {{ return(run_query(selects | join(' union ')).columns[0].values() | list) }}
{% endmacro %}


{#- The current delivery of every legacy report period under exports_dir (see land_legacy_cur). -#}
{% macro read_legacy_cur_manifests(exports_dir) %}
    {%- set pattern = exports_dir ~ '/**/*-Manifest.json' -%}
    {%- if run_query("select count(*) as n from glob('" ~ pattern ~ "')").rows[0]['n'] == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {#- one row per manifest and report key, newest manifest first -#}
    {%- set manifests = run_query(
        "select filename, strftime(timezone('UTC', last_modified), '%Y-%m-%d %H:%M:%S.%f') as delivered_at, "
        ~ "json_extract_string(content, '$.assemblyId') as assembly_id, "
        ~ "json_extract_string(content, '$.reportName') as report_name, "
        ~ "json_extract_string(content, '$.account') as payer_account_id, "
        ~ "unnest(cast(json_extract(content, '$.reportKeys') as varchar[])) as report_key "
        ~ "from read_text('" ~ pattern ~ "') "
        ~ "where regexp_matches(filename, '/[0-9]{8}-[0-9]{8}/[^/]+-Manifest\\.json$') "
        ~ "and json_extract_string(content, '$.assemblyId') is not null "
        ~ "and json_extract(content, '$.reportKeys') is not null "
        ~ "order by last_modified desc, filename"
    ) -%}
    {%- set by_manifest = {} -%}
    {%- set manifest_order = [] -%}
    {%- for row in manifests.rows -%}
        {%- if row['filename'] not in by_manifest -%}
            {%- do by_manifest.update({row['filename']: {'row': row, 'keys': []}}) -%}
            {%- do manifest_order.append(row['filename']) -%}
        {%- endif -%}
        {%- do by_manifest[row['filename']]['keys'].append(row['report_key']) -%}
    {%- endfor -%}
    {%- set deliveries = [] -%}
    {%- set seen = {} -%}
    {%- for filename in manifest_order -%}
        {%- set row = by_manifest[filename]['row'] -%}
        {%- set parts = filename.split('/') -%}
        {%- set period_folder = parts[-2] -%}
        {%- set report_root = parts[:-2] | join('/') -%}
        {%- set report_name = row['report_name'] or parts[-3] -%}
        {%- set billing_period = period_folder[0:4] ~ '-' ~ period_folder[4:6] -%}
        {%- set files = [] -%}
        {%- for key in by_manifest[filename]['keys'] -%}
            {%- set rooted = '/' ~ key -%}
            {%- set at_period = rooted.find('/' ~ period_folder ~ '/') -%}
            {%- set at_parquet = rooted.find('/' ~ report_name ~ '/year=') -%}
            {%- set at = at_period if at_period >= 0 else at_parquet -%}
            {%- if at < 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Legacy CUR report '" ~ report_name ~ "' (" ~ filename ~ "): the report key " ~ key
                    ~ " is neither in the period folder nor in the Athena (year=/month=) layout.") }}
            {%- endif -%}
            {%- do files.append(report_root ~ rooted[at:]) -%}
        {%- endfor -%}
        {%- set payer_period = (row['payer_account_id'] or report_root) ~ '/' ~ billing_period -%}
        {%- if payer_period in seen -%}
            {{ log("Legacy CUR: " ~ filename ~ " delivers " ~ billing_period ~ " of payer "
                   ~ row['payer_account_id'] ~ " like the newer " ~ seen[payer_period]
                   ~ ", which is read instead.", info=true) }}
        {%- else -%}
            {%- do seen.update({payer_period: filename}) -%}
            {%- do deliveries.append({
                'export_name': report_name,
                'export_type': 'cur1',
                'billing_period': billing_period,
                'execution_id': row['assembly_id'],
                'delivered_at': row['delivered_at'],
                'files': files,
                'file_format': 'parquet' if files[0].endswith('.parquet') else 'csv',
                'payer_account_id': row['payer_account_id'],
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for delivery in deliveries -%}
        {%- set present = run_query("select file from glob(['" ~ delivery['files'] | join("', '") ~ "'])").columns[0].values() | list -%}
        {%- for f in delivery['files'] if f not in present -%}
            {{ exceptions.raise_compiler_error(
                "Legacy CUR report '" ~ delivery['export_name'] ~ "', billing period " ~ delivery['billing_period']
                ~ ": the manifest lists " ~ f ~ " but the file is missing (a half-delivered or partly deleted report).") }}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(deliveries | sort(attribute='billing_period')) }}
{% endmacro %}


{#- The columns [{name (as AWS wrote it), ref (how to select it), type}] of one delivery and the
    relation that reads its files. CSV is read without its header, by position: DuckDB's names are
    case-insensitive, and legacy CSV has tag columns that differ only in case
    (`resourceTags/user:Team`, `resourceTags/user:team`). AWS splits a report into files with one
    header, which is checked. -#}
{% macro legacy_cur_reader(delivery) %}
    {%- set file_list = "['" ~ delivery['files'] | join("', '") ~ "']" -%}
    {%- set columns = [] -%}
    {%- if delivery['file_format'] == 'csv' -%}
        {%- set csv_options = "all_varchar = true, delim = ',', quote = '\"', escape = '\"'" -%}
        {%- set headers = [] -%}
        {%- for f in delivery['files'] -%}
            {%- set first = run_query("select * from read_csv('" ~ f ~ "', header = false, " ~ csv_options ~ ") limit 1") -%}
            {%- do headers.append(first.rows[0].values() | list) -%}
        {%- endfor -%}
        {%- for header in headers if header != headers[0] -%}
            {{ exceptions.raise_compiler_error(
                "Legacy CUR report '" ~ delivery['export_name'] ~ "', billing period " ~ delivery['billing_period']
                ~ ": its CSV files do not share one header.") }}
        {%- endfor -%}
        {%- for name in headers[0] -%}
            {%- do columns.append({'name': name, 'ref': 'c' ~ loop.index0, 'type': 'VARCHAR'}) -%}
        {%- endfor -%}
        {#- every value as text: types come from the CUR 2.0 columns (legacy_cur_select) -#}
        {%- set relation = "read_csv(" ~ file_list ~ ", header = false, skip = 1, " ~ csv_options ~ ", names = ['"
                           ~ columns | map(attribute='ref') | join("', '") ~ "'])" -%}
    {%- else -%}
        {%- set relation = "read_parquet(" ~ file_list ~ ", hive_partitioning = false, union_by_name = true)" -%}
        {%- for row in run_query('describe select * from ' ~ relation).rows -%}
            {%- do columns.append({'name': row['column_name'], 'ref': '"' ~ row['column_name'] ~ '"', 'type': row['column_type']}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return({'columns': columns, 'relation': relation}) }}
{% endmacro %}


{% macro legacy_cur_delivery_select(source, delivery) %}
    {%- set reader = infralyzer.legacy_cur_reader(delivery) -%}
    select
        {{ infralyzer.legacy_cur_select(source, reader['columns'], delivery['export_name']) }},
        '{{ delivery['billing_period'] }}' as billing_period,
        '{{ delivery['export_name'] }}' as export_name
    from {{ reader['relation'] }}
{% endmacro %}


{#-
    The one mapping of legacy CUR columns to CUR 2.0 columns: the select list of the CUR 2.0
    columns that `source` declares, from the legacy `columns` [{name, type}] of one report.

    * A legacy name becomes its AWS Athena name: `lineItem/UsageAmount` -> `line_item_usage_amount`,
      `reservation/ReservationARN` -> `reservation_reservation_a_r_n` (insert `_` before capitals,
      lower case, other characters `_`). The legacy Parquet layout already uses these names, and
      CUR 2.0's names were made by the same rule, so a CUR 2.0 column reads the legacy column
      whose Athena name equals it, cast to the declared type.
    * Open-ended groups become CUR 2.0's map columns, one entry per non-empty value:
        product/*       -> product (keys: the Athena name without `product_`), except the
                           attributes CUR 2.0 keeps as product_* columns;
        resourceTags/*  -> resource_tags, keys `user_<key>` / `aws_<key>` (CSV keeps the tag
                           key as written; the Parquet layout only has it lower-cased);
        costCategory/*  -> cost_category, keys the category names;
        discount/*      -> discount (keys such as `edp_discount`), except the discount_* columns.
    * A CUR 2.0 column with no legacy counterpart is a typed NULL; a legacy column with no
      CUR 2.0 counterpart is logged and not read.
-#}
{% macro legacy_cur_select(source, columns, report_name) %}
    {%- set maps = {
        'product': {'prefix': 'product_', 'entries': []},
        'resource_tags': {'prefix': 'resource_tags_', 'entries': []},
        'cost_category': {'prefix': 'cost_category_', 'entries': []},
        'discount': {'prefix': 'discount_', 'entries': []},
    } -%}
    {%- set by_cur2_name = {} -%}
    {%- set unmapped = [] -%}
    {%- for column in columns -%}
        {%- set athena = modules.re.sub('[^a-z0-9]+', '_', modules.re.sub('([A-Z])', '_\\1', column.name).lower()).strip('_') -%}
        {%- set group = namespace(name=none) -%}
        {%- for map_name, spec in maps.items() if athena.startswith(spec.prefix) -%}
            {%- set group.name = map_name -%}
        {%- endfor -%}
        {%- if athena in source.columns and not source.columns[athena].data_type.startswith('map') -%}
            {%- do by_cur2_name.update({athena: column}) -%}
        {%- elif group.name is not none -%}
            {%- if '/' in column.name and group.name in ('resource_tags', 'cost_category') -%}
                {#- CSV: the key as AWS wrote it (`resourceTags/user:Team` -> `user_Team`) -#}
                {%- set key = column.name.split('/', 1)[1].replace(':', '_', 1) -%}
            {%- else -%}
                {%- set key = athena[maps[group.name].prefix | length:] -%}
            {%- endif -%}
            {%- do maps[group.name].entries.append({'key': key, 'ref': column.ref}) -%}
        {%- else -%}
            {%- do unmapped.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if unmapped -%}
        {{ log("Legacy CUR report '" ~ report_name ~ "': no CUR 2.0 column for " ~ unmapped | join(', ') ~ "; not read.", info=true) }}
    {%- endif -%}
    {%- set expressions = [] -%}
    {%- for column in source.columns.values() -%}
        {%- if column.name in maps -%}
            {%- set value_type = 'double' if 'double' in column.data_type else 'varchar' -%}
            {%- do expressions.append(infralyzer.legacy_cur_map(maps[column.name].entries, value_type, column.data_type) ~ ' as ' ~ column.name) -%}
        {%- elif column.name in by_cur2_name -%}
            {%- set legacy = by_cur2_name[column.name] -%}
            {%- if 'time zone' in column.data_type and legacy.type.startswith('TIMESTAMP') and 'TIME ZONE' not in legacy.type -%}
                {#- Parquet timestamps without a zone are UTC -#}
                {%- do expressions.append("timezone('UTC', " ~ legacy.ref ~ ') as ' ~ column.name) -%}
            {%- else -%}
                {%- do expressions.append('cast(' ~ legacy.ref ~ ' as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- endif -%}
        {%- else -%}
            {%- do expressions.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions | join(',\n        ')) }}
{% endmacro %}


{#- A map column from legacy columns, without the entries whose value is empty (as CUR 2.0). -#}
{% macro legacy_cur_map(entries, value_type, map_type) %}
    {%- if not entries -%}
        {{ return('cast(map() as ' ~ map_type ~ ')') }}
    {%- endif -%}
    {%- set structs = [] -%}
    {%- for entry in entries | sort(attribute='key') -%}
        {%- do structs.append("{'key': '" ~ entry.key | replace("'", "''") ~ "', 'value': "
                              ~ "cast(nullif(trim(cast(" ~ entry.ref ~ " as varchar)), '') as " ~ value_type ~ ")}") -%}
    {%- endfor -%}
    {{ return('cast(map_from_entries(list_filter([' ~ structs | join(', ') ~ '], entry -> entry.value is not null)) as ' ~ map_type ~ ')') }}
{% endmacro %}


{#- The legacy CUR line items as landed (DuckDB). Athena has no landing step: there the relation
    is empty, with the CUR 2.0 columns, until legacy reports are made available as a table in the
    landed shape (docs/legacy_cur.md). -#}
{% macro legacy_cur_line_items() %}
    {{ return(adapter.dispatch('legacy_cur_line_items', 'infralyzer')()) }}
{% endmacro %}

{#- (Athena's Glue tables type CUR timestamps without a zone, as UTC) -#}
{% macro default__legacy_cur_line_items() -%}
    {{ infralyzer.empty_export_relation(source_columns('aws_cur', 'cur2'), {'timestamp with time zone': 'timestamp'}) }}
{%- endmacro %}

{% macro duckdb__legacy_cur_line_items() -%}
    select * from {{ source('aws_cur_legacy', 'cur1') }}
{%- endmacro %}


{#- SQL: the export type whose models read a delivery of the type in `column`. A source landed in
    another's columns (meta.landed_as: legacy CUR as CUR 2.0) counts as that one's type, so its
    deliveries build, and on re-delivery rebuild, the CUR line-item marts. -#}
{% macro read_as_export_type(column) -%}
    {%- set whens = [] -%}
    {%- for source in (graph.sources.values() if execute else []) | sort(attribute='unique_id') if source.meta.get('landed_as') -%}
        {%- do whens.append("when '" ~ source.meta['export_type'] ~ "' then '"
                            ~ graph.sources['source.infralyzer.' ~ source.meta['landed_as']].meta['export_type'] ~ "'") -%}
    {%- endfor -%}
    {{ ('case ' ~ column ~ ' ' ~ whens | join(' ') ~ ' else ' ~ column ~ ' end') if whens else column }}
{%- endmacro %}


{#- The declared columns of a source table ([{name, data_type}]), in their YAML order. -#}
{% macro source_columns(source_name, table_name) %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(graph.sources['source.infralyzer.' ~ source_name ~ '.' ~ table_name].columns.values() | list) }}
{% endmacro %}


{#- An export relation without rows: the declared columns, typed (data types renamed by
    `type_names`, e.g. for another engine), plus billing_period and export_name. -#}
{% macro empty_export_relation(columns, type_names={}) -%}
    select
    {%- for column in columns %}
        cast(null as {{ type_names.get(column.data_type, column.data_type) }}) as {{ column.name }},
    {%- endfor %}
        cast(null as varchar) as billing_period,
        cast(null as varchar) as export_name
    where false
{%- endmacro %}
