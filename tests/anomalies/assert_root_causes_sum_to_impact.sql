-- The root causes of every anomaly add up to its impact, to the cent (AWS Cost Anomaly Detection's
-- contributions do not; ours are apportioned so they do): returns the anomalies where they differ.
with anomalies as (

    select * from {{ ref('fct_cost_anomalies') }}

),

root_causes as (

    select * from {{ ref('fct_cost_anomaly_root_causes') }}

),

contributions as (

    select
        anomaly_id,
        sum(contribution_cost) as contribution_cost
    from root_causes
    group by anomaly_id

)

select
    anomalies.anomaly_id,
    anomalies.impact_cost,
    contributions.contribution_cost
from anomalies
left join contributions
    on anomalies.anomaly_id = contributions.anomaly_id
where contributions.contribution_cost is null or contributions.contribution_cost <> anomalies.impact_cost
