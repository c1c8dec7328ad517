{{ config(materialized='table') }}
{#-
    The KPI instance scope (docs/cost_rules.md; macros/kpi/kpi_rules.sql), classified for the
    KPIs: one row per billing period, payer, usage account, region and every attribute a KPI
    filters on (workload, purchase option, Savings Plan offering, instance family, processor,
    generation, engine, licence, eligibility flags).

    Reads no line items: the incremental int_kpi_instance_usage_aggregated holds the scope
    aggregated per billing period on the CUR's own attributes; the seeds (instance family
    mapping, commit service groups) and the Savings Plan offerings are joined here, on that small
    aggregate, so a seed change re-classifies every period on the next build. Materialised
    because it is small (thousands of rows a month) and the tracker and the unit costs read it
    many times.
-#}
{#- the grain of the aggregation below: selected and grouped by -#}
{%- set grain = [
    'billing_period',
    'payer_account_id',
    'usage_account_id',
    'region',
    'product_code',
    'commit_service_group',
    'workload',
    'line_item_type',
    'is_usage',
    'purchase_option',
    'savings_plan_offering_type',
    'is_commitment_eligible',
    'instance_family',
    'processor',
    'generation',
    'is_windows',
    'database_engine',
    'is_open_source_engine',
    'license_model',
    'latest_intel',
    'latest_amd',
    'latest_graviton',
    'previous_intel',
    'is_flexible_usage',
    'is_graviton_eligible',
    'is_amd_eligible',
] -%}
with usage_aggregated as (

    select * from {{ ref('int_kpi_instance_usage_aggregated') }}

),

instance_families as (

    select
        product_code,
        family,
        {{ empty_as_null('generation') }} as generation,
        {{ empty_as_null('processor') }} as processor,
        {{ empty_as_null('latest_intel') }} as latest_intel,
        {{ empty_as_null('latest_amd') }} as latest_amd,
        {{ empty_as_null('latest_graviton') }} as latest_graviton,
        {{ empty_as_null('previous_intel') }} as previous_intel
    from {{ ref('kpi_instance_families') }}

),

service_categories as (

    select * from {{ ref('aws_service_categories') }}

),

savings_plan_offerings as (

    select * from {{ ref('int_kpi_savings_plan_offerings') }}

),

classified as (

    select
        usage_aggregated.billing_period,
        usage_aggregated.payer_account_id,
        usage_aggregated.usage_account_id,
        usage_aggregated.region,
        usage_aggregated.product_code,
        -- CID's commit service group; DynamoDB counts only for provisioned capacity
        case
            when usage_aggregated.is_dynamodb_on_demand_capacity then 'Other'
            else coalesce(service_categories.commit_service_group, 'Other')
        end as commit_service_group,
        usage_aggregated.workload,
        usage_aggregated.line_item_type,
        usage_aggregated.is_usage,
        usage_aggregated.purchase_option,
        savings_plan_offerings.savings_plan_offering_type,
        usage_aggregated.is_commitment_eligible,
        usage_aggregated.instance_family,
        -- the CUR's physical processor first (Graviton, AMD; Arm Lambda and Fargate usage types),
        -- then the family seed (ElastiCache and OpenSearch carry no processor; the seed also
        -- knows 8th-generation families CID's '6g/7g/4g' substring test misses), then an Intel
        -- physical processor
        case
            when usage_aggregated.cur_processor in ('Graviton', 'AMD') then usage_aggregated.cur_processor
            when instance_families.processor is not null then instance_families.processor
            when usage_aggregated.cur_processor = 'Intel' then 'Intel'
            else 'Other'
        end as processor,
        -- the seed first (AWS's current/previous-generation designation), then the CUR's attribute
        coalesce(instance_families.generation, usage_aggregated.cur_generation, 'Unknown') as generation,
        usage_aggregated.is_windows,
        usage_aggregated.database_engine,
        usage_aggregated.is_open_source_engine,
        usage_aggregated.license_model,
        instance_families.latest_intel,
        instance_families.latest_amd,
        -- a Graviton target only where the workload can run on it (docs/cost_rules.md)
        case
            when usage_aggregated.product_code = 'AmazonEC2' and not usage_aggregated.is_windows
                then instance_families.latest_graviton
            when usage_aggregated.product_code = 'AmazonRDS' and usage_aggregated.is_open_source_engine
                then instance_families.latest_graviton
            when usage_aggregated.product_code in ('AmazonElastiCache', 'AmazonES') then instance_families.latest_graviton
        end as latest_graviton,
        instance_families.previous_intel,
        usage_aggregated.line_item_count,
        usage_aggregated.usage_amount,
        usage_aggregated.normalized_usage_amount,
        usage_aggregated.vcpu_hours,
        usage_aggregated.unblended_cost,
        usage_aggregated.amortized_cost,
        usage_aggregated.public_on_demand_cost,
        usage_aggregated.on_demand_equivalent_cost
    from usage_aggregated
    left join instance_families
        on
            usage_aggregated.product_code = instance_families.product_code
            and usage_aggregated.instance_family = instance_families.family
    left join service_categories
        on usage_aggregated.product_code = service_categories.product_code
    left join savings_plan_offerings
        on usage_aggregated.savings_plan_arn = savings_plan_offerings.savings_plan_arn

),

flagged as (

    select
        *,
        -- EC2 usage whose family can change without stranding a commitment: On-Demand or covered
        -- by a Compute SP (Spot is already discounted; RIs and EC2 Instance SPs tie the family)
        (
            workload = 'ec2_instance'
            and is_usage
            and (purchase_option = 'OnDemand' or coalesce(savings_plan_offering_type, '') = 'ComputeSavingsPlans')
        ) as is_flexible_usage
    from classified

),

eligibility as (

    select
        *,
        coalesce(
            is_usage
            and case
                when workload = 'ec2_instance'
                    then not is_windows and (processor = 'Graviton' or (is_flexible_usage and latest_graviton is not null))
                when workload = 'rds_instance'
                    then is_open_source_engine and (processor = 'Graviton' or (purchase_option = 'OnDemand' and latest_graviton is not null))
                when workload in ('elasticache_node', 'opensearch_instance')
                    then processor = 'Graviton' or (purchase_option = 'OnDemand' and latest_graviton is not null)
                -- every function can run on arm64
                when workload = 'lambda_compute' then true
                else false
            end,
            false
        ) as is_graviton_eligible,
        coalesce(
            workload = 'ec2_instance'
            and is_usage
            and processor != 'Graviton'
            and (processor = 'AMD' or (is_flexible_usage and latest_amd is not null)),
            false
        ) as is_amd_eligible
    from flagged

),

aggregated as (

    select
        {%- for column in grain %}
        {{ column }},
        {%- endfor %}
        sum(line_item_count) as line_item_count,
        sum(usage_amount) as usage_amount,
        sum(normalized_usage_amount) as normalized_usage_amount,
        sum(vcpu_hours) as vcpu_hours,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost,
        sum(on_demand_equivalent_cost) as on_demand_equivalent_cost
    from eligibility
    group by {{ grain | join(', ') }}

)

select * from aggregated
