{#-
    The usage that Reserved Instances and Savings Plans can cover: the eligible scope of coverage
    (docs/cost_rules.md, 'Coverage'; CID's `RI_SP Coverage Tracking` = Include), applied to usage
    lines only (Usage, DiscountedUsage, SavingsPlanCoveredUsage). Fee lines are left out on purpose: unused
    commitment is a utilisation matter, and counting it would let an idle commitment raise coverage.

    Project choice (documented fix of CID): DynamoDB on-demand capacity (PayPerRequestThroughput)
    is not eligible, because no reserved capacity can cover it; only provisioned RCU/WCU-hours
    (CommittedThroughput) are, as in CID's commit service group.
-#}
{% macro is_commitment_eligible() -%}
    (
        line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
        and coalesce(product_code, '') != 'AWSDataTransfer'
        and coalesce(usage_type, '') not like '%DataXfer%'
        and (
            (product_code = 'AmazonEC2' and instance_type is not null and operation like '%RunInstances%')
            or (product_code in ('AmazonElastiCache', 'AmazonES', 'AmazonRDS', 'AmazonRedshift', 'AmazonSageMaker')
                and instance_type is not null)
            or (product_code = 'AmazonDynamoDB' and operation = 'CommittedThroughput'
                and (usage_type like '%ReadCapacityUnit-Hrs%' or usage_type like '%WriteCapacityUnit-Hrs%')
                and usage_type not like '%Repl%')
            or (product_code = 'AWSLambda'
                and (usage_type like '%Lambda-GB-Second%' or usage_type like '%Lambda-Provisioned-GB-Second%'
                    or usage_type like '%Lambda-Provisioned-Concurrency%'))
            or usage_type like '%Fargate%'
        )
    )
{%- endmacro %}
