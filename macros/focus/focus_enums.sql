{#-
    FOCUS enum columns and their allowed values (the same in FOCUS 1.0, 1.1 and 1.2). Providers
    write some in another case (Oracle: 'Usage-based'); staging maps any case to the spec's
    spelling, so every FOCUS version and provider reads alike. A value outside the list is kept as
    delivered, and the accepted_values tests report it.
-#}
{% macro focus_enum_values() %}
    {{ return({
        'ChargeCategory': ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
        'ChargeClass': ['Correction'],
        'ChargeFrequency': ['One-Time', 'Recurring', 'Usage-Based'],
        'PricingCategory': ['Standard', 'Dynamic', 'Committed', 'Other'],
        'CommitmentDiscountCategory': ['Spend', 'Usage'],
        'CommitmentDiscountStatus': ['Used', 'Unused'],
        'CapacityReservationStatus': ['Used', 'Unused'],
        'ServiceCategory': [
            'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases',
            'Developer Tools', 'Identity', 'Integration', 'Internet of Things', 'Management and Governance',
            'Media', 'Migration', 'Mobile', 'Multicloud', 'Networking', 'Security', 'Storage', 'Web', 'Other',
        ],
    }) }}
{% endmacro %}

{#- The FOCUS column `column` with its value in the spec's spelling; '' becomes null. -#}
{% macro focus_enum(column) -%}
    case lower(trim({{ column }}))
        {%- for value in focus_enum_values()[column] %}
        when '{{ value | lower }}' then '{{ value }}'
        {%- endfor %}
        else {{ empty_as_null(column) }}
    end
{%- endmacro %}
