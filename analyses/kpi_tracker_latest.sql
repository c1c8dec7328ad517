-- The KPI tracker for the latest billing period, all accounts together: each KPI's coverage as a
-- ratio of sums (summed numerators / summed denominators, never an average of account ratios),
-- its goal, where it stands and what meeting the goal would save per month and per year.
-- Render with `dbt compile --select kpi_tracker_latest` and run the SQL in any client.
--
-- Two goal-savings figures: `goal_savings` applies CID's rule (macros/kpi/kpi_rules.sql) to the
-- organisation's coverage, as the dashboard does for its totals; `sum_of_account_goal_savings`
-- adds up the accounts' own goal savings (an account below goal counts even when the
-- organisation as a whole meets it).
with tracker as (

    select * from {{ ref('fct_kpi_tracker') }}

),

latest as (

    select max(billing_period) as billing_period from tracker

),

totals as (

    select
        tracker.billing_period,
        tracker.kpi_id,
        tracker.catalogue_number,
        tracker.kpi_group,
        tracker.kpi_name,
        tracker.direction,
        tracker.cost_basis,
        max(tracker.goal) as goal,
        sum(tracker.numerator) as numerator,
        sum(tracker.denominator) as denominator,
        sum(tracker.potential_savings) as potential_savings,
        -- KPI 18's own goal savings are 0: its numerator is the accounts' sum
        sum(case when tracker.kpi_id = 'total_savings_at_goal' then tracker.numerator else tracker.goal_savings end)
            as sum_of_account_goal_savings,
        count(distinct case when tracker.goal_status = 'missed' then tracker.usage_account_id end) as accounts_missing_goal
    from tracker
    inner join latest
        on tracker.billing_period = latest.billing_period
    group by
        tracker.billing_period,
        tracker.kpi_id,
        tracker.catalogue_number,
        tracker.kpi_group,
        tracker.kpi_name,
        tracker.direction,
        tracker.cost_basis

),

with_coverage as (

    select
        *,
        cast(numerator as double) / nullif(cast(denominator as double), 0) as coverage
    from totals

),

with_goal_savings as (

    select
        *,
        {{ kpi_goal_status('direction', 'goal', 'coverage') }} as goal_status,
        {{ kpi_goal_savings('direction', 'goal', 'coverage', 'potential_savings') }} as goal_savings
    from with_coverage

),

-- KPI 18 at the organisation level: the other KPIs' organisation-level goal savings over the
-- organisation's spend (the tracker's rows hold each account's own sum)
with_total as (

    select
        *,
        case
            when kpi_id = 'total_savings_at_goal' then sum(goal_savings) over ()
            else goal_savings
        end as organisation_goal_savings
    from with_goal_savings

),

final as (

    select
        billing_period,
        catalogue_number,
        kpi_name,
        kpi_group,
        direction,
        cost_basis,
        case
            when kpi_id = 'total_savings_at_goal' then cast(organisation_goal_savings as decimal(38, 8))
            else numerator
        end as numerator,
        denominator,
        round(
            case
                when kpi_id = 'total_savings_at_goal'
                    then organisation_goal_savings / nullif(cast(denominator as double), 0)
                else coverage
            end,
            4
        ) as coverage,
        goal,
        goal_status,
        accounts_missing_goal,
        round(potential_savings, 2) as potential_savings,
        round(organisation_goal_savings, 2) as goal_savings,
        round(12 * organisation_goal_savings, 2) as goal_savings_per_year,
        round(sum_of_account_goal_savings, 2) as sum_of_account_goal_savings,
        kpi_id
    from with_total

)

select * from final
-- catalogue order: 1, 2, ..., 13, 14a-14d, 15, ... ('001' < '013' < '014a' < '015')
order by lpad(catalogue_number, case when length(catalogue_number) = 3 then 4 else 3 end, '0')
