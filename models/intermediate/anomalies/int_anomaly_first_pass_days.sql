{#- A table, not a view: inlined views of the anomaly chain exceed Trino's (and Athena's) 150 query stages. -#}
{{ config(materialized='table') }}
{#-
    The days the first-pass fences (int_anomaly_residual_fences, over all past residuals) find
    anomalous, by the same rule as the anomalies published. They are left out of the fences that
    decide (int_anomaly_normal_residual_fences): an anomaly's days would widen the fences of the
    eight weeks after it (a three-week level shift, and the three weeks whose expectation still
    holds it, fill most of a 56-day window), so that it hid the next one. One row per monitor and day.
-#}
with first_pass as (

    {{ anomaly_scored_days(ref('int_anomaly_residual_fences')) | indent(4) }}

)

select
    monitor_dimension,
    monitor_value,
    usage_date
from first_pass
where is_anomaly
