{#- One row per KPI of the catalogue (macros/kpi/kpi_definitions.sql): what it measures, its
    goal, direction, cost basis and potential-savings rates, as a table the tracker joins and
    readers can list (free text with its quotes doubled for SQL). The rules themselves are
    applied in int_kpi_measures. -#}
with definitions as (
    {%- for kpi in kpi_definitions() %}
    {%- set secondary_rate = kpi.get('secondary_potential_savings_rate') %}

    select
        '{{ kpi.kpi_id }}' as kpi_id,
        '{{ kpi.catalogue_number }}' as catalogue_number,
        '{{ kpi.kpi_group }}' as kpi_group,
        '{{ kpi.name | trim | replace("'", "''") }}' as name,
        '{{ kpi.description | trim | replace("'", "''") }}' as description,
        '{{ kpi.direction }}' as direction,
        cast({{ 'null' if kpi.get('goal') is none else kpi.goal }} as decimal(9, 4)) as goal,
        '{{ kpi.cost_basis }}' as cost_basis,
        cast({{ 'null' if kpi.get('potential_savings_rate') is none else kpi.potential_savings_rate }} as decimal(9, 4)) as potential_savings_rate,
        cast({{ 'null' if secondary_rate is none else secondary_rate }} as decimal(9, 4)) as secondary_potential_savings_rate,
        '{{ kpi.potential_savings_rule | trim | replace("'", "''") }}' as potential_savings_rule
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from definitions
