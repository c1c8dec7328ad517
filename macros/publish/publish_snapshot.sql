{#-
    Publishes the marts as a new read-only snapshot after a successful `dbt build` / `dbt run`
    (on-run-end; step 6, the last, of the delivery lifecycle: docs/run_order.md). Readers (the API, BI tools) never open the build database: DuckDB allows one
    writer or many readers per file, so a reader on the build file would break the next build.

    A snapshot is a new DuckDB file <publish_dir>/snapshot-<UTC time>-<invocation>.duckdb holding
    every mart table (schema `marts`), the dbt docs of their columns (`main.table_docs`), their
    `config.meta` (`main.table_meta`: the account scope each declares, mart_scopes.sql), the
    semantic manifest dbt wrote at parse time (`main.semantic_manifest`: the API answers metrics
    with the definitions the marts were built with) and, written last, `main.snapshot_info`.
    Everything is written in one transaction into a hidden temp file, which is then fsynced,
    recorded in a manifest (size, SHA-256) and
    renamed to its snapshot name (infralyzer.snapshot_files, through the dbt-duckdb plugin
    infralyzer.dbt_plugin); a publish that fails (disk full) or is killed leaves only temp files,
    which are removed. Readers take the newest snapshot that matches its manifest
    (infralyzer.publish); older snapshots are pruned by `infralyzer publish --prune`. A failed or
    partial build publishes nothing, so the last good snapshot stays.

    Never silently wrong: a build whose exports hold fewer billing periods than the served
    snapshot (an export folder emptied, renamed or synced from the wrong prefix) fails here and
    publishes nothing, naming the missing periods; var allow_fewer_periods (or
    INFRALYZER_ALLOW_FEWER_PERIODS=1) accepts a deliberate shrink. Tests that warn (the FOCUS
    tests: a bad FOCUS export must not block the CUR marts) do not stop publishing; the snapshot
    lists them in snapshot_info.warnings and the log names them.

    After a re-delivery most rows are already published: the publish then starts from a copy of
    the served snapshot (checked against its manifest as it is copied) and, in each incremental
    mart of the same generation (table_generations.sql), replaces only the billing periods whose
    (period, delivery) pairs differ from the build's; every other mart is copied whole. A full
    refresh, a mart built whole since, or a copy that fails its check publishes every row.

    On Athena the marts are tables that readers query in place; nothing is copied.
-#}
{% macro publish_snapshot(results) %}
    {{ return(adapter.dispatch('publish_snapshot', 'infralyzer')(results)) }}
{% endmacro %}

{% macro default__publish_snapshot(results) %}
    select 1 as marts_are_served_in_place
{% endmacro %}

{% macro duckdb__publish_snapshot(results) %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('select 1 as nothing_to_publish') }}
    {%- endif -%}
    {%- set failures = [] -%}
    {%- for result in results if result.status in ('error', 'fail', 'runtime error', 'skipped') -%}
        {%- do failures.append(result.node.name) -%}
    {%- endfor -%}
    {%- if failures -%}
        {{ log("Not publishing: " ~ failures | length ~ " node(s) failed or were skipped ("
               ~ failures[:5] | join(', ') ~ "). The last published snapshot stays in place.", info=true) }}
        {{ return('select 1 as nothing_to_publish') }}
    {%- endif -%}

    {%- set undeclared = infralyzer.mart_scope_problems() -%}
    {%- if undeclared -%}
        {{ log("Not publishing: " ~ undeclared | length ~ " mart(s) do not declare their account scope ("
               ~ undeclared[:5] | map('first') | join(', ') ~ "; macros/publish/mart_scopes.sql). "
               ~ "The last published snapshot stays in place.", info=true) }}
        {{ return('select 1 as nothing_to_publish') }}
    {%- endif -%}

    {%- set warnings = [] -%}
    {%- for result in results if result.status == 'warn' -%}
        {%- do warnings.append(result.node.name) -%}
    {%- endfor -%}

    {%- set marts = infralyzer.published_marts() -%}
    {%- for node in marts -%}
        {%- if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is none -%}
            {{ log("Not publishing: mart " ~ node.alias ~ " has not been built yet (a selective build on a new "
                   ~ "database). The last published snapshot stays in place.", info=true) }}
            {{ return('select 1 as nothing_to_publish') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set publish_dir = infralyzer.publish_dir() -%}
    {%- set built_at = modules.datetime.datetime.utcnow() -%}
    {%- set file_name = 'snapshot-' ~ built_at.strftime('%Y%m%dT%H%M%S') ~ '-' ~ invocation_id[:8] ~ '.duckdb' -%}
    {%- set path = publish_dir ~ '/' ~ file_name -%}
    {%- set temp_path = publish_dir ~ '/.' ~ file_name ~ '.tmp' -%}
    {%- do infralyzer.begin_publish(publish_dir, temp_path) -%}
    {%- do infralyzer.check_periods_do_not_shrink(publish_dir) -%}
    {%- set newest_period = run_query(
        "select max(billing_period) from landing.deliveries where " ~ infralyzer.read_as_export_type('export_type') ~ " = 'cur2'"
    ).columns[0].values()[0] -%}

    {#- an incremental publish starts from a copy of the served snapshot (snapshot_to_start_from) -#}
    {%- set generations = infralyzer.table_generations() -%}
    {%- set base = infralyzer.snapshot_to_start_from(publish_dir, marts, generations, temp_path) -%}
    {%- do run_query("select infralyzer_discard_snapshot_copy()") -%}  {#- one not taken -#}
    {%- set statements = [
        "attach '" ~ temp_path ~ "' as infralyzer_snapshot",
        "begin transaction",
        "create schema if not exists infralyzer_snapshot.marts",
    ] -%}
    {%- for node in marts -%}
        {%- set relation = infralyzer.built_relation(node) -%}
        {%- set copied = "infralyzer_snapshot.marts." ~ node.alias -%}
        {%- if base and node.alias in base['reused'] -%}
            {#- only the billing periods whose (period, delivery) pairs differ are replaced
                (snapshot_to_start_from found them) -#}
            {%- set period = infralyzer.billing_period_columns(node.config)[0] -%}
            {%- set changed = base['changed_periods'][node.alias] -%}
            {%- if changed['replaced'] -%}
                {%- do statements.append(
                    "delete from " ~ copied ~ " where " ~ infralyzer.billing_periods_in(period, changed['replaced'])) -%}
            {%- endif -%}
            {%- if changed['built'] -%}
                {%- do statements.append(
                    "insert into " ~ copied ~ " by name select * from " ~ relation ~ " where "
                    ~ infralyzer.billing_periods_in(period, changed['built'])) -%}
            {%- endif -%}
        {%- else -%}
            {%- do statements.append("drop table if exists " ~ copied) -%}
            {%- do statements.append("create table " ~ copied ~ " as select * from " ~ relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if base -%}
        {#- marts the project no longer has, and the tables written below, go -#}
        {%- for table in base['tables'] if table not in marts | map(attribute='alias') -%}
            {%- do statements.append("drop table infralyzer_snapshot.marts." ~ table) -%}
        {%- endfor -%}
        {%- for table in ('table_docs', 'table_meta', 'table_generations', 'semantic_manifest', 'snapshot_info') -%}
            {%- do statements.append("drop table if exists infralyzer_snapshot.main." ~ table) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do statements.append(
        "create table infralyzer_snapshot.main.table_generations (table_name varchar, generation varchar)") -%}
    {%- set generation_rows = [] -%}
    {%- for node in marts if generations.get(node.alias) -%}
        {%- do generation_rows.append("('" ~ node.alias ~ "', '" ~ generations[node.alias] ~ "')") -%}
    {%- endfor -%}
    {%- if generation_rows -%}
        {%- do statements.append("insert into infralyzer_snapshot.main.table_generations values " ~ generation_rows | join(', ')) -%}
    {%- endif -%}
    {%- do statements.append(
        "create table infralyzer_snapshot.main.table_docs (table_name varchar, column_name varchar, description varchar)") -%}
    {%- set doc_rows = [] -%}
    {%- for node in marts -%}
        {%- do doc_rows.append("('" ~ node.alias ~ "', null, " ~ infralyzer.sql_string(node.description) ~ ")") -%}
        {%- for column in node.columns.values() -%}
            {%- do doc_rows.append("('" ~ node.alias ~ "', '" ~ column.name ~ "', " ~ infralyzer.sql_string(column.description) ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if doc_rows -%}
        {%- do statements.append("insert into infralyzer_snapshot.main.table_docs values " ~ doc_rows | join(', ')) -%}
    {%- endif -%}
    {#- Each mart's `config.meta` from dbt's manifest: its account scope (mart_scopes.sql). -#}
    {%- do statements.append(
        "create table infralyzer_snapshot.main.table_meta (table_name varchar, meta_json varchar)") -%}
    {%- set meta_rows = [] -%}
    {%- for node in marts -%}
        {%- do meta_rows.append("('" ~ node.alias ~ "', " ~ infralyzer.sql_string(tojson(node.config.meta)) ~ ")") -%}
    {%- endfor -%}
    {%- if meta_rows -%}
        {%- do statements.append("insert into infralyzer_snapshot.main.table_meta values " ~ meta_rows | join(', ')) -%}
    {%- endif -%}
    {#- The semantic manifest dbt wrote at parse time, so the API answers metrics with the
        definitions the snapshot's marts were built with. -#}
    {%- set manifest_path = infralyzer.semantic_manifest_path() -%}
    {%- if manifest_path and run_query("select count(*) from glob('" ~ manifest_path ~ "')").columns[0].values()[0] > 0 -%}
        {%- do statements.append(
            "create table infralyzer_snapshot.main.semantic_manifest as select content as manifest_json from read_text('"
            ~ manifest_path ~ "')") -%}
    {%- else -%}
        {{ log("No semantic manifest at " ~ manifest_path ~ ": the snapshot is published without metrics.", info=true) }}
    {%- endif -%}
    {%- do statements.append(
        "create table infralyzer_snapshot.main.snapshot_info as select "
        ~ "cast('" ~ built_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp) as built_at, "
        ~ "'" ~ invocation_id ~ "' as invocation_id, "
        ~ "'" ~ dbt_version ~ "' as dbt_version, "
        ~ (("'" ~ newest_period ~ "'") if newest_period else "cast(null as varchar)") ~ " as newest_billing_period, "
        ~ marts | length ~ " as table_count, "
        ~ "cast(" ~ infralyzer.sql_string(warnings | join(', ')) ~ " as varchar) as warnings") -%}
    {%- do statements.append("commit") -%}
    {%- do statements.append("detach infralyzer_snapshot") -%}
    {%- do statements.append("select infralyzer_seal_snapshot('" ~ temp_path ~ "', '" ~ path ~ "') as published") -%}
    {%- if warnings -%}
        {{ log("Publishing despite " ~ warnings | length ~ " test warning(s) (" ~ warnings | join(', ')
               ~ "); the snapshot lists them (snapshot_info.warnings).", info=true) }}
    {%- endif -%}
    {{ log("Publishing " ~ marts | length ~ " mart(s) to " ~ path ~ (
        (": starting from " ~ base['path'] ~ ", whose rows of unchanged billing periods "
         ~ base['reused'] | join(', ') ~ " keep") if base else ""), info=true) }}
    {{ return(statements | join(';\n') ~ ';') }}
{% endmacro %}


{#- Fails the build, publishing nothing, when an export type delivers fewer billing periods than
    the served snapshot (the newest complete one) holds: the marts would silently lose them. -#}
{% macro check_periods_do_not_shrink(publish_dir) %}
    {%- if var('allow_fewer_periods', env_var('INFRALYZER_ALLOW_FEWER_PERIODS', '0')) | string | lower in ('1', 'true') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set served = infralyzer.served_snapshot_periods(publish_dir) -%}
    {%- if served is none -%}{{ return(none) }}{%- endif -%}
    {%- set landed = run_query("select export_type || ' ' || billing_period from landing.deliveries").columns[0].values() | list -%}
    {%- set missing = served['periods'] | reject('in', landed) | list -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Not publishing: the exports hold fewer billing periods than the served snapshot "
            ~ served['path'] ~ ". Missing (export type, period): " ~ missing | join('; ')
            ~ ". Was an export folder emptied, renamed, or synced from another prefix? The served snapshot stays. "
            ~ "To accept fewer periods deliberately: --vars '{allow_fewer_periods: true}' or INFRALYZER_ALLOW_FEWER_PERIODS=1.") }}
    {%- endif -%}
{% endmacro %}


{#- The newest complete snapshot (one with snapshot_info) and the '<export type> <period>' pairs
    its fct_export_deliveries holds: {path, periods}, or none when nothing is published. -#}
{% macro served_snapshot_periods(publish_dir) %}
    {%- for path in infralyzer.good_snapshots(publish_dir) -%}
        {%- set periods = none -%}
        {%- do run_query("attach '" ~ path ~ "' as infralyzer_served (read_only)") -%}
        {%- set found = run_query(
            "select table_name || '.' || column_name from information_schema.columns "
            ~ "where table_catalog = 'infralyzer_served' and table_name in ('snapshot_info', 'fct_export_deliveries')"
        ).columns[0].values() | list -%}
        {%- if 'snapshot_info.built_at' in found and 'fct_export_deliveries.billing_period' in found -%}
            {#- snapshots published before export types were recognised name the type in export_name -#}
            {%- set type_column = 'export_type' if 'fct_export_deliveries.export_type' in found else 'export_name' -%}
            {%- set periods = run_query("select distinct " ~ type_column ~ " || ' ' || billing_period "
                                        ~ "from infralyzer_served.marts.fct_export_deliveries order by 1").columns[0].values() | list -%}
        {%- endif -%}
        {%- do run_query("detach infralyzer_served") -%}
        {%- if periods is not none -%}
            {{ return({'path': path, 'periods': periods}) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}


{#- The served snapshot this publish starts from, copied to temp_path: {path, reused: the
    incremental marts whose rows of unchanged billing periods it keeps, tables: its marts}; or
    none, and the publish writes every row: nothing served yet, a full refresh, no incremental
    mart of the generation and columns the snapshot holds (table_generations.sql), or a copy that
    does not match the snapshot's manifest. -#}
{% macro snapshot_to_start_from(publish_dir, marts, generations, temp_path) %}
    {%- set candidates = [] -%}
    {%- for node in marts if node.config.materialized == 'incremental' and generations.get(node.alias) -%}
        {%- do candidates.append(node) -%}
    {%- endfor -%}
    {%- if flags.FULL_REFRESH or not candidates -%}{{ return(none) }}{%- endif -%}
    {%- set served = infralyzer.good_snapshots(publish_dir) | first -%}
    {%- if not served -%}{{ return(none) }}{%- endif -%}
    {%- do run_query("attach '" ~ served ~ "' as infralyzer_base (read_only)") -%}
    {%- set reused, tables = [], [] -%}
    {%- if run_query("select count(*) from information_schema.tables where table_catalog = 'infralyzer_base' "
                     ~ "and table_schema = 'main' and table_name = 'table_generations'").columns[0].values()[0] > 0 -%}
        {%- set served_generations = infralyzer.query_as_dict(
            "select table_name, generation from infralyzer_base.main.table_generations") -%}
        {#- each mart's columns and types, in the snapshot and in the build: "<catalog>.<table>" -> list -#}
        {%- set build = candidates[0] -%}
        {%- set columns = infralyzer.query_as_dict(
            "select table_catalog || '.' || table_name, string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) "
            ~ "from information_schema.columns where (table_catalog = 'infralyzer_base' and table_schema = 'marts') "
            ~ "or (table_catalog = '" ~ build.database ~ "' and table_schema = '" ~ build.schema ~ "') group by 1") -%}
        {%- for node in candidates
            if served_generations.get(node.alias) == generations[node.alias]
            and columns.get('infralyzer_base.' ~ node.alias) == columns.get(node.database ~ '.' ~ node.alias) -%}
            {%- do reused.append(node.alias) -%}
        {%- endfor -%}
        {%- for key in columns if key.startswith('infralyzer_base.') -%}
            {%- do tables.append(key.split('.', 1)[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {#- per reused mart, the billing periods whose (period, delivery) pairs differ between the
        snapshot and the build: `replaced` (deleted from the copy), of which `built` are inserted
        from the build (the others are no longer delivered). Asked here, on the two columns only,
        so that the publish then names them as literals and reads no other period's rows. -#}
    {%- set changed_periods = {} -%}
    {%- for node in candidates if node.alias in reused -%}
        {%- set period, delivery = infralyzer.billing_period_columns(node.config) -%}
        {%- set built_pairs = "select distinct " ~ period ~ " as period, " ~ delivery ~ " as delivery from "
            ~ infralyzer.built_relation(node) -%}
        {%- set served_pairs = "select distinct " ~ period ~ " as period, " ~ delivery ~ " as delivery from infralyzer_base.marts." ~ node.alias -%}
        {%- set differing = run_query(
            "select period, bool_or(in_build) as in_build from ("
            ~ "select period, true as in_build from (" ~ built_pairs ~ " except " ~ served_pairs ~ ") "
            ~ "union all select period, false as in_build from (" ~ served_pairs ~ " except " ~ built_pairs ~ ")) "
            ~ "where period is not null group by period order by period") -%}
        {%- set replaced, built = [], [] -%}
        {%- for row in differing -%}
            {%- do replaced.append(row[0]) -%}
            {%- if row[1] -%}{%- do built.append(row[0]) -%}{%- endif -%}
        {%- endfor -%}
        {%- do changed_periods.update({node.alias: {'replaced': replaced, 'built': built}}) -%}
    {%- endfor -%}
    {%- do run_query("detach infralyzer_base") -%}
    {%- if not reused -%}{{ return(none) }}{%- endif -%}
    {%- set problem = run_query("select infralyzer_copy_snapshot('" ~ served ~ "', '" ~ temp_path ~ "')").columns[0].values()[0] -%}
    {%- if problem -%}
        {{ log("Publishing every row again: " ~ problem ~ ".", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {{ return({'path': served, 'reused': reused, 'tables': tables, 'changed_periods': changed_periods}) }}
{% endmacro %}


{#- on-run-start: starts copying the served snapshot on a thread of the dbt-duckdb plugin, so that
    the copy an incremental publish starts from (snapshot_to_start_from) is made while the models
    build, not after them. The publish takes it if it starts from the same snapshot, else it is
    removed (a full refresh, nothing reused, a newer snapshot published meanwhile). -#}
{% macro start_copying_served_snapshot() %}
    {{ return(adapter.dispatch('start_copying_served_snapshot', 'infralyzer')()) }}
{% endmacro %}

{% macro default__start_copying_served_snapshot() %}
    select 1 as marts_are_served_in_place
{% endmacro %}

{% macro duckdb__start_copying_served_snapshot() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') or flags.FULL_REFRESH -%}
        {{ return('select 1 as nothing_to_copy') }}
    {%- endif -%}
    {#- without the plugin the publish fails later, saying so (begin_publish) -#}
    {%- if not infralyzer.publish_plugin_loaded() -%}{{ return('select 1 as nothing_to_copy') }}{%- endif -%}
    {%- set publish_dir = infralyzer.publish_dir() -%}
    {%- set served = infralyzer.good_snapshots(publish_dir) | first -%}
    {%- if not served -%}{{ return('select 1 as nothing_to_copy') }}{%- endif -%}
    {%- set staging = publish_dir ~ '/.snapshot-copy-' ~ invocation_id[:8] ~ '.duckdb.tmp' -%}
    {{ return("select infralyzer_start_snapshot_copy('" ~ served ~ "', '" ~ staging ~ "') as started") }}
{% endmacro %}


{#- Whether the DuckDB profile loads the plugin infralyzer.dbt_plugin, whose functions write
    snapshot files (profiles.yml, plugins). -#}
{% macro publish_plugin_loaded() %}
    {{ return(run_query("select count(*) from duckdb_functions() where function_name = 'infralyzer_begin_publish'"
                        ).columns[0].values()[0] > 0) }}
{% endmacro %}


{#- The folder snapshots are published to: var publish_dir, else INFRALYZER_PUBLISH_DIR. -#}
{% macro publish_dir() %}
    {{ return(var('publish_dir', env_var('INFRALYZER_PUBLISH_DIR', 'data/publish')).rstrip('/')) }}
{% endmacro %}


{#- The snapshots of the publish folder that match their manifest (a damaged one is never the
    served one), newest first. -#}
{% macro good_snapshots(publish_dir) %}
    {%- set listing = run_query("select infralyzer_good_snapshots('" ~ publish_dir ~ "')").columns[0].values()[0] -%}
    {{ return((listing or '').split('\n') | reject('equalto', '') | list) }}
{% endmacro %}


{#- A query's first two columns as a dict: first -> second. -#}
{% macro query_as_dict(sql) %}
    {%- set pairs = {} -%}
    {%- for row in run_query(sql) -%}
        {%- do pairs.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{% endmacro %}


{#- <target path>/semantic_manifest.json, written by dbt when it parses the project (before the run). -#}
{% macro semantic_manifest_path() %}
    {%- set target_path = (flags.TARGET_PATH or env_var('DBT_TARGET_PATH', '') or 'target') | string -%}
    {%- if not target_path.startswith('/') and flags.PROJECT_DIR -%}
        {%- set target_path = (flags.PROJECT_DIR | string).rstrip('/') ~ '/' ~ target_path -%}
    {%- endif -%}
    {{ return(target_path.rstrip('/') ~ '/semantic_manifest.json') }}
{% endmacro %}


{#- The models readers may see: tables in the marts schema (models/marts/ and the semantic layer's
    time spine, models/semantic/). -#}
{% macro published_marts() %}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id')
        if node.resource_type == 'model' and node.config.schema == 'marts'
        and node.config.materialized in ('table', 'incremental') and node.config.enabled -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {{ return(marts) }}
{% endmacro %}


{#- A mart's table in the build database, quoted: "<database>"."<schema>"."<alias>". -#}
{% macro built_relation(node) %}
    {{ return(adapter.quote(node.database) ~ "." ~ adapter.quote(node.schema) ~ "." ~ adapter.quote(node.alias)) }}
{% endmacro %}


{% macro sql_string(text) -%}
    {%- if text -%}'{{ text | replace("'", "''") }}'{%- else -%}null{%- endif -%}
{%- endmacro %}


{#- Readies the publish folder (recreated if it was removed under a running build; temp files of
    failed publishes removed) with the plugin's function; a profile without the plugin is named. -#}
{% macro begin_publish(publish_dir, temp_path) %}
    {%- if not infralyzer.publish_plugin_loaded() -%}
        {{ exceptions.raise_compiler_error(
            "Not publishing: the DuckDB profile lacks the plugin infralyzer.dbt_plugin (profiles.yml, plugins), "
            ~ "which writes snapshot files safely. The last published snapshot stays.") }}
    {%- endif -%}
    {%- do run_query("select infralyzer_begin_publish('" ~ publish_dir ~ "', '" ~ temp_path ~ "')") -%}
{% endmacro %}
