{#-
    One row per Savings Plan (its ARN): the offering type (ComputeSavingsPlans,
    EC2InstanceSavingsPlans, SageMakerSavingsPlans, ...). The KPIs need it to tell usage whose
    instance family can change freely (Compute SP) from usage an EC2 Instance SP ties to its
    family. Read from int_commitment_charges (incremental, a few rows per commitment and period:
    its `offering` is the Savings Plan offering type on Savings Plan lines), so it costs no pass
    over the line items; the offering of a plan is the same in every period.
-#}
with charges as (

    select
        commitment_arn,
        offering
    from {{ ref('int_commitment_charges') }}
    where
        commitment_type = 'SavingsPlan'
        and offering is not null

),

offerings as (

    select
        commitment_arn as savings_plan_arn,
        -- one offering per plan; max() only picks the value
        max(offering) as savings_plan_offering_type
    from charges
    group by commitment_arn

)

select * from offerings
