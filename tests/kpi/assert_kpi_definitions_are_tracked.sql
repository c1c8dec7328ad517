{#- Goals and rates are data (seeds/kpi_definitions.csv), the rules are SQL (fct_kpi_tracker).
    Fails for a seed KPI the tracker has no rule for (it would silently be missing), and for a
    seed whose cost_basis says something else than the basis the rule uses. -#}
with definitions as (

    select * from {{ ref('kpi_definitions') }}

),

tracked as (

    select distinct
        kpi_id,
        cost_basis
    from {{ ref('fct_kpi_tracker') }}

),

any_period as (

    select count(*) as tracker_rows from {{ ref('fct_kpi_tracker') }}

)

select
    definitions.kpi_id,
    definitions.cost_basis as seed_cost_basis,
    tracked.cost_basis as tracker_cost_basis
from definitions
cross join any_period
left join tracked
    on definitions.kpi_id = tracked.kpi_id
where
    any_period.tracker_rows > 0
    and (tracked.kpi_id is null or tracked.cost_basis != definitions.cost_basis)
