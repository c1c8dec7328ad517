{#-
    The short provider code of a FOCUS ProviderName ('AWS' -> 'aws', 'Microsoft' -> 'azure',
    'Google Cloud' -> 'gcp'): the `provider` dimension of the multi-cloud spend
    (docs/multicloud.md). Another provider keeps its name in lower case.
-#}
{% macro focus_provider(column) -%}
    {%- set codes = {
        'aws': 'aws', 'amazon web services': 'aws',
        'microsoft': 'azure', 'microsoft azure': 'azure', 'azure': 'azure',
        'google cloud': 'gcp', 'google cloud platform': 'gcp', 'google': 'gcp', 'gcp': 'gcp',
    } -%}
    case lower(trim({{ column }}))
        {%- for name, code in codes.items() %}
        when '{{ name }}' then '{{ code }}'
        {%- endfor %}
        else lower(trim({{ column }}))
    end
{%- endmacro %}
