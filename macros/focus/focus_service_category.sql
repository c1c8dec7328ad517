{#-
    FOCUS ServiceCategory in the spec's spelling, whatever the provider delivered (docs/multicloud.md):
      * Google Cloud delivers a list, landed as its text '[GCP, Network, Cloud Load Balancing, ...]':
        the category is its second element, in Google's words ('Network' is FOCUS 'Networking');
      * Microsoft leaves it empty on rounding adjustments and some purchases: the column is
        mandatory, so an empty category reads as 'Other';
      * any case of an allowed value takes the spec's spelling (focus_enum).
-#}
{% macro focus_service_category(column) -%}
    {%- set delivered -%}
        case
            when trim({{ column }}) like '[%]'
                then trim(split_part(substr(trim({{ column }}), 2, length(trim({{ column }})) - 2), ',', 2))
            else {{ column }}
        end
    {%- endset -%}
    {%- set google_words = {'network': 'Networking'} -%}
    case lower(trim({{ delivered }}))
        {%- for word, value in google_words.items() %}
        when '{{ word }}' then '{{ value }}'
        {%- endfor %}
        {%- for value in focus_enum_values()['ServiceCategory'] %}
        when '{{ value | lower }}' then '{{ value }}'
        {%- endfor %}
        when '' then 'Other'
        else coalesce({{ empty_as_null(delivered) }}, 'Other')
    end
{%- endmacro %}
