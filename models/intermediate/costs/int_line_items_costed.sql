{#-
    One row per CUR line item that counts towards spend, with its cost under every basis
    (macros/cost/cost_bases.sql). Split-cost child rows (EKSPod-EC2 / ECSTask-EC2) are left out:
    they repeat their parent instance's cost.

    A view on purpose: marts aggregate straight from it in one pass over the Parquet files, which
    costs about one scan, while materialising line items costs ~8 scans (toolchain.md).
-#}
with line_items as (

    select * from {{ ref('stg_aws_cur__line_items') }}

),

costed as (

    select
        line_items.*,
        {{ money(unblended_cost()) }} as cost_unblended,
        {{ money(amortized_cost()) }} as cost_amortized,
        {{ money(net_unblended_cost()) }} as cost_net_unblended,
        {{ money(net_amortized_cost()) }} as cost_net_amortized,
        {{ money(public_on_demand_cost()) }} as cost_public_on_demand
    from line_items
    where not is_split_cost_child

)

select * from costed
