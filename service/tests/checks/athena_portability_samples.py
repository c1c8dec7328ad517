"""What the tests of the offline Athena (Trino) portability check share: the check itself, assertions
on it, and the SQL samples: each DuckDB-only construct with its Trino equivalent (`PAIRS`), and a
corpus of realistic Trino / Athena SQL that must raise no false alarm (`VALID_TRINO`)."""

from __future__ import annotations

import sys
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[2]
try:
    from infralyzer.checks import athena_portability as ap
except ModuleNotFoundError:  # running from a checkout without the package installed
    sys.path.insert(0, str(SERVICE_DIR))
    from infralyzer.checks import athena_portability as ap

check_sql = ap.check_sql


def constructs(sql: str) -> list[str]:
    return [v.construct for v in check_sql(sql)]


def assert_clean(sql: str) -> None:
    violations = check_sql(sql)
    assert violations == [], "\n".join(v.format() for v in violations)


def assert_reported(sql: str, construct: str) -> None:
    found = constructs(sql)
    assert any(construct in c for c in found), f"{construct!r} not in {found}"


# ---------------------------------------------------------------------------------------------
# Each DuckDB-only construct, and the Trino way of writing the same thing (must stay clean).
# (id, DuckDB-only SQL, expected construct substring, valid Trino equivalent)
# ---------------------------------------------------------------------------------------------
PAIRS = [
    ("star_exclude", "select * exclude (secret) from t", "select * exclude",
     "select id, name from t"),
    ("star_replace", "select * replace (upper(name) as name) from t", "select * replace",
     "select id, upper(name) as name from t"),
    ("columns_star", "select min(columns(*)) from t", "columns(*)",
     "select min(a) as a, min(b) as b from t"),
    ("dcolon_cast", "select cost::decimal(38, 10) as cost from t", "'::' cast",
     "select cast(cost as decimal(38, 10)) as cost from t"),
    ("ilike", "select * from t where service ilike '%ec2%'", "ilike",
     "select * from t where lower(service) like '%ec2%'"),
    ("group_by_all", "select a, sum(b) as b from t group by all", "group by all",
     "select a, sum(b) as b from t group by a"),
    ("order_by_all", "select a, b from t order by all", "order by all",
     "select a, b from t order by 1, 2"),
    ("struct_literal", "select {'a': 1, 'b': 'x'} as s", "struct literal",
     "select cast(row(1, 'x') as row(a integer, b varchar)) as s"),
    ("map_literal", "select map {'a': 1} as m", "map literal",
     "select map(array['a'], array[1]) as m"),
    ("list_literal", "select [1, 2, 3] as l", "list literal",
     "select array[1, 2, 3] as l, array[1, 2, 3][1] as first"),
    ("list_literal_in_call", "select list_contains(['a', 'b'], x) from t", "list literal",
     "select contains(array['a', 'b'], x) from t"),
    ("list_slice", "select l[1:2] as s from t", "list slicing",
     "select slice(l, 1, 2) as s, l[1] as first, m['k'] as v from t"),
    ("string_table", "select * from 'exports/data/*.parquet'", "string literal as table",
     'select * from "awsdatacatalog"."cur"."cur_data"'),
    ("string_table_join", "select * from t join 'x.csv' on true", "string literal as table",
     "select * from t join u on true"),
    ("read_parquet",
     "select * from read_parquet('d/BILLING_PERIOD=*/*.parquet', hive_partitioning = true)",
     "table function read_parquet",
     'select * from "cur"."cur_data" where billing_period = \'2024-01\''),
    ("read_csv", "select * from read_csv('x.csv', header = true)", "table function read_csv",
     "select * from seeds.accounts"),
    ("read_csv_auto", "select * from read_csv_auto('x.csv')", "table function read_csv_auto",
     "select * from seeds.accounts"),
    ("read_json", "select * from read_json('x.json')", "table function read_json",
     "select json_extract_scalar(doc, '$.a') as a from docs"),
    ("read_json_auto", "select * from read_json_auto('x.json')", "read_json_auto",
     "select json_parse(doc) as j from docs"),
    ("read_text", "select * from read_text('x.txt')", "read_text", "select doc from docs"),
    ("read_blob", "select * from read_blob('x.bin')", "read_blob", "select doc from docs"),
    ("parquet_scan", "select * from parquet_scan('x.parquet')", "parquet_scan",
     'select * from "cur"."cur_data"'),
    ("glob", "select * from glob('exports/*/metadata/*.json')", "glob",
     'select "$path" as file from "cur"."cur_data"'),
    ("range_table", "select i from range(10) t(i)", "table function range",
     "select i from unnest(sequence(0, 9)) as t(i)"),
    ("generate_series", "select * from generate_series(1, 10) t(i)", "generate_series",
     "select i from unnest(sequence(1, 10)) as t(i)"),
    ("unnest_scalar", "select unnest(tags) as tag from t", "unnest() outside FROM",
     "select tag from t cross join unnest(tags) as u(tag)"),
    ("list_value", "select list_value(1, 2) as l", "list_value", "select array[1, 2] as l"),
    ("strftime", "select strftime(ts, '%Y-%m') as ym from t", "strftime",
     "select date_format(ts, '%Y-%m') as ym, format_datetime(ts, 'yyyy-MM') as ym2 from t"),
    ("strptime", "select strptime(s, '%Y-%m-%d') as d from t", "strptime",
     "select date_parse(s, '%Y-%m-%d') as d from t"),
    ("map_extract_value", "select map_extract_value(tags, 'team') as team from t",
     "map_extract_value", "select element_at(tags, 'team') as team from t"),
    ("map_extract", "select map_extract(tags, 'team')[1] as team from t", "map_extract",
     "select tags['team'] as team from t"),
    ("list_aggregate", "select list_aggregate(l, 'sum') as s from t", "list_aggregate",
     "select reduce(l, 0, (s, x) -> s + x, s -> s) as s from t"),
    ("epoch_ms", "select epoch_ms(1700000000000) as ts", "epoch_ms",
     "select from_unixtime(1700000000000 / 1000) as ts"),
    ("regexp_matches", "select * from t where regexp_matches(usage_type, '^Box')",
     "regexp_matches", "select * from t where regexp_like(usage_type, '^Box')"),
    ("string_split", "select string_split(s, ',') as parts from t", "string_split",
     "select split(s, ',') as parts from t"),
    ("len", "select len(s) as n from t", "len()", "select length(s) as n from t"),
    ("today", "select today() as d", "today", "select current_date as d"),
    ("struct_pack", "select struct_pack(a := 1) as s", "struct_pack",
     "select cast(row(1) as row(a integer)) as s"),
    ("date_part", "select date_part('year', d) as y from t", "date_part",
     "select year(d) as y, extract(year from d) as y2 from t"),
    ("qualify",
     "select * from t qualify row_number() over (partition by a order by b desc) = 1",
     "qualify",
     "select * from (select t.*, row_number() over (partition by a order by b desc) as rn "
     "from t) where rn = 1"),
    ("pivot", "pivot costs on service using sum(cost) group by account", "pivot",
     "select account, sum(case when service = 'ec2' then cost end) as ec2 from costs "
     "group by account"),
    ("unpivot", "unpivot costs on ec2, s3 into name service value cost", "unpivot",
     "select account, service, cost from costs cross join unnest(array['ec2', 's3'], "
     "array[ec2, s3]) as u(service, cost)"),
    ("using_sample", "select * from t using sample 10%", "using sample",
     "select * from t tablesample bernoulli (10)"),
    ("tablesample_reservoir", "select * from t tablesample reservoir(100 rows)",
     "tablesample reservoir", "select * from t tablesample system (5)"),
    ("create_macro", "create or replace macro cents(x) as x * 100", "create macro",
     "create or replace view v as select 1 as a"),
    ("install", "install httpfs", "statement install", "select 1"),
    ("load", "load httpfs", "statement load", "select 1"),
    ("attach", "attach 'warehouse.duckdb' as wh", "statement attach", "select 1"),
    ("pragma", "pragma threads = 4", "statement pragma", "select 1"),
    ("asof_join", "select * from prices p asof join rates r on p.ts >= r.ts", "asof join",
     "select p.ts, max_by(r.rate, r.ts) as rate from prices p join rates r on r.ts <= p.ts "
     "group by p.ts"),
    ("positional_join", "select * from a positional join b", "positional join",
     "select * from a join b on a.rn = b.rn"),
    ("positional_column", "select #1, #2 from t", "positional column",
     "select a, b from t order by 1, 2"),
    ("distinct_on", "select distinct on (account) account, cost from t order by account, cost",
     "distinct on", "select distinct account, cost from t"),
    ("union_by_name", "select a, b from t union by name select b, a from u", "union by name",
     "select a, b from t union all select a, b from u"),
    ("integer_division", "select 7 // 2 as q", "'//' integer division", "select 7 / 2 as q"),
    ("power_operator", "select 2 ** 3 as p", "'**' power", "select power(2, 3) as p"),
    ("json_arrow", "select doc -> '$.a' as a from docs", "'->' JSON operator",
     "select json_extract(doc, '$.a') as a, transform(arr, x -> x + 1) as b from docs"),
    ("json_double_arrow", "select doc ->> '$.a' as a from docs", "'->>' JSON operator",
     "select json_extract_scalar(doc, '$.a') as a from docs"),
    ("unquoted_interval", "select current_date - interval 3 month as d", "unquoted interval",
     "select current_date - interval '3' month as d"),
    ("interval_in_string", "select current_date - interval '3 months' as d",
     "interval without unit", "select date_add('month', -3, current_date) as d"),
    ("interval_plural_unit", "select ts + interval '2' days from t", "interval unit days",
     "select ts + interval '2' day from t"),
    ("type_text", "select cast(x as text) as s from t", "DuckDB type text",
     "select cast(x as varchar) as s from t"),
    ("type_string", "select cast(x as string) as s from t", "DuckDB type string",
     "select cast(x as varchar(255)) as s from t"),
    ("type_hugeint", "select cast(x as hugeint) as n from t", "DuckDB type hugeint",
     "select cast(x as decimal(38, 0)) as n from t"),
    ("type_ubigint", "select cast(x as ubigint) as n from t", "DuckDB type ubigint",
     "select cast(x as bigint) as n from t"),
    ("type_utinyint", "select try_cast(x as utinyint) as n from t", "DuckDB type utinyint",
     "select try_cast(x as tinyint) as n from t"),
    ("type_blob", "select cast(x as blob) as b from t", "DuckDB type blob",
     "select cast(x as varbinary) as b from t"),
    ("type_struct", "select cast(x as struct(a integer)) as s from t", "DuckDB type struct",
     "select cast(x as row(a integer)) as s from t"),
    ("type_list", "select cast(x as list) as l from t", "DuckDB type list",
     "select cast(x as array(varchar)) as l from t"),
    ("type_list_suffix", "select cast(x as varchar[]) as l from t", "DuckDB list type",
     "select cast(x as array(varchar)) as l from t"),
    ("type_nested", "select cast(x as map(text, text)) as m from t", "DuckDB type text",
     "select cast(x as map(varchar, varchar)) as m from t"),
    ("type_timestamptz", "select cast(x as timestamptz) as ts from t", "DuckDB type timestamptz",
     "select cast(x as timestamp(3) with time zone) as ts from t"),
    ("typed_literal", "select timestamptz '2024-01-01 00:00:00+00' as ts",
     "DuckDB typed literal", "select timestamp '2024-01-01 00:00:00 UTC' as ts"),
    ("trailing_comma", "select a, b, from t", "trailing comma", "select a, b from t"),
    ("from_first", "from t select a", "FROM-first", "select a from t"),
    ("limit_offset", "select a from t order by a limit 10 offset 20", "limit before offset",
     "select a from t order by a offset 20 limit 10"),
    ("set_statement", "set threads = 4", "SET statement", "select 1"),
    ("create_temp", "create temp table x as select 1 as a", "create temporary",
     "create table x as select 1 as a"),
    ("insert_or_replace", "insert or replace into t select 1", "insert or replace",
     "insert into t select 1"),
    ("named_arg", "select f(a := 1) from t", "':=' named argument", "select abs(a) from t"),
    ("method_call", "select name.upper() as u from t", "method-style",
     "select upper(name) as u from t"),
    ("similar_to", "select * from t where s similar to 'a.*'", "similar to",
     "select * from t where regexp_like(s, '^a.*$')"),
    ("bitwise_and_operator", "select a & b as x from t", "'&' bitwise",
     "select bitwise_and(a, b) as x from t"),
    ("eq_eq", "select * from t where a == b", "'==' comparison",
     "select * from t where a = b"),
    ("semi_join", "select * from a semi join b on a.id = b.id", "semi join",
     "select * from a where exists (select 1 from b where a.id = b.id)"),
    ("duckdb_date_add_signature", "select date_add(d, interval '1' day) as d2 from t",
     "date_add() with 2 argument(s)", "select date_add('day', 1, d) as d2 from t"),
    ("first_aggregate", "select first(x) as f from t", "non-Trino function first()",
     "select arbitrary(x) as f, min_by(x, ts) as f2 from t"),
    ("string_agg", "select string_agg(s, ',') as s from t", "string_agg",
     "select array_join(array_agg(s), ',') as s, listagg(s, ',') within group (order by s) "
     "as s2 from t"),
    ("backtick_in_query", "select `a` from t", "backtick", 'select "a" from t'),
    ("natural_join", "select * from a natural join b", "natural join",
     "select * from a join b using (id)"),
    ("limit_percent", "select * from t limit 10%", "limit with percentage",
     "select * from t tablesample bernoulli (10) limit 10"),
    ("tilde_like", "select * from t where s ~~ 'a%'", "'~~' like operator",
     "select * from t where s like 'a%'"),
    ("current_date_parens", "select current_date() as d", "current_date() with parentheses",
     "select current_date as d, current_timestamp(3) as ts"),
    ("jinja_in_identifier",
     'select * from "awsdatacatalog"."{{ env_var(\'SCHEMA\', \'cid\') }}"."cur2"',
     "unrendered Jinja in quoted identifier", 'select * from "awsdatacatalog"."cid"."cur2"'),
    ("ctas_from_first", "create table x as from read_parquet('a.parquet')", "FROM-first",
     "create table x as select * from y"),
    ("subquery_from_first", "select * from (from t)", "FROM-first",
     "select * from (select * from t)"),
    ("row_field_type", 'select cast(x as row("total cost" text)) from t', "DuckDB type text",
     'select cast(x as row("total cost" varchar)) from t'),
    ("unrendered_jinja", "select * from {{ ref('x') }}", "unrendered Jinja",
     'select * from "db"."x"'),
]


