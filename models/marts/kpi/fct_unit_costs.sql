{#-
    Unit costs (docs/cost_rules.md, 'Unit costs'): one row per billing period, payer, usage account, region,
    unit metric, purchase option and resource class (instance family, volume type or storage
    class), with the cost (numerator) and the quantity (denominator) kept apart, so any rollup
    is a ratio of sums: sum(numerator_cost) / sum(denominator_quantity). Amortized cost
    throughout (what the account pays per unit, commitments and Spot included).
-#}
{%- set unit_metrics = [
    {'unit_metric': 'ec2_cost_per_normalized_hour', 'source': 'ec2', 'purchase_option': 'purchase_option',
     'numerator': 'amortized_cost', 'denominator': 'normalized_hours', 'unit': 'normalized hour'},
    {'unit_metric': 'ec2_cost_per_vcpu_hour', 'source': 'ec2', 'purchase_option': 'purchase_option',
     'numerator': 'amortized_cost', 'denominator': 'vcpu_hours', 'unit': 'vCPU-hour'},
    {'unit_metric': 'ebs_storage_cost_per_gb_month', 'source': 'ebs',
     'numerator': 'storage_cost', 'denominator': 'storage_gb_month', 'unit': 'GB-month'},
    {'unit_metric': 'ebs_cost_per_gb_month', 'source': 'ebs',
     'numerator': 'amortized_cost', 'denominator': 'storage_gb_month', 'unit': 'GB-month'},
    {'unit_metric': 's3_storage_cost_per_gb_month', 'source': 's3_by_class',
     'numerator': 'amortized_cost', 'denominator': 'storage_gb_month', 'unit': 'GB-month'},
    {'unit_metric': 's3_cost_per_gb_month', 'source': 's3_all_in',
     'numerator': 'amortized_cost', 'denominator': 'storage_gb_month', 'unit': 'GB-month'},
] -%}
with instance_usage as (

    select * from {{ ref('int_kpi_instance_usage') }}

),

ebs_volumes as (

    select * from {{ ref('int_kpi_ebs_volumes') }}

),

s3_storage as (

    select * from {{ ref('int_kpi_s3_storage') }}

),

-- EC2 instance usage lines (fees and SP negations are not usage of an instance-hour)
ec2 as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        purchase_option,
        instance_family as resource_class,
        sum(amortized_cost) as amortized_cost,
        sum(normalized_usage_amount) as normalized_hours,
        sum(vcpu_hours) as vcpu_hours
    from instance_usage
    where workload = 'ec2_instance' and is_usage
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        purchase_option,
        instance_family

),

ebs as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        volume_api_name as resource_class,
        sum(storage_cost) as storage_cost,
        sum(amortized_cost) as amortized_cost,
        sum(storage_gb_month) as storage_gb_month
    from ebs_volumes
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        volume_api_name

),

s3_by_class as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        storage_class as resource_class,
        sum(amortized_cost) as amortized_cost,
        sum(storage_gb_month) as storage_gb_month
    from s3_storage
    where charge_kind = 'storage'
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        storage_class

),

-- "all-in": every S3 charge (storage, requests, retrieval, ...) per GB stored
s3_all_in as (

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        'all classes' as resource_class,
        sum(amortized_cost) as amortized_cost,
        sum(storage_gb_month) as storage_gb_month
    from s3_storage
    group by
        billing_period,
        payer_account_id,
        usage_account_id,
        region

),

unioned as (
    {%- for metric in unit_metrics %}

    select
        billing_period,
        payer_account_id,
        usage_account_id,
        region,
        '{{ metric.unit_metric }}' as unit_metric,
        {{ metric.get('purchase_option', "'OnDemand'") }} as purchase_option,
        resource_class,
        {{ metric.numerator }} as numerator_cost,
        {{ metric.denominator }} as denominator_quantity,
        '{{ metric.unit }}' as quantity_unit
    from {{ metric.source }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        cast(billing_period as varchar) as billing_period,
        cast(payer_account_id as varchar) as payer_account_id,
        cast(usage_account_id as varchar) as usage_account_id,
        cast(region as varchar) as region,
        cast(unit_metric as varchar) as unit_metric,
        cast(purchase_option as varchar) as purchase_option,
        cast(coalesce(resource_class, 'unknown') as varchar) as resource_class,
        cast('amortized_cost' as varchar) as cost_basis,
        cast(numerator_cost as decimal(38, 8)) as numerator_cost,
        cast(denominator_quantity as double) as denominator_quantity,
        cast(quantity_unit as varchar) as quantity_unit,
        {{ ratio('numerator_cost', 'denominator_quantity') }} as unit_cost
    from unioned

)

select * from final
