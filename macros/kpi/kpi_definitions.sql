{#-
    The KPI catalogue: every KPI of the KPI tracker, one entry each, found by its kpi_id. An entry
    is the whole definition of the KPI: what it measures, its goal and direction, the rule of its
    numerator and denominator, its cost basis and how its potential savings are valued.
    int_kpi_definitions publishes the entries as a table and int_kpi_measures applies the rules;
    fct_kpi_tracker reads both, so changing a goal or a rate here and running `dbt build` changes
    the tracker, and a new KPI is a new entry here (no other file).

    Fields of an entry (predicates are SQL on the columns of the `measured_on` model):
      kpi_id, catalogue_number, kpi_group, name, description   what the KPI is, for a reader
      direction            higher_is_better or lower_is_better: which side of the goal is good
      goal                 the target coverage (a fraction, 0.30 = 30 %); null: informational KPI
      cost_basis           the cost column summed on both sides of the share
      measured_on          the intermediate model the KPI is measured on
      denominator          the rows of the denominator (the KPI's scope)
      numerator            the subset of those rows in the numerator
      numerator_cost       what the numerator sums instead of cost_basis (optional)
      potential_savings_rate, potential_savings_on
                           CID's assumed saving: rate x potential_savings_cost of the scope's
                           rows that match potential_savings_on
      secondary_potential_savings_rate, secondary_potential_savings_on
                           a second rate for a second kind of cost (optional)
      potential_savings_cost   the cost the rates apply to (default amortized_cost: what the
                           account would stop paying)
      potential_savings_rule   the same in words

    A YAML list rather than a seed: a seed is data and cannot carry the rule that dbt compiles
    into SQL, and the rule and the goal of a KPI belong in one entry.
-#}
{% macro kpi_definitions() %}
{%- set catalogue -%}
- kpi_id: compute_ondemand_coverage
  catalogue_number: '1'
  kpi_group: commitments
  name: "Compute on-demand share"
  description: >
    Share of compute spend (EC2 instances, Fargate, Lambda) that is still paid at on-demand
    prices instead of being covered by Savings Plans or Reserved Instances. Measured at
    on-demand-equivalent prices so that discounts do not shrink the covered side.
  direction: lower_is_better
  goal: 0.30
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'Compute'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand compute usage (what a commitment would typically
    save)

- kpi_id: ec2_spot_coverage
  catalogue_number: '2'
  kpi_group: modernisation
  name: "EC2 Spot share"
  description: >
    Share of EC2 instance usage that runs on Spot, valued at on-demand-equivalent prices on both
    sides (Spot hours are priced as if on demand).
  direction: higher_is_better
  goal: 0.10
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'ec2_instance' and is_usage"
  numerator: "purchase_option = 'Spot'"
  potential_savings_rate: 0.55
  potential_savings_on: "is_flexible_usage"
  potential_savings_cost: on_demand_equivalent_cost
  potential_savings_rule: >
    rate x on-demand-equivalent cost of EC2 usage that is neither Spot nor locked into a
    Reserved Instance or EC2 Instance Savings Plan

- kpi_id: ec2_previous_generation
  catalogue_number: '3'
  kpi_group: modernisation
  name: "EC2 previous-generation share"
  description: >
    Share of EC2 instance usage on previous-generation families (e.g. m4, c4, t2), counting only
    usage whose family can be changed freely: on-demand or covered by a Compute Savings Plan.
    Spot, Reserved Instances and EC2 Instance Savings Plans are left out of both sides.
  direction: lower_is_better
  goal: 0.10
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_flexible_usage"
  numerator: "generation = 'Previous'"
  potential_savings_rate: 0.05
  potential_savings_on: "generation = 'Previous'"
  potential_savings_rule: >
    rate x amortized cost of the previous-generation usage counted in the numerator

- kpi_id: ec2_graviton_adoption
  catalogue_number: '4'
  kpi_group: modernisation
  name: "EC2 Graviton adoption"
  description: >
    Share of Graviton-eligible EC2 spend that already runs on AWS Graviton (Arm) processors.
    Eligible: non-Windows instance usage that is Graviton already, or that is on-demand or
    Compute-Savings-Plan covered and has a Graviton family to move to.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'ec2_instance' and is_graviton_eligible"
  numerator: "processor = 'Graviton'"
  potential_savings_rate: 0.20
  potential_savings_on: "processor not in ('Graviton', 'AMD')"
  secondary_potential_savings_rate: 0.10
  secondary_potential_savings_on: "processor = 'AMD'"
  potential_savings_rule: >
    rate x amortized cost of eligible Intel (and other x86) usage + secondary rate x amortized
    cost of eligible AMD usage

- kpi_id: ec2_amd_adoption
  catalogue_number: '5'
  kpi_group: modernisation
  name: "EC2 AMD adoption"
  description: >
    Share of AMD-eligible EC2 spend that already runs on AMD processors. Eligible: non-Graviton
    instance usage that is AMD already, or that is on-demand or Compute-Savings-Plan covered and
    has an AMD family to move to.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_amd_eligible"
  numerator: "processor = 'AMD'"
  potential_savings_rate: 0.10
  potential_savings_on: "processor != 'AMD'"
  potential_savings_rule: >
    rate x amortized cost of eligible usage that is not yet AMD

- kpi_id: ebs_gp3_share
  catalogue_number: '6'
  kpi_group: storage
  name: "EBS gp3 share of general-purpose volumes"
  description: >
    Share of general-purpose SSD volume spend (gp2 + gp3, storage, IOPS and throughput) that is
    on the newer, cheaper gp3 type.
  direction: higher_is_better
  goal: 0.50
  cost_basis: amortized_cost
  measured_on: int_kpi_ebs_volumes
  denominator: "volume_api_name in ('gp2', 'gp3')"
  numerator: "volume_api_name = 'gp3'"
  potential_savings_rate: 1.00
  potential_savings_on: "volume_api_name = 'gp2'"
  potential_savings_cost: gp3_potential_savings
  potential_savings_rule: >
    rate x modelled saving of moving each gp2 volume to gp3 with the same performance
    (per-volume model, never below 0)

- kpi_id: ebs_snapshots_over_1_year
  catalogue_number: '7'
  kpi_group: storage
  name: "EBS snapshots older than a year"
  description: >
    Share of EBS snapshot spend on snapshots that were first billed more than 12 months before
    the start of the billing period. Snapshots that already existed when the cost history begins
    count as younger until the history is a year long.
  direction: lower_is_better
  goal: 0.25
  cost_basis: amortized_cost
  measured_on: int_kpi_ebs_snapshots
  denominator: "1 = 1"
  numerator: "is_older_than_one_year"
  potential_savings_rate: 1.00
  potential_savings_on: "is_older_than_one_year"
  potential_savings_rule: >
    rate x cost of the snapshots older than a year (deleting them saves all of it)

- kpi_id: s3_standard_storage_share
  catalogue_number: '8'
  kpi_group: storage
  name: "S3 Standard share of storage"
  description: >
    Share of S3 and Glacier storage spend that sits in the S3 Standard class rather than in
    cheaper infrequent-access, archive or Intelligent-Tiering classes.
  direction: lower_is_better
  goal: 0.65
  cost_basis: amortized_cost
  measured_on: int_kpi_s3_storage
  denominator: "charge_kind = 'storage'"
  numerator: "storage_class = 'Standard'"
  potential_savings_rate: 0.30
  potential_savings_on: "storage_class = 'Standard'"
  potential_savings_rule: >
    rate x S3 Standard storage cost

- kpi_id: rds_graviton_adoption
  catalogue_number: '9'
  kpi_group: modernisation
  name: "RDS Graviton adoption"
  description: >
    Share of Graviton-eligible RDS instance spend (open-source engines: MySQL, MariaDB,
    PostgreSQL, Aurora) that already runs on Graviton. Eligible: already Graviton, or on-demand
    with a Graviton family to move to.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'rds_instance' and is_graviton_eligible"
  numerator: "processor = 'Graviton'"
  potential_savings_rate: 0.10
  potential_savings_on: "processor != 'Graviton'"
  potential_savings_rule: >
    rate x amortized cost of eligible on-demand usage that is not yet Graviton

- kpi_id: elasticache_graviton_adoption
  catalogue_number: '10'
  kpi_group: modernisation
  name: "ElastiCache Graviton adoption"
  description: >
    Share of Graviton-eligible ElastiCache node spend that already runs on Graviton. Eligible:
    already Graviton, or on-demand with a Graviton family to move to.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'elasticache_node' and is_graviton_eligible"
  numerator: "processor = 'Graviton'"
  potential_savings_rate: 0.05
  potential_savings_on: "processor != 'Graviton'"
  potential_savings_rule: >
    rate x amortized cost of eligible on-demand usage that is not yet Graviton

- kpi_id: opensearch_graviton_adoption
  catalogue_number: '11'
  kpi_group: modernisation
  name: "OpenSearch Graviton adoption"
  description: >
    Share of Graviton-eligible OpenSearch instance spend that already runs on Graviton.
    Eligible: already Graviton, or on-demand with a Graviton family to move to.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'opensearch_instance' and is_graviton_eligible"
  numerator: "processor = 'Graviton'"
  potential_savings_rate: 0.05
  potential_savings_on: "processor != 'Graviton'"
  potential_savings_rule: >
    rate x amortized cost of eligible on-demand usage that is not yet Graviton

- kpi_id: lambda_graviton_adoption
  catalogue_number: '12'
  kpi_group: modernisation
  name: "Lambda Graviton (arm64) adoption"
  description: >
    Share of Lambda compute spend (GB-seconds and provisioned concurrency) that runs on arm64
    (Graviton). Every Lambda function can in principle run on arm64.
  direction: higher_is_better
  goal: 0.20
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'lambda_compute' and is_graviton_eligible"
  numerator: "processor = 'Graviton'"
  potential_savings_rate: 0.20
  potential_savings_on: "processor != 'Graviton'"
  potential_savings_rule: >
    rate x amortized cost of x86 Lambda compute

- kpi_id: rds_ondemand_coverage
  catalogue_number: '13'
  kpi_group: commitments
  name: "RDS on-demand share"
  description: >
    Share of RDS instance spend still paid at on-demand prices instead of being covered by
    Reserved Instances, at on-demand-equivalent prices.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'RDS'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand RDS instance usage

- kpi_id: elasticache_ondemand_coverage
  catalogue_number: '14a'
  kpi_group: commitments
  name: "ElastiCache on-demand share"
  description: >
    Share of ElastiCache node spend still paid at on-demand prices instead of being covered by
    reserved nodes, at on-demand-equivalent prices.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'ElastiCache'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand ElastiCache node usage

- kpi_id: opensearch_ondemand_coverage
  catalogue_number: '14b'
  kpi_group: commitments
  name: "OpenSearch on-demand share"
  description: >
    Share of OpenSearch instance spend still paid at on-demand prices instead of being covered
    by reserved instances, at on-demand-equivalent prices.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'OpenSearch'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand OpenSearch instance usage

- kpi_id: redshift_ondemand_coverage
  catalogue_number: '14c'
  kpi_group: commitments
  name: "Redshift on-demand share"
  description: >
    Share of Redshift node spend still paid at on-demand prices instead of being covered by
    reserved nodes, at on-demand-equivalent prices.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'Redshift'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand Redshift node usage

- kpi_id: sagemaker_ondemand_coverage
  catalogue_number: '14d'
  kpi_group: commitments
  name: "SageMaker on-demand share"
  description: >
    Share of SageMaker instance spend still paid at on-demand prices instead of being covered by
    Machine Learning Savings Plans, at on-demand-equivalent prices.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'Machine Learning'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the on-demand SageMaker instance usage

- kpi_id: dynamodb_ondemand_coverage
  catalogue_number: '15'
  kpi_group: commitments
  name: "DynamoDB provisioned-capacity on-demand share"
  description: >
    Share of DynamoDB provisioned read/write capacity spend still paid at standard prices
    instead of being covered by reserved capacity, at on-demand-equivalent prices. On-demand
    (pay-per-request) tables cannot be reserved and are left out.
  direction: lower_is_better
  goal: 0.50
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_commitment_eligible and commit_service_group = 'DynamoDB'"
  numerator: "purchase_option = 'OnDemand'"
  potential_savings_rate: 0.20
  potential_savings_on: "purchase_option = 'OnDemand'"
  potential_savings_rule: >
    rate x amortized cost of the provisioned capacity not covered by reserved capacity

- kpi_id: rds_open_source_engines
  catalogue_number: '16'
  kpi_group: modernisation
  name: "RDS open-source engine share"
  description: >
    Share of RDS instance spend on engines that need no licence (MySQL, MariaDB, PostgreSQL,
    Aurora) rather than licence-included or bring-your-own-licence commercial engines (Oracle,
    SQL Server), at on-demand-equivalent prices.
  direction: higher_is_better
  goal: 0.75
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "workload = 'rds_instance' and is_usage and license_model is not null"
  numerator: "lower(license_model) = 'no license required'"
  potential_savings_rate: 0.15
  potential_savings_on: "database_engine like 'Oracle%' and lower(license_model) = 'license included'"
  secondary_potential_savings_rate: 0.25
  secondary_potential_savings_on: "database_engine like 'SQL Server%' and lower(license_model) = 'license included'"
  potential_savings_rule: >
    rate x amortized cost of Oracle licence-included usage + secondary rate x amortized cost of
    SQL Server licence-included usage

- kpi_id: commitment_realised_savings
  catalogue_number: '17'
  kpi_group: summary
  name: "Realised commitment savings"
  description: >
    What Reserved Instances and Savings Plans saved this period: the on-demand-equivalent price
    of the usage they covered minus its amortized cost (numerator), as a share of that
    on-demand-equivalent price (the commitments' effective savings rate). Informational: no
    goal.
  direction: higher_is_better
  goal: null
  cost_basis: on_demand_equivalent_cost
  measured_on: int_kpi_instance_usage
  denominator: "is_usage and purchase_option in ('Reserved', 'SavingsPlan')"
  numerator: "1 = 1"
  numerator_cost: "on_demand_equivalent_cost - amortized_cost"
  potential_savings_rate: null
  potential_savings_rule: >
    none: this KPI reports savings already realised

- kpi_id: total_savings_at_goal
  catalogue_number: '18'
  kpi_group: summary
  name: "Savings if every goal were met"
  description: >
    The sum of the goal savings of KPIs 1 to 16 (numerator), as a share of the account's total
    amortized spend. A heuristic headline: the KPIs overlap (e.g. the same on-demand instance
    counts for commitments, Spot and Graviton), so it is an upper bound, not an additive plan.
    Informational: no goal.
  direction: lower_is_better
  goal: null
  cost_basis: amortized_cost
  # no rule of its own: fct_kpi_tracker sums the goal savings of KPIs 1-16 over the account's
  # amortized spend (fct_kpi_tracker.yml, note 8)
  potential_savings_rate: null
  potential_savings_rule: >
    none: the numerator already is the sum of the other KPIs' goal savings
{%- endset -%}
{{ return(fromyaml(catalogue)) }}
{% endmacro %}
