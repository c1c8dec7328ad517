{#- A ratio or per-unit share as a double, NULL when the denominator is 0. Engines divide
    differently: DuckDB's `/` on decimals or integers returns a double, Trino's (Athena's) returns
    a decimal of the operands' scale, or an integer for integers, which loses the digits of a
    ratio and breaks the contracts' double columns. Casting first gives both engines DuckDB's
    double division. -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}
