{{
    config(
        materialized='incremental',
        incremental_strategy=billing_period_incremental_strategy(),
        unique_key='billing_period',
        partitioned_by=billing_period_partitioning(),
        on_schema_change='fail',
    )
}}
{#-
    The KPI instance scope (docs/cost_rules.md; macros/kpi/kpi_rules.sql) aggregated in one pass
    over the line items of the billing periods whose delivery changed
    (macros/incremental/billing_periods_to_rebuild.sql): one row per billing period, payer, usage
    account, region and every attribute of the CUR a KPI classification needs (workload, line
    item type, purchase option, Savings Plan ARN, instance family, the CUR's own processor and
    generation, Windows, engine, licence).

    Reads no seed: the instance family mapping, the commit service groups and the Savings Plan
    offerings are joined downstream on this small aggregate (int_kpi_instance_usage), so changing
    a seed re-classifies every period on the next build without re-reading line items.
-#}
{#- the grain of the aggregation below: selected and grouped by -#}
{%- set grain = [
    'billing_period',
    'payer_account_id',
    'usage_account_id',
    'region',
    'product_code',
    'is_dynamodb_on_demand_capacity',
    'workload',
    'line_item_type',
    'is_usage',
    'purchase_option',
    'savings_plan_arn',
    'is_commitment_eligible',
    'instance_family',
    'cur_processor',
    'cur_generation',
    'is_windows',
    'database_engine',
    'is_open_source_engine',
    'license_model',
] -%}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where
        {{ kpi_instance_scope() }}
        and {{ billing_periods_to_rebuild('cur2') }}

),

deliveries as (

    select
        billing_period,
        execution_id
    from {{ ref('int_billing_period_deliveries') }}
    where export_type = 'cur2'

),

-- the family is the first segment of the instance type, the second for prefixed types
-- (db.r6g.large, cache.r6g.large, ml.m5.large); OpenSearch's r6g.large.search keeps the first
classified as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        -- DynamoDB counts in its commit service group only for provisioned capacity
        coalesce(product_code = 'AmazonDynamoDB' and operation != 'CommittedThroughput', false)
            as is_dynamodb_on_demand_capacity,
        case
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'commitment_fee'
            when product_code = 'AmazonEC2' then 'ec2_instance'
            when product_code = 'AmazonRDS' then 'rds_instance'
            when product_code = 'AmazonElastiCache' then 'elasticache_node'
            when product_code = 'AmazonES' then 'opensearch_instance'
            when product_code = 'AmazonRedshift' then 'redshift_node'
            when product_code = 'AmazonSageMaker' then 'sagemaker_instance'
            when product_code = 'AmazonDynamoDB' then 'dynamodb_capacity'
            when product_code = 'AWSLambda' then 'lambda_compute'
            when usage_type like '%Fargate%' then 'fargate_compute'
            else 'other'
        end as workload,
        line_item_type,
        line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') as is_usage,
        purchase_option,
        -- the Savings Plan's ARN (its offering is joined downstream); RIs need none
        case when purchase_option = 'SavingsPlan' then commitment_arn end as savings_plan_arn,
        is_commitment_eligible,
        case
            when {{ dbt.split_part('instance_type', "'.'", 1) }} in ('db', 'cache', 'ml')
                then lower({{ dbt.split_part('instance_type', "'.'", 2) }})
            else lower({{ dbt.split_part('instance_type', "'.'", 1) }})
        end as instance_family,
        -- what the CUR itself says about the processor: Graviton and AMD (physical processor,
        -- Arm Lambda and Fargate usage types) win over the family seed downstream, an Intel
        -- physical processor is only the fallback after it
        case
            when physical_processor like '%Graviton%' then 'Graviton'
            when physical_processor like '%AMD%' then 'AMD'
            when product_code = 'AWSLambda' and usage_type like '%ARM%' then 'Graviton'
            when usage_type like '%Fargate%' and usage_type like '%ARM%' then 'Graviton'
            when physical_processor like '%Intel%' then 'Intel'
        end as cur_processor,
        case current_generation when 'Yes' then 'Current' when 'No' then 'Previous' end as cur_generation,
        coalesce(lower(operating_system) like '%windows%', false) as is_windows,
        database_engine,
        coalesce(database_engine in {{ kpi_open_source_database_engines() }}, false) as is_open_source_engine,
        license_model,
        usage_amount,
        normalized_usage_amount,
        case
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then usage_amount * vcpu_count
        end as vcpu_hours,
        unblended_cost,
        amortized_cost,
        public_on_demand_cost,
        on_demand_equivalent_cost
    from line_items

),

aggregated as (

    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        count(*) as line_item_count,
        sum(usage_amount) as usage_amount,
        sum(normalized_usage_amount) as normalized_usage_amount,
        sum(vcpu_hours) as vcpu_hours,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost,
        sum(on_demand_equivalent_cost) as on_demand_equivalent_cost
    from classified
    group by {{ grain | join(', ') }}

),

final as (

    select
        aggregated.payer_account_id,
        aggregated.usage_account_id,
        aggregated.region,
        aggregated.product_code,
        aggregated.is_dynamodb_on_demand_capacity,
        aggregated.workload,
        aggregated.line_item_type,
        aggregated.is_usage,
        aggregated.purchase_option,
        aggregated.savings_plan_arn,
        aggregated.is_commitment_eligible,
        aggregated.instance_family,
        aggregated.cur_processor,
        aggregated.cur_generation,
        aggregated.is_windows,
        aggregated.database_engine,
        aggregated.is_open_source_engine,
        aggregated.license_model,
        aggregated.line_item_count,
        aggregated.usage_amount,
        aggregated.normalized_usage_amount,
        aggregated.vcpu_hours,
        aggregated.unblended_cost,
        aggregated.amortized_cost,
        aggregated.public_on_demand_cost,
        aggregated.on_demand_equivalent_cost,
        deliveries.execution_id as delivery_execution_id,
        -- the partition column comes last (dbt-athena insert_overwrite)
        aggregated.billing_period
    from aggregated
    left join deliveries
        on aggregated.billing_period = deliveries.billing_period

)

select * from final
