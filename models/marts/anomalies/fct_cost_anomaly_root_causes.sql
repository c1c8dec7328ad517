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

-- each anomaly's day (weeks_before 0) and the same weekday of the four weeks before
anomaly_days as (

    {%- for weeks in [0, 1, 2, 3, 4] %}
    select
        anomaly_id,
        usage_date,
        monitor_dimension,
        monitor_value,
        impact_cost,
        {{ weeks }} as weeks_before,
        cast({{ dbt.dateadd('day', -7 * weeks, 'usage_date') }} as date) as cell_date
    from anomalies
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- every cell under each monitor it belongs to, so that anomalies join their cells on equality
cell_monitors as (

    {%- for dimension, column in [('account', 'usage_account_id'), ('service', 'service'),
                                   ('cost_category', 'cost_category')] %}
    select
        '{{ dimension }}' as monitor_dimension,
        {{ column }} as monitor_value,
        usage_date,
        usage_account_id,
        service,
        region,
        usage_type,
        effective_cost
    from cells
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

cell_changes as (

    select
        anomaly_days.anomaly_id,
        anomaly_days.usage_date,
        anomaly_days.monitor_dimension,
        anomaly_days.impact_cost,
        cell_monitors.usage_account_id,
        cell_monitors.service,
        cell_monitors.region,
        cell_monitors.usage_type,
        sum(case when anomaly_days.weeks_before = 0 then cell_monitors.effective_cost else 0 end) as actual_cost,
        sum(case when anomaly_days.weeks_before > 0 then cell_monitors.effective_cost else 0 end)
        * 0.25 as expected_cost
    from anomaly_days
    inner join cell_monitors
        on
            anomaly_days.monitor_dimension = cell_monitors.monitor_dimension
            and anomaly_days.monitor_value = cell_monitors.monitor_value
            and anomaly_days.cell_date = cell_monitors.usage_date
    group by
        anomaly_days.anomaly_id,
        anomaly_days.usage_date,
        anomaly_days.monitor_dimension,
        anomaly_days.impact_cost,
        cell_monitors.usage_account_id,
        cell_monitors.service,
        cell_monitors.region,
        cell_monitors.usage_type

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
