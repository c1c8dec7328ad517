{#- Money: every cost column is cast once, in staging, to this type.
    decimal(18, 8) holds up to ten billion dollars per line item at 1e-8 precision, which keeps
    per-period totals exact to the cent, and DuckDB sums it with 64-bit arithmetic (sums widen to
    decimal(38, 8) automatically); decimal(38, 10) per line item costs ~50% more to aggregate
    (docs/engines.md, 'Money type'). Athena supports the same type.
    The explicit round makes both engines round alike: the exports' costs are doubles, and a plain
    cast rounds a tie such as 0.008571365 from its binary value (0.00857136499…, down) on DuckDB
    but from its shortest decimal form (up) on Trino and Athena. round(x, 8) rounds the binary
    value half away from zero on both, and the rounded double then casts exactly. -#}
{% macro money(expression) -%}
    cast(round({{ expression }}, 8) as decimal(18, 8))
{%- endmacro %}

{#- Unit prices arrive as strings in CUR 2.0 (`*_rate`); an empty or malformed rate becomes NULL. -#}
{% macro rate(expression) -%}
    {{ dbt.safe_cast(expression, 'decimal(18, 10)') }}
{%- endmacro %}

{#- Empty strings and NULL mean the same in AWS exports (CSV-era exports wrote ''). -#}
{% macro empty_as_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{#- RI and Savings Plan start/end times are ISO-8601 strings ('2025-03-01T00:00:00.000Z'). -#}
{% macro parse_iso8601_timestamp(expression) %}
    {{ return(adapter.dispatch('parse_iso8601_timestamp', 'infralyzer')(expression)) }}
{% endmacro %}

{#- Hive tables (Athena's, Trino's) have no timestamp with time zone type: a table holding the
    parsed value fails to build, so it is the UTC timestamp without zone, as the `_at` columns
    read from Parquet are there. -#}
{% macro default__parse_iso8601_timestamp(expression) -%}
    cast(try(from_iso8601_timestamp(nullif(trim({{ expression }}), ''))) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__parse_iso8601_timestamp(expression) -%}
    try_cast(nullif(trim({{ expression }}), '') as timestamp with time zone)
{%- endmacro %}

{#- A timestamp with time zone as a UTC timestamp without time zone (the `_at` columns). -#}
{% macro to_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('to_utc_timestamp', 'infralyzer')(expression)) }}
{% endmacro %}

{#- Athena reads Parquet timestamps as `timestamp` (UTC, no zone): nothing to convert. -#}
{% macro default__to_utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(expression) -%}
    timezone('UTC', {{ expression }})
{%- endmacro %}
