{#- The tag keys that mark a resource or recommendation as a FinOps exception (docs/cost_rules.md,
    'Optimisation'): CORA's spellings by default, or the list in var optimization_exception_tag_keys.
    COH tags carry the key as is; CUR resource tags carry it with the `user_` prefix. -#}
{% macro optimization_exception_tag_keys() %}
    {{ return(var('optimization_exception_tag_keys', ['finops-exception', 'finopsexception', 'FinopsException'])) }}
{% endmacro %}

{#- True when the tag map carries any exception key (`prefix` is 'user_' for CUR resource tags). -#}
{% macro has_exception_tag(tags_column, prefix='') -%}
    coalesce(
        {%- for key in optimization_exception_tag_keys() %}
        {{ map_get(tags_column, prefix ~ key) }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ) is not null
{%- endmacro %}
