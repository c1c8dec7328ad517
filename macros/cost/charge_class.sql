{#- What a line item is on the invoice (docs/cost_rules.md, 'Charge classes'; CUDOS's "Charge
    Type Group", refined): marketplace, tax, credit, refund, discount, support,
    commitment_covered_usage (RI/SP covered usage and its SP negation), commitment_fee (RIFee, SP
    recurring fee), purchase (upfront commitment fees and other one-time fees) or usage. The first
    matching rule wins. -#}
{% macro charge_class() -%}
    case
        when billing_entity = 'AWS Marketplace' and line_item_type not like '%Discount' then 'marketplace'
        when line_item_type = 'Tax' then 'tax'
        when line_item_type = 'Credit' then 'credit'
        when line_item_type = 'Refund' then 'refund'
        when line_item_type like '%Discount' then 'discount'
        when product_code like 'AWSSupport%' or product_code like '%Support' then 'support'
        when line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation')
            then 'commitment_covered_usage'
        when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'commitment_fee'
        when line_item_type in ('SavingsPlanUpfrontFee', 'Fee') then 'purchase'
        else 'usage'
    end
{%- endmacro %}

{% macro charge_classes() -%}
    {{ return(['usage', 'commitment_covered_usage', 'commitment_fee', 'purchase', 'tax', 'credit', 'refund',
               'discount', 'support', 'marketplace']) }}
{%- endmacro %}
