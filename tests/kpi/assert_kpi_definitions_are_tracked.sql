{#- Every KPI of the catalogue (macros/kpi/kpi_definitions.sql) is in the tracker, with the cost
    basis of its entry: fails for a KPI the tracker leaves out (it would silently be missing from
    the dashboard) or reports on another basis than its rule sums. -#}
with definitions as (

    select * from {{ ref('int_kpi_definitions') }}

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
    definitions.cost_basis as catalogue_cost_basis,
    tracked.cost_basis as tracker_cost_basis
from definitions
cross join any_period
left join tracked
    on definitions.kpi_id = tracked.kpi_id
where
    any_period.tracker_rows > 0
    and (tracked.kpi_id is null or tracked.cost_basis != definitions.cost_basis)
