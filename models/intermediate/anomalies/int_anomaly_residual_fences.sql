{#- A table, not a view: inlined views of the anomaly chain exceed Trino's (and Athena's) 150 query stages. -#}
{{ config(materialized='table') }}
{#-
    Tukey's fences of each monitored day, first pass: the first and third quartiles of all the
    series' residuals over the `residual_window_days` days before it (anomaly_thresholds), so from
    the past only. One row per monitor and day with past residuals. The days these fences find
    anomalous (int_anomaly_first_pass_days) are left out of the fences that decide
    (int_anomaly_normal_residual_fences).
-#}
{{ anomaly_residual_quartiles(ref('int_anomaly_expectations')) }}
