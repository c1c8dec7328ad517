{#-
    The KPI tracker (docs/cost_rules.md, 'KPIs'): one row per billing period, payer, usage account and KPI
    of seeds/kpi_definitions.csv, with numerator, denominator, coverage (a ratio of sums), the goal
    and potential-savings rates from the seed, and CID's goal savings. Every account with spend in
    a period gets every KPI (0 / 0 gives no coverage and no savings).

    Each measured KPI below is a filter on one intermediate model:
      scope         the rows of the denominator
      numerator     the subset of the scope in the numerator
      measure       the cost basis of both (the seed's cost_basis)
      savings       the rows whose `savings_measure` the seed's potential_savings_rate applies to,
      secondary     ... and those its secondary_potential_savings_rate applies to
    Potential savings are on amortized cost (what the account pays) unless stated.
-#}
{%- set odeq = 'on_demand_equivalent_cost' -%}
{%- set kpis = [
    {'kpi_id': 'compute_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'Compute'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'ec2_spot_coverage', 'source': 'instance_usage',
     'scope': "workload = 'ec2_instance' and is_usage",
     'numerator': "purchase_option = 'Spot'", 'measure': odeq,
     'savings': 'is_flexible_usage', 'savings_measure': odeq},
    {'kpi_id': 'ec2_previous_generation', 'source': 'instance_usage',
     'scope': 'is_flexible_usage',
     'numerator': "generation = 'Previous'", 'measure': odeq, 'savings': "generation = 'Previous'"},
    {'kpi_id': 'ec2_graviton_adoption', 'source': 'instance_usage',
     'scope': "workload = 'ec2_instance' and is_graviton_eligible",
     'numerator': "processor = 'Graviton'", 'measure': odeq,
     'savings': "processor not in ('Graviton', 'AMD')", 'secondary': "processor = 'AMD'"},
    {'kpi_id': 'ec2_amd_adoption', 'source': 'instance_usage',
     'scope': 'is_amd_eligible',
     'numerator': "processor = 'AMD'", 'measure': odeq, 'savings': "processor != 'AMD'"},
    {'kpi_id': 'ebs_gp3_share', 'source': 'ebs_volumes',
     'scope': "volume_api_name in ('gp2', 'gp3')",
     'numerator': "volume_api_name = 'gp3'", 'measure': 'amortized_cost',
     'savings': "volume_api_name = 'gp2'", 'savings_measure': 'gp3_potential_savings'},
    {'kpi_id': 'ebs_snapshots_over_1_year', 'source': 'ebs_snapshots',
     'scope': '1 = 1',
     'numerator': 'is_older_than_one_year', 'measure': 'amortized_cost', 'savings': 'is_older_than_one_year'},
    {'kpi_id': 's3_standard_storage_share', 'source': 's3_storage',
     'scope': "charge_kind = 'storage'",
     'numerator': "storage_class = 'Standard'", 'measure': 'amortized_cost', 'savings': "storage_class = 'Standard'"},
    {'kpi_id': 'rds_graviton_adoption', 'source': 'instance_usage',
     'scope': "workload = 'rds_instance' and is_graviton_eligible",
     'numerator': "processor = 'Graviton'", 'measure': odeq, 'savings': "processor != 'Graviton'"},
    {'kpi_id': 'elasticache_graviton_adoption', 'source': 'instance_usage',
     'scope': "workload = 'elasticache_node' and is_graviton_eligible",
     'numerator': "processor = 'Graviton'", 'measure': odeq, 'savings': "processor != 'Graviton'"},
    {'kpi_id': 'opensearch_graviton_adoption', 'source': 'instance_usage',
     'scope': "workload = 'opensearch_instance' and is_graviton_eligible",
     'numerator': "processor = 'Graviton'", 'measure': odeq, 'savings': "processor != 'Graviton'"},
    {'kpi_id': 'lambda_graviton_adoption', 'source': 'instance_usage',
     'scope': "workload = 'lambda_compute' and is_graviton_eligible",
     'numerator': "processor = 'Graviton'", 'measure': odeq, 'savings': "processor != 'Graviton'"},
    {'kpi_id': 'rds_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'RDS'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'elasticache_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'ElastiCache'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'opensearch_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'OpenSearch'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'redshift_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'Redshift'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'sagemaker_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'Machine Learning'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'dynamodb_ondemand_coverage', 'source': 'instance_usage',
     'scope': "is_commitment_eligible and commit_service_group = 'DynamoDB'",
     'numerator': "purchase_option = 'OnDemand'", 'measure': odeq, 'savings': "purchase_option = 'OnDemand'"},
    {'kpi_id': 'rds_open_source_engines', 'source': 'instance_usage',
     'scope': "workload = 'rds_instance' and is_usage and license_model is not null",
     'numerator': "lower(license_model) = 'no license required'", 'measure': odeq,
     'savings': "database_engine like 'Oracle%' and lower(license_model) = 'license included'",
     'secondary': "database_engine like 'SQL Server%' and lower(license_model) = 'license included'"},
    {'kpi_id': 'commitment_realised_savings', 'source': 'instance_usage',
     'scope': "is_usage and purchase_option in ('Reserved', 'SavingsPlan')",
     'numerator': '1 = 1', 'numerator_measure': odeq ~ ' - amortized_cost', 'measure': odeq, 'savings': '1 = 0'},
] -%}
with definitions as (

    select * from {{ ref('kpi_definitions') }}

),

spend as (

    select * from {{ ref('fct_spend_monthly') }}

),

instance_usage as (

    select * from {{ ref('int_kpi_instance_usage') }}

),

ebs_volumes as (

    select * from {{ ref('int_kpi_ebs_volumes') }}

),

ebs_snapshots as (

    select * from {{ ref('int_kpi_ebs_snapshots') }}

),

s3_storage as (

    select * from {{ ref('int_kpi_s3_storage') }}

),

-- the KPIs this model has a rule for, with the basis the rule uses (KPI 18 is computed below);
-- a seed row without a rule is not tracked (tests/kpi/assert_kpi_definitions_are_tracked.sql)
kpi_rules as (
    {%- for kpi in kpis %}

    select
        '{{ kpi.kpi_id }}' as kpi_id,
        '{{ kpi.measure }}' as cost_basis

    union all
    {%- endfor %}

    select
        'total_savings_at_goal' as kpi_id,
        'amortized_cost' as cost_basis

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

measured as (
    {%- for kpi in kpis %}

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        '{{ kpi.kpi_id }}' as kpi_id,
        sum(case when {{ kpi.numerator }} then {{ kpi.get('numerator_measure', kpi.measure) }} else 0 end) as numerator,
        sum({{ kpi.measure }}) as denominator,
        sum(case when {{ kpi.savings }} then {{ kpi.get('savings_measure', 'amortized_cost') }} else 0 end) as savings_base,
        sum(case when {{ kpi.get('secondary', '1 = 0') }} then {{ kpi.get('savings_measure', 'amortized_cost') }} else 0 end)
            as secondary_savings_base
    from {{ kpi.source }}
    where {{ kpi.scope }}
    group by
        billing_period,
        payer_account_id,
        usage_account_id
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

kpis as (

    select
        accounts.billing_period,
        accounts.payer_account_id,
        accounts.usage_account_id,
        definitions.kpi_id,
        definitions.direction,
        kpi_rules.cost_basis,
        cast(definitions.default_goal as double) as goal,
        coalesce(measured.numerator, 0) as numerator,
        coalesce(measured.denominator, 0) as denominator,
        cast(measured.numerator as double) / nullif(cast(measured.denominator as double), 0) as coverage,
        coalesce(
            definitions.potential_savings_rate * measured.savings_base
            + coalesce(definitions.secondary_potential_savings_rate * measured.secondary_savings_base, 0),
            0
        ) as potential_savings
    from accounts
    cross join definitions
    inner join kpi_rules
        on definitions.kpi_id = kpi_rules.kpi_id
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
        kpi_rules.cost_basis,
        cast(definitions.default_goal as double) as goal,
        cast(coalesce(savings.goal_savings, 0) as decimal(38, 8)) as numerator,
        cast(accounts.total_amortized_cost as decimal(38, 8)) as denominator,
        cast(coalesce(savings.goal_savings, 0) as double) / nullif(cast(accounts.total_amortized_cost as double), 0) as coverage,
        cast(0 as decimal(38, 8)) as potential_savings,
        cast(0 as decimal(38, 8)) as goal_savings
    from accounts
    inner join definitions
        on definitions.kpi_id = 'total_savings_at_goal'
    inner join kpi_rules
        on definitions.kpi_id = kpi_rules.kpi_id
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
