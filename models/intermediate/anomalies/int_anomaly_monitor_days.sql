{#-
    The daily series each anomaly monitor watches: one row per monitor dimension (account, service,
    cost_category), monitor value and day, from the value's first day with cost to the last day of
    data, with the day's effective cost of consumption (0 on days without any). The series is dense
    so that "the same weekday n weeks ago" is n * 7 rows back.
-#}
with cells as (

    select * from {{ ref('int_anomaly_cost_cells') }}

),

monitor_costs as (

    {%- for dimension, column in [('account', 'usage_account_id'), ('service', 'service'),
                                   ('cost_category', 'cost_category')] %}
    select
        '{{ dimension }}' as monitor_dimension,
        {{ column }} as monitor_value,
        usage_date,
        sum(effective_cost) as actual_cost
    from cells
    group by {{ column }}, usage_date
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

monitors as (

    select
        monitor_dimension,
        monitor_value,
        min(usage_date) as first_date
    from monitor_costs
    group by monitor_dimension, monitor_value

),

days as (

    {{ date_series("(select min(usage_date) from cells)", "(select max(usage_date) from cells)") }}

),

final as (

    select
        monitors.monitor_dimension,
        monitors.monitor_value,
        days.date_day as usage_date,
        coalesce(monitor_costs.actual_cost, 0) as actual_cost
    from monitors
    inner join days
        on monitors.first_date <= days.date_day
    left join monitor_costs
        on
            monitors.monitor_dimension = monitor_costs.monitor_dimension
            and monitors.monitor_value = monitor_costs.monitor_value
            and days.date_day = monitor_costs.usage_date

)

select * from final
