{{ config(materialized='table') }}
{#-
    The KPI instance scope of cost_logic.md §1.1 (macros/kpi/kpi_rules.sql), classified and
    aggregated in one pass over the costed line items: one row per billing period, payer, usage
    account, region and every attribute a KPI filters on (workload, purchase option, Savings Plan
    offering, instance family, processor, generation, engine, licence, eligibility flags).
    Materialised because it is small (thousands of rows a month) and the tracker and the unit
    costs read it many times.
-#}
with line_items as (

    select * from {{ ref('int_line_items_amortized') }}
    where {{ kpi_instance_scope() }}

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

-- the family is the first segment of the instance type, the second for prefixed types
-- (db.r6g.large, cache.r6g.large, ml.m5.large); OpenSearch's r6g.large.search keeps the first
with_family as (

    select
        line_items.*,
        case
            when {{ dbt.split_part('line_items.instance_type', "'.'", 1) }} in ('db', 'cache', 'ml')
                then lower({{ dbt.split_part('line_items.instance_type', "'.'", 2) }})
            else lower({{ dbt.split_part('line_items.instance_type', "'.'", 1) }})
        end as instance_family_code,
        coalesce(lower(line_items.operating_system) like '%windows%', false) as is_windows,
        coalesce(line_items.database_engine in {{ kpi_open_source_database_engines() }}, false) as is_open_source_engine,
        line_items.line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') as is_usage
    from line_items

),

classified as (

    select
        with_family.billing_period,
        with_family.payer_account_id,
        with_family.usage_account_id,
        with_family.region,
        with_family.product_code,
        -- CID's commit service group; DynamoDB counts only for provisioned capacity
        case
            when with_family.product_code = 'AmazonDynamoDB' and with_family.operation != 'CommittedThroughput' then 'Other'
            else coalesce(service_categories.commit_service_group, 'Other')
        end as commit_service_group,
        case
            when with_family.line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'commitment_fee'
            when with_family.product_code = 'AmazonEC2' then 'ec2_instance'
            when with_family.product_code = 'AmazonRDS' then 'rds_instance'
            when with_family.product_code = 'AmazonElastiCache' then 'elasticache_node'
            when with_family.product_code = 'AmazonES' then 'opensearch_instance'
            when with_family.product_code = 'AmazonRedshift' then 'redshift_node'
            when with_family.product_code = 'AmazonSageMaker' then 'sagemaker_instance'
            when with_family.product_code = 'AmazonDynamoDB' then 'dynamodb_capacity'
            when with_family.product_code = 'AWSLambda' then 'lambda_compute'
            when with_family.usage_type like '%Fargate%' then 'fargate_compute'
            else 'other'
        end as workload,
        with_family.line_item_type,
        with_family.is_usage,
        with_family.purchase_option,
        savings_plan_offerings.savings_plan_offering_type,
        with_family.is_commitment_eligible,
        with_family.instance_family_code as instance_family,
        -- the CUR's physical processor first, then the family seed (ElastiCache and OpenSearch
        -- carry no processor; the seed also knows 8th-generation families CID's '6g/7g/4g'
        -- substring test misses), then Lambda and Fargate usage types
        case
            when with_family.physical_processor like '%Graviton%' then 'Graviton'
            when with_family.physical_processor like '%AMD%' then 'AMD'
            when with_family.product_code = 'AWSLambda' and with_family.usage_type like '%ARM%' then 'Graviton'
            when with_family.usage_type like '%Fargate%' and with_family.usage_type like '%ARM%' then 'Graviton'
            when instance_families.processor is not null then instance_families.processor
            when with_family.physical_processor like '%Intel%' then 'Intel'
            else 'Other'
        end as processor,
        -- the seed first (AWS's current/previous-generation designation), then the CUR's attribute
        coalesce(
            instance_families.generation,
            case with_family.current_generation when 'Yes' then 'Current' when 'No' then 'Previous' end,
            'Unknown'
        ) as generation,
        with_family.is_windows,
        with_family.database_engine,
        with_family.is_open_source_engine,
        with_family.license_model,
        instance_families.latest_intel,
        instance_families.latest_amd,
        -- a Graviton target only where the workload can run on it (cost_logic.md §1.1)
        case
            when with_family.product_code = 'AmazonEC2' and not with_family.is_windows then instance_families.latest_graviton
            when with_family.product_code = 'AmazonRDS' and with_family.is_open_source_engine then instance_families.latest_graviton
            when with_family.product_code in ('AmazonElastiCache', 'AmazonES') then instance_families.latest_graviton
        end as latest_graviton,
        instance_families.previous_intel,
        with_family.usage_amount,
        with_family.normalized_usage_amount,
        case when with_family.is_usage then with_family.usage_amount * with_family.vcpu_count end as vcpu_hours,
        with_family.unblended_cost,
        with_family.amortized_cost,
        with_family.public_on_demand_cost,
        with_family.on_demand_equivalent_cost
    from with_family
    left join instance_families
        on
            with_family.product_code = instance_families.product_code
            and with_family.instance_family_code = instance_families.family
    left join service_categories
        on with_family.product_code = service_categories.product_code
    left join savings_plan_offerings
        on with_family.commitment_arn = savings_plan_offerings.savings_plan_arn

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
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        commit_service_group,
        workload,
        line_item_type,
        is_usage,
        purchase_option,
        savings_plan_offering_type,
        is_commitment_eligible,
        instance_family,
        processor,
        generation,
        is_windows,
        database_engine,
        is_open_source_engine,
        license_model,
        latest_intel,
        latest_amd,
        latest_graviton,
        previous_intel,
        is_flexible_usage,
        is_graviton_eligible,
        is_amd_eligible,
        count(*) as line_item_count,
        sum(usage_amount) as usage_amount,
        sum(normalized_usage_amount) as normalized_usage_amount,
        sum(vcpu_hours) as vcpu_hours,
        sum(unblended_cost) as unblended_cost,
        sum(amortized_cost) as amortized_cost,
        sum(public_on_demand_cost) as public_on_demand_cost,
        sum(on_demand_equivalent_cost) as on_demand_equivalent_cost
    from eligibility
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        product_code,
        commit_service_group,
        workload,
        line_item_type,
        is_usage,
        purchase_option,
        savings_plan_offering_type,
        is_commitment_eligible,
        instance_family,
        processor,
        generation,
        is_windows,
        database_engine,
        is_open_source_engine,
        license_model,
        latest_intel,
        latest_amd,
        latest_graviton,
        previous_intel,
        is_flexible_usage,
        is_graviton_eligible,
        is_amd_eligible

)

select * from aggregated