# ---------------------------------------------------------------------------------------------
# Realistic Trino / Athena SQL, including the shapes dbt-athena compiles: no false alarm allowed.
# ---------------------------------------------------------------------------------------------
VALID_TRINO = {
    "cte_window": """
        -- daily cost per account, with a running total
        with daily as (
            select
                line_item_usage_account_id as account_id,
                date_trunc('day', line_item_usage_start_date) as usage_date,
                sum(line_item_unblended_cost) as cost
            from "awsdatacatalog"."cur"."cur_data"
            where billing_period = '2024-01'
            group by 1, 2
        )
        select
            account_id,
            usage_date,
            cost,
            sum(cost) over (
                partition by account_id order by usage_date
                rows between unbounded preceding and current row
            ) as running_cost,
            row_number() over (partition by account_id order by cost desc) as rn
        from daily
    """,
    "element_at_maps": """
        select
            element_at(resource_tags, 'user:team') as team,
            coalesce(element_at(product, 'region'), 'global') as region,
            product['product_name'] as product_name,
            map_keys(resource_tags) as tag_keys,
            map_values(resource_tags) as tag_values,
            cardinality(resource_tags) as n_tags
        from cur_data
        where cardinality(map_keys(resource_tags)) > 0
    """,
    "decimal_casts": """
        select
            cast(line_item_unblended_cost as decimal(38, 10)) as unblended_cost,
            cast(line_item_usage_amount as double) as usage_amount,
            cast(line_item_usage_account_id as varchar) as account_id,
            try_cast(pricing_public_on_demand_rate as decimal(18, 6)) as od_rate,
            cast(bill_billing_period_start_date as date) as period_start,
            cast(identity_time_interval as varchar(100)) as time_interval,
            cast(1 as bigint) as one, cast(1 as integer) as i, cast(1 as smallint) as s,
            cast(1 as tinyint) as t, cast(1 as real) as r, cast(true as boolean) as b
        from cur_data
    """,
    "case_coalesce": """
        select
            case
                when line_item_line_item_type = 'Usage' then 'usage'
                when line_item_line_item_type in ('Tax', 'Fee') then 'tax_fee'
                else 'other'
            end as charge_class,
            coalesce(savings_plan_savings_plan_effective_cost, 0) as sp_cost,
            nullif(line_item_usage_amount, 0) as usage_amount,
            if(line_item_unblended_cost < 0, 'credit', 'charge') as sign_label,
            greatest(a, b) as hi, least(a, b) as lo
        from cur_data
    """,
    "date_spine": """
        select d as date_day
        from unnest(sequence(date '2024-01-01', date '2024-12-31', interval '1' day)) as t(d)
    """,
    "approx_and_by": """
        select
            line_item_usage_account_id as account_id,
            approx_distinct(line_item_resource_id) as resources,
            max_by(product_servicecode, line_item_unblended_cost) as top_service,
            min_by(product_servicecode, line_item_unblended_cost) as bottom_service,
            approx_percentile(line_item_unblended_cost, 0.95) as p95,
            count(*) as n, count(distinct line_item_resource_id) as n_res
        from cur_data
        group by line_item_usage_account_id
        having sum(line_item_unblended_cost) > 0
    """,
    "dates": """
        select
            from_iso8601_timestamp('2024-01-01T00:00:00Z') as ts,
            date_add('day', 1, current_date) as tomorrow,
            date_diff('day', date '2024-01-01', current_date) as days,
            date_add('month', -1, date_trunc('month', current_date)) as prev_month,
            format_datetime(current_timestamp, 'yyyy-MM') as ym,
            date_format(current_timestamp, '%Y-%m-%d') as ymd,
            date_parse('2024-01-01', '%Y-%m-%d') as parsed,
            to_unixtime(current_timestamp) as epoch,
            from_unixtime(1700000000) as from_epoch,
            at_timezone(current_timestamp, 'UTC') as utc,
            current_timestamp at time zone 'America/New_York' as ny,
            extract(year from current_date) as y,
            year(current_date) as y2, month(current_date) as m, day_of_week(current_date) as dow,
            last_day_of_month(current_date) as eom,
            timestamp '2024-01-01 00:00:00' as ts_literal,
            current_date - interval '1' day as yesterday,
            current_timestamp + interval '3' month as later,
            interval '1' hour * 2 as two_hours,
            now() as right_now
    """,
    "regex_split": r"""
        select
            regexp_like(line_item_usage_type, '^[A-Z]{3}\d?-') as regional,
            split_part(line_item_usage_type, ':', 2) as instance_type,
            regexp_extract(line_item_usage_type, '([a-z0-9]+\.[a-z0-9]+)', 1) as family,
            regexp_replace(line_item_line_item_description, '\s+', ' ') as description,
            split(line_item_usage_type, '-') as parts
        from cur_data
    """,
    "strings": """
        select
            lower(trim(product_servicecode)) as service,
            upper(substr(product_region, 1, 3)) as region_prefix,
            length(product_region) as n,
            concat(product_region, '-', product_servicecode) as key1,
            product_region || '-' || product_servicecode as key2,
            replace(product_servicecode, 'Amazon', '') as short_name,
            lpad(cast(month(current_date) as varchar), 2, '0') as mm,
            strpos(product_region, '-') as dash_at,
            starts_with(product_region, 'us-') as is_us,
            substring(product_region from 1 for 2) as cc,
            position('-' in product_region) as pos,
            trim(both ' ' from product_region) as trimmed
        from cur_data
    """,
    "insert_append": """
        insert into "awsdatacatalog"."infralyzer"."fct_daily_cost"
            ("usage_date", "account_id", "cost", "billing_period")
            (
               select "usage_date", "account_id", "cost", "billing_period"
               from "awsdatacatalog"."infralyzer"."fct_daily_cost__dbt_tmp"
            )
    """,
    "insert_select": """
        insert into infralyzer.fct_monthly_cost
        select billing_period, account_id, sum(cost) as cost
        from infralyzer.fct_daily_cost
        group by billing_period, account_id
    """,
    "ctas_hive": """
        create table "awsdatacatalog"."infralyzer"."fct_daily_cost__dbt_tmp"
            with (
              table_type='hive',
              is_external=true,
              external_location='s3://bucket/infralyzer/fct_daily_cost/tmp/',
              partitioned_by=ARRAY['billing_period'],
              format='parquet',
              write_compression='snappy'
            )
          as
        select usage_date, account_id, sum(cost) as cost, billing_period
        from "awsdatacatalog"."infralyzer"."stg_cur"
        group by usage_date, account_id, billing_period
    """,
    "ctas_iceberg": """
        create table "awsdatacatalog"."infralyzer"."dim_account"
            with (
              table_type='iceberg',
              is_external=false,
              location='s3://bucket/infralyzer/dim_account/',
              partitioning=ARRAY['billing_period'],
              format='parquet'
            )
          as
        with accounts as (select distinct account_id, billing_period from stg_cur)
        select account_id, billing_period from accounts
    """,
    "merge_iceberg": """
        merge into "awsdatacatalog"."infralyzer"."dim_account" as target
        using "awsdatacatalog"."infralyzer"."dim_account__dbt_tmp" as src
        on (target."account_id" = src."account_id")
        when matched then update set
            "account_name" = src."account_name", "updated_at" = src."updated_at"
        when not matched then insert ("account_id", "account_name", "updated_at")
            values (src."account_id", src."account_name", src."updated_at")
    """,
    "view": """
        create or replace view "awsdatacatalog"."infralyzer"."v_cost_by_team" as
        select element_at(resource_tags, 'user:team') as team, sum(cost) as cost
        from "awsdatacatalog"."infralyzer"."fct_daily_cost"
        group by 1
    """,
    "dbt_statements": """
        drop table if exists `infralyzer`.`fct_daily_cost__dbt_tmp`;
        delete from "awsdatacatalog"."infralyzer"."fct_daily_cost" where billing_period = '2024-01';
        select 1 as ok
    """,
    "hive_ddl_partition": """
        alter table `infralyzer`.`cur_data` add if not exists
        partition (billing_period='2024-01')
        location 's3://bucket/exports/data/BILLING_PERIOD=2024-01/'
    """,
    "hive_ddl_external": """
        create external table if not exists `infralyzer`.`accounts` (
            `account_id` string,
            `tags` map<string, string>,
            `owners` array<struct<name:string, email:string>>
        )
        partitioned by (`billing_period` string)
        stored as parquet
        location 's3://bucket/seeds/accounts/'
        tblproperties ('parquet.compression'='SNAPPY')
    """,
    "comments": """
        -- select * exclude (x) from 'file.parquet' where a ilike 'b' group by all
        /* {'a': 1}, [1, 2], x::int, 7 // 2, qualify, strftime(ts, '%Y') */
        select 1 as one -- trailing ilike comment
    """,
    "quoted_identifiers": """
        select "line_item_usage_account_id" as "Account Id",
               "$path" as file_path,
               "line item"."cost" as c
        from "cur"."cur_data" as "line item"
    """,
    "lambdas_arrays": """
        select
            transform(tags, x -> lower(x)) as lower_tags,
            filter(costs, x -> x > 0) as positive,
            reduce(costs, 0, (s, x) -> s + x, s -> s) as total,
            array_join(tags, ',') as tag_list,
            contains(tags, 'prod') as is_prod,
            tags[1] as first_tag,
            element_at(tags, -1) as last_tag,
            zip_with(costs, credits, (c, k) -> c - k) as net,
            any_match(tags, t -> t like 'team:%') as has_team,
            array_distinct(tags) as uniq, array_sort(tags) as sorted_tags,
            slice(tags, 1, 2) as first_two, flatten(array[array[1], array[2]]) as flat,
            array[1, 2, 3] as arr, array[] as empty_arr
        from resources
    """,
    "maps": """
        select
            m['user:team'] as team,
            map(array['a', 'b'], array[1, 2]) as literal_map,
            map_filter(m, (k, v) -> v is not null) as non_null,
            transform_values(m, (k, v) -> upper(v)) as upper_values,
            map_concat(m, map(array['k'], array['v'])) as merged,
            map_entries(m) as entries, map_from_entries(array[row('a', 1)]) as from_entries
        from tagged
    """,
    "unnest_variants": """
        select r.resource_id, tag.key, tag.value, u.x, u.pos
        from resources r
        cross join unnest(r.tags) as tag(key, value)
        cross join unnest(r.costs) with ordinality as u(x, pos)
        left join unnest(r.owners) as o(owner) on true
    """,
    "json": """
        select
            json_extract_scalar(doc, '$.a.b') as ab,
            json_format(cast(m as json)) as mj,
            json_parse(raw) as parsed,
            json_array_length(doc) as n,
            cast(json_extract(doc, '$.arr') as array(varchar)) as arr,
            json_query(doc, 'lax $.a') as q,
            json_value(doc, 'lax $.a.b') as v
        from docs
    """,
    "aggregates": """
        select
            stddev(cost) as sd, variance(cost) as var, count_if(cost > 0) as positive,
            bool_or(is_credit) as any_credit, bool_and(is_credit) as all_credit,
            array_agg(distinct service order by service) as services,
            map_agg(service, cost) as by_service, histogram(service) as hist,
            arbitrary(region) as some_region,
            sum(cost) filter (where cost > 0) as gross,
            listagg(service, ',') within group (order by service) as service_list,
            checksum(service) as chk, geometric_mean(cost) as gm
        from costs
    """,
    "types_and_rows": """
        select
            cast('2024-01-01' as timestamp(3) with time zone) as ts,
            cast(x as row(a integer, b varchar)) as r,
            cast(m as map(varchar, varchar)) as mm,
            cast(a as array(double)) as arr,
            cast(b as array(row(name varchar, cost decimal(18, 6)))) as nested,
            cast(j as json) as j2, cast(u as uuid) as u2, cast(ip as ipaddress) as ip2,
            cast(v as varbinary) as bin, cast(t as time) as tm,
            cast(d as double precision) as dp, cast(i as interval day to second) as dur,
            typeof(x) as tx, try(cast(x as integer)) as safe_int
        from t
    """,
    "set_ops_and_predicates": r"""
        select a from t1
        union all
        select a from t2
        except
        select a from t3
        intersect
        select a from t4
        where a in (select b from u)
          and exists (select 1 from v where v.id = a)
          and a between 1 and 10
          and s like 'a\_%' escape '\'
          and n is distinct from 0
          and k is not null
    """,
    "grouping_sets": """
        select a, b, sum(c) as c, grouping(a, b) as g
        from t
        group by grouping sets ((a, b), (a), ())
        having sum(c) > 0
        order by 1 desc nulls last
    """,
    "rollup_cube": """
        select a, b, sum(c) as c from t group by rollup (a, b);
        select a, b, sum(c) as c from t group by cube (a, b)
    """,
    "offset_fetch": """
        select a from t order by a offset 10 limit 5;
        select a from t order by a fetch first 5 rows only;
        select a from t limit all
    """,
    "values_lateral": """
        select v.id, v.name, l.mx
        from (values (1, 'a'), (2, 'b')) as v(id, name)
        left join lookup using (id)
        cross join lateral (select max(x) as mx from c where c.id = v.id) as l
    """,
    "window_frames": """
        select
            rank() over w as rk, dense_rank() over w as drk,
            lag(cost, 1, 0) over w as prev_cost, lead(cost) over w as next_cost,
            first_value(cost) over (partition by a order by b rows 7 preceding) as first_cost,
            last_value(cost) over (partition by a order by b
                rows between unbounded preceding and unbounded following) as last_cost,
            ntile(4) over w as quartile, percent_rank() over w as pr, cume_dist() over w as cd,
            nth_value(cost, 2) over w as second_cost,
            avg(cost) over (partition by a order by b
                range between interval '7' day preceding and current row) as avg7
        from t
        window w as (partition by a order by b)
    """,
    "surrogate_key": """
        select
            lower(to_hex(md5(to_utf8(concat_ws('|',
                coalesce(cast(account_id as varchar), '_null_'),
                coalesce(cast(usage_date as varchar), '_null_')))))) as cost_key,
            xxhash64(to_utf8(account_id)) as h,
            to_hex(sha256(to_utf8(account_id))) as h2
        from t
    """,
    "dbt_tests": """
        select
            count(*) as failures,
            count(*) != 0 as should_warn,
            count(*) != 0 as should_error
        from (
            with validation_errors as (
                select account_id, usage_date
                from "awsdatacatalog"."infralyzer"."fct_daily_cost"
                group by account_id, usage_date
                having count(*) > 1
            )
            select * from validation_errors
        ) dbt_internal_test
    """,
    "accepted_values": """
        with all_values as (
            select charge_class as value_field, count(*) as n_records
            from "awsdatacatalog"."infralyzer"."fct_daily_cost"
            group by charge_class
        )
        select * from all_values
        where value_field not in ('usage', 'tax_fee', 'other')
    """,
    "relative_periods": """
        select *
        from "awsdatacatalog"."infralyzer"."fct_daily_cost"
        where billing_period >= date_format(date_add('month', -3, current_date), '%Y-%m')
          and usage_date < date_trunc('month', current_date)
          and account_id <> '000000000000'
    """,
    "tablesample": """
        select * from cur_data tablesample bernoulli (10);
        select * from cur_data tablesample system (1)
    """,
    "math": """
        select round(cost, 2) as r, abs(cost) as a, ceil(cost) as c, floor(cost) as f,
               mod(n, 7) as m, n % 7 as m2, power(2, 10) as p, sqrt(4) as s, ln(10) as l,
               log10(100) as lg, truncate(cost) as t, sign(cost) as sg, 7 / 2 as q,
               -cost as neg, rand() as rnd, width_bucket(cost, 0, 100, 10) as bucket,
               bitwise_and(flags, 4) as bit
        from t
    """,
}
