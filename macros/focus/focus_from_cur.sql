{#-
    FOCUS 1.2 columns of a CUR 2.0 line item (docs/focus.md, 'Mapping'), written over the columns
    of int_line_items_amortized: every value comes from the project's own rules, the charge class
    (macros/cost/charge_class.sql), the purchase option and the cost bases
    (macros/cost/cost_bases.sql), never from a second classification or amortisation rule.

    `is_unused_commitment` marks the row FOCUS adds for the unused part of a commitment fee line
    (int_focus_charges_from_cur): the CUR keeps it on the fee line, FOCUS on a Usage row of its own.
-#}

{#- Usage, Purchase, Tax, Credit or Adjustment. Support and Marketplace charges are classes of
    who bills, not of what is billed: their line item type decides. -#}
{% macro focus_charge_category() -%}
    case
        when is_unused_commitment then 'Usage'
        when charge_class in ('usage', 'commitment_covered_usage') then 'Usage'
        when charge_class in ('commitment_fee', 'purchase') then 'Purchase'
        when charge_class = 'tax' or line_item_type = 'Tax' then 'Tax'
        when charge_class in ('credit', 'discount') or line_item_type = 'Credit' or line_item_type like '%Discount'
            then 'Credit'
        when charge_class = 'refund' or line_item_type = 'Refund' then 'Adjustment'
        when line_item_type like '%Fee' then 'Purchase'
        else 'Usage'
    end
{%- endmacro %}

{#- 'Correction' for a refund (it corrects charges already invoiced), else null. -#}
{% macro focus_charge_class() -%}
    case when {{ focus_charge_category() }} = 'Adjustment' then 'Correction' end
{%- endmacro %}

{#- Purchases: One-Time when bought outright (bill type Purchase), else Recurring; tax is levied
    every period; credits and refunds are one-off; usage, unused commitment and the discounts of
    usage follow the usage. -#}
{% macro focus_charge_frequency() -%}
    case
        when {{ focus_charge_category() }} = 'Purchase'
            then case when bill_type = 'Purchase' then 'One-Time' else 'Recurring' end
        when {{ focus_charge_category() }} = 'Tax' then 'Recurring'
        when line_item_type in ('Credit', 'Refund') then 'One-Time'
        else 'Usage-Based'
    end
{%- endmacro %}

{#- Committed for usage a commitment covered and for unused commitment; Dynamic for Spot usage;
    Standard for other usage and for purchases (never Committed on the purchase itself); null for
    tax; Other for credits, discounts and corrections. -#}
{% macro focus_pricing_category() -%}
    case
        when {{ focus_charge_category() }} = 'Tax' then null
        when is_unused_commitment or charge_class = 'commitment_covered_usage' then 'Committed'
        when {{ focus_charge_category() }} = 'Purchase' then 'Standard'
        when {{ focus_charge_category() }} = 'Usage' and purchase_option = 'Spot' then 'Dynamic'
        when {{ focus_charge_category() }} = 'Usage' then 'Standard'
        else 'Other'
    end
{%- endmacro %}

{#- Used or Unused on the Usage rows of a commitment; null elsewhere (purchases included). -#}
{% macro focus_commitment_discount_status() -%}
    case
        when commitment_arn is null or {{ focus_charge_category() }} != 'Usage' then null
        when is_unused_commitment then 'Unused'
        else 'Used'
    end
{%- endmacro %}

{#- BilledCost: unblended cost, with each Savings Plan negation folded into the covered usage it
    cancels (FOCUS has no negation rows, so covered usage bills 0); unused commitment rows bill 0
    (their fee line bills the commitment). -#}
{% macro focus_billed_cost() -%}
    case
        when is_unused_commitment or line_item_type = 'SavingsPlanCoveredUsage' then 0
        else unblended_cost
    end
{%- endmacro %}

{#- EffectiveCost: amortised cost, with the unused commitment moved from the fee line (0 there, as
    FOCUS wants on every purchase) to its Unused row. -#}
{% macro focus_effective_cost() -%}
    case
        when is_unused_commitment then amortized_cost
        when charge_class = 'commitment_fee' then 0
        else amortized_cost
    end
{%- endmacro %}

{#- ListCost: public on-demand cost; 0 on unused commitment (nothing was consumed). -#}
{% macro focus_list_cost() -%}
    case when is_unused_commitment then 0 else public_on_demand_cost end
{%- endmacro %}
