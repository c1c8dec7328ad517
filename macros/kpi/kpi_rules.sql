{#-
    Rules of the KPI tracker (docs/cost_rules.md, 'KPIs') that all KPIs share and more than one
    model or test needs: the instance scope the instance KPIs are measured on, and how a KPI is
    scored against its goal. Each KPI's own rule, goal and rates are its entry in
    kpi_definitions.sql.
-#}

{#- The KPI instance scope (docs/cost_rules.md; CID's kpi_instance_all filter), on
    int_line_items_amortized columns: instance, capacity and serverless-compute usage of the
    services commitments and modernisation KPIs look at, plus the RI and Savings Plan fee lines.
    Unlike CID, a resource id is not required: an export written without resource ids
    (INCLUDE_RESOURCES = FALSE) would otherwise give an empty tracker, and no KPI here needs it. -#}
{% macro kpi_instance_scope() -%}
    (
        payer_account_id is not null
        and coalesce(service, '') != 'AWSDataTransfer'
        and coalesce(usage_type, '') not like '%DataXfer%'
        and (line_item_type like '%Usage%' or line_item_type in ('RIFee', 'SavingsPlanRecurringFee'))
        and (
            (product_code = 'AmazonEC2' and instance_type is not null and operation like '%RunInstances%')
            or (product_code in ('AmazonElastiCache', 'AmazonES', 'AmazonRDS', 'AmazonRedshift', 'AmazonSageMaker')
                and instance_type is not null)
            or (product_code = 'AmazonDynamoDB' and operation in ('CommittedThroughput', 'PayPerRequestThroughput')
                and (usage_type like '%ReadCapacityUnit-Hrs%' or usage_type like '%WriteCapacityUnit-Hrs%')
                and usage_type not like '%Repl%')
            or (product_code = 'AWSLambda'
                and (usage_type like '%Lambda-GB-Second%' or usage_type like '%Lambda-Provisioned-GB-Second%'
                    or usage_type like '%Lambda-Provisioned-Concurrency%'))
            or usage_type like '%Fargate%'
            or product_code in ('ComputeSavingsPlans', 'MachineLearningSavingsPlans')
        )
    )
{%- endmacro %}

{#- The RDS engines that run without a licence and have Graviton instance classes. -#}
{% macro kpi_open_source_database_engines() -%}
    ('Aurora', 'Aurora MySQL', 'Aurora PostgreSQL', 'MariaDB', 'MySQL', 'PostgreSQL')
{%- endmacro %}

{#- The first day of a 'YYYY-MM' billing period, as a date. -#}
{% macro kpi_period_start(billing_period) -%}
    cast({{ dbt.concat([billing_period, "'-01'"]) }} as date)
{%- endmacro %}

{#- CID's "goal savings" (docs/cost_rules.md, 'Goal savings'): the potential savings scaled by the gap between
    coverage and goal, 0 when the goal is met, when there is no goal or no usage. For non-negative
    goals and coverages, `coverage < goal` is CID's `coverage / goal < 1` and `coverage > goal` its
    `goal / coverage < 1`, without the divisions by zero. -#}
{% macro kpi_goal_savings(direction, goal, coverage, potential_savings) -%}
    case
        when {{ goal }} is null or {{ coverage }} is null or {{ potential_savings }} is null then 0
        when {{ direction }} = 'higher_is_better' and {{ coverage }} < {{ goal }}
            then {{ potential_savings }} * ({{ goal }} - {{ coverage }})
        when {{ direction }} = 'lower_is_better' and {{ coverage }} > {{ goal }}
            then abs({{ potential_savings }} * ({{ coverage }} - {{ goal }}))
        else 0
    end
{%- endmacro %}

{#- Where a KPI stands against its goal: met, missed, no_goal (informational KPIs) or no_usage
    (nothing in the denominator). -#}
{% macro kpi_goal_status(direction, goal, coverage) -%}
    case
        when {{ goal }} is null then 'no_goal'
        when {{ coverage }} is null then 'no_usage'
        when {{ direction }} = 'higher_is_better' and {{ coverage }} >= {{ goal }} then 'met'
        when {{ direction }} = 'lower_is_better' and {{ coverage }} <= {{ goal }} then 'met'
        else 'missed'
    end
{%- endmacro %}
