{#- An exact percentile that every engine computes alike, in two steps: `percentile_ranking`
    numbers the values of each group in ascending order (a window, in the CTE before the
    aggregate), then `percentile` picks the p-th percentile as an aggregate of that CTE.

    Definition (nearest rank): the p-th percentile of n values is the value at position
    ceil(p × n) in ascending order, and the minimum for p = 0; always one of the values, never an
    interpolation. No engine function is used: DuckDB's quantile_cont interpolates, and Trino
    (Athena) has only approx_percentile, whose answer differs from any exact one. `p × n` is a
    decimal product on both engines (p is rendered as a decimal literal), so the rank compared is
    exact. NULLs are ranked last and never counted. -#}
{% macro percentile_ranking(column, partition_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }} order by {{ column }} asc nulls last
    ) as {{ column }}_rank,
    count({{ column }}) over (partition by {{ partition_by | join(', ') }}) as {{ column }}_count
{%- endmacro %}

{% macro percentile(column, fraction) -%}
    min(case when {{ column }}_rank >= {{ fraction }} * {{ column }}_count then {{ column }} end)
{%- endmacro %}
