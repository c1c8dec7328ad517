{#- The allocation dimensions: one column set per dimension in int_allocation_costs_tagged, and
    the values fct_chargeback, fct_showback and fct_tag_compliance are reported by. Where each
    dimension's value comes from (tags, account tags, cost categories, the account map) and in
    which order is data: seeds/allocation_tag_keys.csv. Adding a dimension = one name here plus
    its rows in that seed. -#}
{% macro allocation_dimensions() -%}
    {{ return(['team', 'business_unit', 'cost_centre', 'environment', 'application']) }}
{%- endmacro %}

{#- The account_map seed columns an `account_map` source in allocation_tag_keys may name. -#}
{% macro allocation_account_map_columns() -%}
    {{ return(['account_name', 'business_unit', 'environment', 'owner_email']) }}
{%- endmacro %}

{#- What a dimension is called when nothing gives it a value (and no rule redistributes it). -#}
{% macro unallocated_value() -%}
    'unallocated'
{%- endmacro %}


{#- The alias seed keyed for lookup: one canonical value per dimension and raw value, matched
    case- and space-insensitively. -#}
{% macro canonical_value_aliases() -%}
    select
        dimension,
        lower(trim(raw_value)) as raw_value_key,
        max(canonical_value) as canonical_value
    from {{ ref('allocation_value_aliases') }}
    group by dimension, lower(trim(raw_value))
{%- endmacro %}
