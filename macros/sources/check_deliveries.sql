{#-
    Checks of the landing (macros/sources/land_exports.sql, step 1 of docs/run_order.md) that
    refuse a delivery before anything is built, with an error naming export, period, file and
    column. The run stops in on-run-start, so no model, mart or snapshot changes, and the next
    build with a good delivery lands everything afresh.

      * check_deliveries_not_empty: AWS never delivers an empty billing period for an active
        account (CUR, FOCUS and legacy CUR always hold at least the period's usage or fees), so a
        delivery of a source with `meta.never_empty: true` whose files hold no row is a broken
        delivery, not "no spend".
      * delivered_type_drift: a Parquet column whose type differs from the one the source declares
        is cast only when that is lossless (the type widens, e.g. int to double or float to
        double, or every value converts exactly); otherwise the run stops.
-#}

{#- Fails when a delivery of a never-empty source holds no row. Parquet row counts come from the
    footers (one query); other deliveries are probed for one row. -#}
{% macro check_deliveries_not_empty(sources, deliveries) %}
    {%- set never_empty = sources | selectattr('meta.never_empty', 'defined') | selectattr('meta.never_empty')
                          | map(attribute='meta.export_type') | list -%}
    {%- set checked = deliveries | selectattr('export_type', 'in', never_empty) | list -%}
    {%- set parquet_files = [] -%}
    {%- for delivery in checked if not delivery.get('select_sql') and delivery['file_format'] == 'parquet' -%}
        {%- do parquet_files.extend(delivery['files']) -%}
    {%- endfor -%}
    {%- set rows_of = {} -%}
    {%- if parquet_files -%}
        {%- set counts = run_query("select file_name, num_rows from parquet_file_metadata(['" ~ parquet_files | join("', '") ~ "'])") -%}
        {%- for row in counts.rows -%}
            {%- do rows_of.update({row['file_name']: row['num_rows']}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for delivery in checked -%}
        {%- if not delivery.get('select_sql') and delivery['file_format'] == 'parquet' -%}
            {%- set ns = namespace(rows=0) -%}
            {%- for f in delivery['files'] -%}{%- set ns.rows = ns.rows + rows_of.get(f, 0) -%}{%- endfor -%}
            {%- set empty = ns.rows == 0 -%}
        {%- else -%}
            {%- set relation = '(' ~ delivery['select_sql'] ~ ')' if delivery.get('select_sql')
                               else infralyzer.read_files_sql(delivery['file_format'], delivery['files']) -%}
            {%- set empty = run_query("select count(*) from (select 1 from " ~ relation ~ " limit 1) as probe").columns[0].values()[0] == 0 -%}
        {%- endif -%}
        {%- if empty -%}
            {{ exceptions.raise_compiler_error(
                "Export '" ~ delivery['export_name'] ~ "' (" ~ delivery['export_type'] ~ "), billing period "
                ~ delivery['billing_period'] ~ ": the delivery " ~ delivery['execution_id'] ~ " holds no rows in its "
                ~ delivery['files'] | length ~ " file(s) (" ~ delivery['files'] | map('replace', infralyzer.exports_dir() ~ '/', '') | join(', ')
                ~ "). AWS never delivers an empty billing period for an active account: this is a broken or "
                ~ "partial delivery. Nothing was built or published; the last published snapshot stays. Re-sync the "
                ~ "billing period, or remove its folders if the period is meant to go (with allow_fewer_periods).") }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- The type family of a declared data_type: string, integer, float, decimal, boolean, date,
    timestamp, map (lists and structs are not declared). -#}
{% macro declared_type_family(data_type) %}
    {%- set t = data_type | lower | trim -%}
    {%- if t.startswith('map') -%}{{ return('map') }}
    {%- elif t.startswith('timestamp') -%}{{ return('timestamp') }}
    {%- elif t in ('double', 'float', 'real', 'float8', 'float4') -%}{{ return('float') }}
    {%- elif t.startswith('decimal') or t.startswith('numeric') -%}{{ return('decimal') }}
    {%- elif t in ('integer', 'int', 'bigint', 'smallint', 'tinyint', 'hugeint') -%}{{ return('integer') }}
    {%- else -%}{{ return({'boolean': 'boolean', 'date': 'date'}.get(t, 'string')) }}
    {%- endif -%}
{% endmacro %}


{#- SQL: the type family of each column of Parquet files (parquet_schema rows: name, type,
    converted_type, logical_type). -#}
{% macro parquet_type_family_sql() %}
    {{ return("case
        when converted_type = 'MAP' then 'map'
        when converted_type = 'LIST' then 'list'
        when type is null then 'struct'
        when type = 'BOOLEAN' then 'boolean'
        when type in ('FLOAT', 'DOUBLE') then 'float'
        when converted_type = 'DECIMAL' then 'decimal'
        when converted_type = 'DATE' then 'date'
        when converted_type like 'TIMESTAMP%' or logical_type like 'TimestampType%' or type = 'INT96' then 'timestamp'
        when converted_type like 'TIME%' or logical_type like 'TimeType%' then 'time'
        when type in ('INT32', 'INT64') then 'integer'
        when converted_type in ('UTF8', 'ENUM', 'JSON') or logical_type like 'StringType%' then 'string'
        else 'binary'
    end") }}
{% endmacro %}


{#- The columns of a Parquet delivery whose delivered type differs from the declared one: fails,
    naming file and column, unless every such column casts losslessly; returns the names of the
    columns delivered as strings (landed_columns_sql reads their empty strings as nulls, as it
    does for CSV). `file_types` is {file: {lower-case column: {family, parquet_type}}}. -#}
{% macro delivered_type_drift(source, delivery, file_types) %}
    {%- set widening = {'integer': ['float', 'decimal'], 'date': ['timestamp']} -%}
    {%- set as_strings = [] -%}
    {%- for f in delivery['files'] -%}
        {%- set checks = [] -%}
        {%- for column in source.columns.values() -%}
            {%- set delivered = file_types.get(f, {}).get(column.name | lower) -%}
            {%- set declared = infralyzer.declared_type_family(column.data_type) -%}
            {%- if delivered and delivered['family'] != declared and declared not in widening.get(delivered['family'], []) -%}
                {%- if delivered['family'] == 'list' and declared == 'string' -%}
                    {#- a list where text is declared (Google Cloud's FOCUS ServiceCategory): read as its
                        text '[a, b, ...]', which staging interprets (macros/focus/focus_service_category.sql) -#}
                {%- elif delivered['family'] in ('map', 'list', 'struct', 'binary', 'time') or declared == 'map'
                      or (declared == 'string' and delivered['family'] not in ('integer', 'float', 'decimal', 'boolean', 'date', 'timestamp')) -%}
                    {%- do checks.append({'column': column, 'delivered': delivered, 'sql': 'true'}) -%}
                {%- elif declared == 'string' -%}
                    {#- a number, date or flag as text: exact -#}
                {%- elif delivered['family'] == 'string' -%}
                    {%- set text = "nullif(cast(\"" ~ column.name ~ "\" as varchar), '')" -%}
                    {%- do checks.append({'column': column, 'delivered': delivered,
                        'sql': text ~ " is not null and try_cast(" ~ text ~ " as " ~ column.data_type ~ ") is null"}) -%}
                    {%- if column.name not in as_strings -%}{%- do as_strings.append(column.name) -%}{%- endif -%}
                {%- else -%}
                    {%- set cast = "try_cast(\"" ~ column.name ~ "\" as " ~ column.data_type ~ ")" -%}
                    {%- do checks.append({'column': column, 'delivered': delivered,
                        'sql': "\"" ~ column.name ~ "\" is not null and (" ~ cast ~ " is null or " ~ cast ~ " != \"" ~ column.name ~ "\")"}) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if checks -%}
            {%- set selects = [] -%}
            {%- for check in checks -%}
                {%- do selects.append("count(*) filter (where " ~ check['sql'] ~ ") as lossy_" ~ loop.index
                                      ~ ", min(cast(\"" ~ check['column'].name ~ "\" as varchar)) filter (where " ~ check['sql'] ~ ") as example_" ~ loop.index) -%}
            {%- endfor -%}
            {%- set found = run_query("select " ~ selects | join(', ') ~ " from read_parquet('" ~ f ~ "')").rows[0] -%}
            {%- for check in checks -%}
                {%- set lossy = found['lossy_' ~ loop.index] -%}
                {%- if lossy -%}
                    {{ exceptions.raise_compiler_error(
                        "Export '" ~ delivery['export_name'] ~ "' (" ~ source.meta['export_type'] ~ "), billing period "
                        ~ delivery['billing_period'] ~ ": " ~ f ~ " delivers column " ~ check['column'].name ~ " as "
                        ~ check['delivered']['parquet_type'] ~ " where the source declares " ~ check['column'].data_type ~ ", and "
                        ~ lossy ~ " value(s) cannot be cast without loss (e.g. " ~ (found['example_' ~ loop.index] | string)[:60] ~ "). "
                        ~ "Nothing was built or published. Check the export's table configuration, or the column's data_type "
                        ~ "in the source's YAML.") }}
                {%- endif -%}
            {%- endfor -%}
            {{ log("Warning: export '" ~ delivery['export_name'] ~ "', billing period " ~ delivery['billing_period'] ~ ": "
                   ~ f ~ " delivers " ~ checks | map(attribute='column.name') | join(', ')
                   ~ " in another type than declared; every value converts exactly, so it is cast.", info=true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(as_strings) }}
{% endmacro %}
