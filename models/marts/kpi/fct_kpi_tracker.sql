{#-
    The KPI tracker (docs/cost_rules.md, 'KPIs'): one row per billing period, payer, usage account
    and KPI of the catalogue (macros/kpi/kpi_definitions.sql), with numerator, denominator,
    coverage (a ratio of sums), the goal, the potential savings (the KPI's rates x the costs they
    apply to, int_kpi_measures) and CID's goal savings. Every account with spend in a period gets
    every KPI (0 / 0 gives no coverage and no savings).
-#}
with definitions as (

    select * from {{ ref('int_kpi_definitions') }}

),

spend as (

    select * from {{ ref('int_spend_by_billing_period') }}

),

measured as (

    select * from {{ ref('int_kpi_measures') }}

),

-- every account with spend in a period, and that spend (the denominator of KPI 18)
accounts as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(amortized_cost) as total_amortized_cost
    from spend
    group by
        billing_period,
        payer_account_id,
        usage_account_id

),

kpis as (

    select
        accounts.billing_period,
        accounts.payer_account_id,
        accounts.usage_account_id,
        definitions.kpi_id,
        definitions.direction,
        definitions.cost_basis,
        cast(definitions.goal as double) as goal,
        coalesce(measured.numerator, 0) as numerator,
        coalesce(measured.denominator, 0) as denominator,
        {{ ratio('measured.numerator', 'measured.denominator') }} as coverage,
        coalesce(
            definitions.potential_savings_rate * measured.savings_base
            + coalesce(definitions.secondary_potential_savings_rate * measured.secondary_savings_base, 0),
            0
        ) as potential_savings
    from accounts
    cross join definitions
    left join measured
        on
            accounts.billing_period = measured.billing_period
            and accounts.payer_account_id = measured.payer_account_id
            and accounts.usage_account_id = measured.usage_account_id
            and definitions.kpi_id = measured.kpi_id
    where definitions.kpi_id != 'total_savings_at_goal'

),

with_goal_savings as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        kpi_id,
        direction,
        cost_basis,
        goal,
        cast(numerator as decimal(38, 8)) as numerator,
        cast(denominator as decimal(38, 8)) as denominator,
        coverage,
        cast(potential_savings as decimal(38, 8)) as potential_savings,
        cast({{ kpi_goal_savings('direction', 'goal', 'coverage', 'potential_savings') }} as decimal(38, 8)) as goal_savings
    from kpis

),

goal_savings_by_account as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        sum(goal_savings) as goal_savings
    from with_goal_savings
    group by
        billing_period,
        payer_account_id,
        usage_account_id

),

-- KPI 18: what meeting every goal would save, as a share of the account's spend; its own
-- potential and goal savings are 0 so that summing goal_savings over all rows counts once
total_at_goal as (

    select
        accounts.billing_period,
        accounts.payer_account_id,
        accounts.usage_account_id,
        definitions.kpi_id,
        definitions.direction,
        definitions.cost_basis,
        cast(definitions.goal as double) as goal,
        cast(coalesce(savings.goal_savings, 0) as decimal(38, 8)) as numerator,
        cast(accounts.total_amortized_cost as decimal(38, 8)) as denominator,
        {{ ratio('coalesce(savings.goal_savings, 0)', 'accounts.total_amortized_cost') }} as coverage,
        cast(0 as decimal(38, 8)) as potential_savings,
        cast(0 as decimal(38, 8)) as goal_savings
    from accounts
    inner join definitions
        on definitions.kpi_id = 'total_savings_at_goal'
    left join goal_savings_by_account as savings
        on
            accounts.billing_period = savings.billing_period
            and accounts.payer_account_id = savings.payer_account_id
            and accounts.usage_account_id = savings.usage_account_id

),

unioned as (

    select * from with_goal_savings
    union all
    select * from total_at_goal

),

final as (

    select
        unioned.billing_period,
        unioned.payer_account_id,
        unioned.usage_account_id,
        unioned.kpi_id,
        cast(definitions.catalogue_number as varchar) as catalogue_number,
        cast(definitions.kpi_group as varchar) as kpi_group,
        cast(definitions.name as varchar) as kpi_name,
        cast(unioned.direction as varchar) as direction,
        cast(unioned.cost_basis as varchar) as cost_basis,
        unioned.numerator,
        unioned.denominator,
        unioned.coverage,
        unioned.goal,
        cast({{ kpi_goal_status('unioned.direction', 'unioned.goal', 'unioned.coverage') }} as varchar) as goal_status,
        unioned.potential_savings,
        unioned.goal_savings,
        cast(unioned.billing_period || '-01' as date) as billing_period_start_date
    from unioned
    inner join definitions
        on unioned.kpi_id = definitions.kpi_id

)

select * from final
