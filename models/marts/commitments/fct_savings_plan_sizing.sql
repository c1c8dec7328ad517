{#-
    What a Compute Savings Plan bought on top of today's commitments would cover and save, per
    payer, for a ladder of candidate hourly commitments read off the last 30 days (720 hours) of
    the on-demand baseline (fct_compute_on_demand_hourly): the minimum hour and the 10th … 90th
    percentile hours. A percentile is an hour's cost, by nearest rank (macros/cross_db/percentile.sql):
    the p-th is the ceil(p × 720)-th smallest hour of the window.

    For a candidate covering P dollars of on-demand usage per hour, the commitment is
    c = P × (1 − discount) per hour. In each hour it covers min(on-demand, P) and costs c whether
    used or not, so over the window:
      covered on-demand cost   Σ min(on-demand_h, P)
      savings                  Σ min(on-demand_h, P) − 720 × c
      utilisation              Σ min(on-demand_h, P) ÷ (720 × P)
      additional coverage      covered ÷ Σ on-demand_h
    The discount (var compute_savings_plan_discount, default CID's 20 %) and the target coverage
    (var target_savings_plan_coverage, default 80 %) are assumptions a user sets; the
    recommended candidate is the smallest that reaches the target (else the largest).
-#}
{%- set discount = var('compute_savings_plan_discount', 0.2) -%}
{%- set target = var('target_savings_plan_coverage', 0.8) -%}
{%- set window_hours = 720 -%}
{%- set candidates = [('minimum', 0.0), ('p10', 0.1), ('p25', 0.25), ('p50', 0.5), ('p75', 0.75), ('p90', 0.9)] -%}
with baseline as (

    select
        payer_account_id,
        hour_start_at,
        sum(on_demand_cost) as on_demand_cost
    from {{ ref('fct_compute_on_demand_hourly') }}
    group by payer_account_id, hour_start_at

),

hour_offsets as (

    {{ integer_series(window_hours) }}

),

windows as (

    select
        payer_account_id,
        {{ dbt.dateadd('hour', 1 - window_hours, 'max(hour_start_at)') }} as window_start_at,
        max(hour_start_at) as window_end_at
    from baseline
    group by payer_account_id

),

-- every hour of the window, 0 where nothing ran on demand
recent as (

    select
        windows.payer_account_id,
        windows.window_start_at,
        windows.window_end_at,
        {{ dbt.dateadd('hour', 'hour_offsets.n', 'windows.window_start_at') }} as hour_start_at,
        coalesce(baseline.on_demand_cost, 0) as on_demand_cost
    from windows
    cross join hour_offsets
    left join baseline
        on
            windows.payer_account_id = baseline.payer_account_id
            and baseline.hour_start_at = {{ dbt.dateadd('hour', 'hour_offsets.n', 'windows.window_start_at') }}

),

ranked as (

    select
        payer_account_id,
        window_start_at,
        window_end_at,
        on_demand_cost,
        {{ percentile_ranking('on_demand_cost', ['payer_account_id']) }}
    from recent

),

levels as (

    select
        payer_account_id,
        window_start_at,
        window_end_at,
        {%- for name, fraction in candidates %}
        {{ percentile('on_demand_cost', fraction) }} as {{ name }}_level,
        {%- endfor %}
        sum(on_demand_cost) as window_on_demand_cost
    from ranked
    group by payer_account_id, window_start_at, window_end_at

),

candidates as (

    {%- for name, fraction in candidates %}
    select
        payer_account_id,
        window_start_at,
        window_end_at,
        window_on_demand_cost,
        '{{ name }}' as candidate,
        {{ loop.index }} as candidate_rank,
        {{ name }}_level as covered_hourly_on_demand_cost
    from levels
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

evaluated as (

    select
        candidates.payer_account_id,
        candidates.candidate,
        candidates.candidate_rank,
        candidates.window_start_at,
        candidates.window_end_at,
        candidates.window_on_demand_cost,
        candidates.covered_hourly_on_demand_cost,
        sum(least(recent.on_demand_cost, candidates.covered_hourly_on_demand_cost)) as covered_on_demand_cost
    from candidates
    inner join recent
        on candidates.payer_account_id = recent.payer_account_id
    group by
        candidates.payer_account_id,
        candidates.candidate,
        candidates.candidate_rank,
        candidates.window_start_at,
        candidates.window_end_at,
        candidates.window_on_demand_cost,
        candidates.covered_hourly_on_demand_cost

),

measured as (

    select
        payer_account_id,
        candidate,
        candidate_rank,
        window_start_at,
        window_end_at,
        window_on_demand_cost,
        covered_hourly_on_demand_cost,
        covered_hourly_on_demand_cost * (1 - {{ discount }}) as hourly_commitment,
        covered_on_demand_cost,
        covered_on_demand_cost - {{ window_hours }} * covered_hourly_on_demand_cost * (1 - {{ discount }}) as window_savings,
        {{ ratio('covered_on_demand_cost', window_hours ~ ' * covered_hourly_on_demand_cost') }} as expected_utilization,
        {{ ratio('covered_on_demand_cost', 'window_on_demand_cost') }} as additional_coverage
    from evaluated

),

recommended as (

    select
        payer_account_id,
        coalesce(
            min(case when additional_coverage >= {{ target }} then candidate_rank end),
            max(candidate_rank)
        ) as candidate_rank
    from measured
    group by payer_account_id

),

final as (

    select
        measured.payer_account_id,
        measured.candidate,
        measured.candidate_rank,
        measured.window_start_at,
        measured.window_end_at,
        measured.window_on_demand_cost,
        measured.covered_hourly_on_demand_cost,
        measured.hourly_commitment,
        measured.covered_on_demand_cost,
        measured.window_savings,
        measured.window_savings * 730 / {{ window_hours }} as monthly_savings,
        measured.expected_utilization,
        measured.additional_coverage,
        cast({{ discount }} as double) as assumed_discount,
        cast({{ target }} as double) as target_coverage,
        recommended.candidate_rank is not null as is_recommended
    from measured
    left join recommended
        on
            measured.payer_account_id = recommended.payer_account_id
            and measured.candidate_rank = recommended.candidate_rank

)

select * from final
