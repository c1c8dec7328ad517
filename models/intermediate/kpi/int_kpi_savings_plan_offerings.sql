{#-
    One row per Savings Plan (its ARN): the offering type (ComputeSavingsPlans,
    EC2InstanceSavingsPlans, SageMakerSavingsPlans, ...). The KPIs need it to tell usage whose
    instance family can change freely (Compute SP) from usage an EC2 Instance SP ties to its
    family; int_line_items_amortized does not carry it, so it is read from staging here, three
    columns of the Savings Plan lines only, instead of widening the pinned cost core.
-#}
with line_items as (

    select
        savings_plan_arn,
        savings_plan_offering_type
    from {{ ref('stg_aws_cur__line_items') }}
    where
        savings_plan_arn is not null
        and savings_plan_offering_type is not null

),

offerings as (

    select
        savings_plan_arn,
        -- one offering per plan; max() only picks the value
        max(savings_plan_offering_type) as savings_plan_offering_type
    from line_items
    group by savings_plan_arn

)

select * from offerings
