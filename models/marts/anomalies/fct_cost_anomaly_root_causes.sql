{#-
    The root causes of each anomaly (fct_cost_anomalies), as AWS Cost Anomaly Detection ranks
    them: one row per anomaly and usage account, service, region and usage type that pushed the
    day's cost up, with its dollar contribution. A cell's increase is its cost on the day less its
    mean on the same weekday of the four weeks before (the mean, unlike the monitor's median, adds
    up across cells); the anomaly's impact is shared out in proportion to the increases, in cents,
    and the rounding remainder goes to the first root cause, so contributions add up to the impact
    exactly (tests/anomalies/assert_root_causes_sum_to_impact.sql).
-#}
with anomalies as (

    select * from {{ ref('int_cost_anomalies_detected') }}

),

cells as (

    select * from {{ ref('int_anomaly_cost_cells') }}

),

cell_changes as (

    select
        anomalies.anomaly_id,
        anomalies.usage_date,
        anomalies.monitor_dimension,
        anomalies.impact_cost,
        cells.usage_account_id,
        cells.service,
        cells.region,
        cells.usage_type,
        sum(case when cells.usage_date = anomalies.usage_date then cells.effective_cost else 0 end) as actual_cost,
        sum(case when cells.usage_date < anomalies.usage_date then cells.effective_cost else 0 end)
        * 0.25 as expected_cost
    from anomalies
    inner join cells
        on
            anomalies.monitor_value = case anomalies.monitor_dimension
                when 'account' then cells.usage_account_id
                when 'service' then cells.service
                else cells.cost_category
            end
            and cells.usage_date in (
                anomalies.usage_date,
                {%- for weeks in [1, 2, 3, 4] %}
                {{ dbt.dateadd('day', -7 * weeks, 'anomalies.usage_date') }}{{ "," if not loop.last }}
                {%- endfor %}
            )
    group by
        anomalies.anomaly_id, anomalies.usage_date, anomalies.monitor_dimension, anomalies.impact_cost,
        cells.usage_account_id,
        cells.service, cells.region, cells.usage_type

),

weighted as (

    select
        *,
        greatest(actual_cost - expected_cost, 0) as increase_cost,
        sum(greatest(actual_cost - expected_cost, 0)) over (partition by anomaly_id) as total_increase_cost
    from cell_changes

),

-- no cell rose (the monitor's median moved, not any cell's mean): share by the day's cost instead
weights as (

    select
        *,
        case when total_increase_cost > 0 then increase_cost else greatest(actual_cost, 0) end as weight,
        case
            when total_increase_cost > 0 then total_increase_cost
            else sum(greatest(actual_cost, 0)) over (partition by anomaly_id)
        end as total_weight
    from weighted

),

ranked as (

    select
        *,
        cast(round(impact_cost * {{ ratio('weight', 'total_weight') }}, 2) as decimal(38, 2)) as rounded_share,
        row_number() over (
            partition by anomaly_id
            order by weight desc, usage_account_id asc, service asc, region asc, usage_type asc
        ) as root_cause_rank
    from weights

),

final as (

    select
        anomaly_id,
        root_cause_rank,
        usage_date,
        substr(cast(usage_date as varchar), 1, 7) as billing_period,
        monitor_dimension,
        usage_account_id,
        service,
        region,
        usage_type,
        cast(actual_cost as decimal(38, 8)) as actual_cost,
        cast(expected_cost as decimal(38, 8)) as expected_cost,
        cast(
            rounded_share
            + case
                when root_cause_rank = 1 then impact_cost - sum(rounded_share) over (partition by anomaly_id)
                else 0
            end
            as decimal(38, 2)
        ) as contribution_cost
    from ranked

)

select * from final
where contribution_cost <> 0 or root_cause_rank = 1
