{#- The dimensions every spend fact is broken down by (besides its time grain): who, what, where
    and how the charge was bought. fct_spend_daily and fct_spend_monthly select and group by them. -#}
{% macro spend_dimension_columns() -%}
    {{ return(['payer_account_id', 'usage_account_id', 'product_code', 'service', 'region', 'usage_type',
               'line_item_type', 'charge_class', 'purchase_option']) }}
{%- endmacro %}
