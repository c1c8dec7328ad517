"""Every metric of models/semantic/_metrics.yml as a direct query of its mart, by month: what
MetricFlow's answers are checked against (e2e/test_semantic_layer.py through `mf`,
api/test_api_metrics.py through the API)."""

SPEND = "select date_trunc('month', usage_date) as month, {} as value from marts.fct_spend_daily group by 1"
UTILIZATION = "select billing_period_start_date as month, {} as value from marts.fct_commitment_utilization group by 1"
COVERAGE = "select billing_period_start_date as month, {} as value from marts.fct_commitment_coverage group by 1"
SAVINGS = "select billing_period_start_date as month, {} as value from marts.fct_savings_summary group by 1"
KPI = "select billing_period_start_date as month, {} as value from marts.fct_kpi_tracker {} group by 1"
FORECAST = ("select cast(billing_period || '-01' as date) as month, {} as value from marts.fct_spend_forecasts "
            "group by 1")
BUDGET = ("select cast(first_billing_period || '-01' as date) as month, {} as value from marts.fct_budget_status "
          "group by 1")
OPTIMIZATION = "select billing_period_start_date as month, {} as value from marts.fct_savings_actions group by 1"

MART_QUERIES = {
    "billed_cost": SPEND.format("sum(unblended_cost)"),
    "effective_cost": SPEND.format("sum(amortized_cost)"),
    "net_billed_cost": SPEND.format("sum(net_unblended_cost)"),
    "net_effective_cost": SPEND.format("sum(net_amortized_cost)"),
    "list_cost": SPEND.format("sum(public_on_demand_cost)"),
    "savings_scope_list_cost": SAVINGS.format("sum(list_cost)"),
    "savings_scope_effective_cost": SAVINGS.format("sum(effective_cost)"),
    "total_savings": SAVINGS.format("sum(list_cost) - sum(effective_cost)"),
    "effective_savings_rate": SAVINGS.format("1 - sum(effective_cost) / sum(list_cost)"),
    "used_commitment": UTILIZATION.format("sum(used_commitment)"),
    "unused_commitment": UTILIZATION.format("sum(unused_commitment)"),
    "total_commitment": UTILIZATION.format("sum(total_commitment)"),
    "commitment_utilization": UTILIZATION.format("sum(used_commitment) / sum(total_commitment)"),
    "commitment_gross_savings": UTILIZATION.format("sum(gross_savings)"),
    "commitment_net_savings": UTILIZATION.format("sum(net_savings)"),
    "eligible_cost": COVERAGE.format("sum(eligible_cost)"),
    "covered_cost": COVERAGE.format("sum(reserved_cost + savings_plan_cost)"),
    "spot_cost": COVERAGE.format("sum(spot_cost)"),
    "on_demand_cost": COVERAGE.format("sum(on_demand_cost)"),
    "commitment_coverage": COVERAGE.format("sum(reserved_cost + savings_plan_cost) / sum(eligible_cost)"),
    "spot_coverage": COVERAGE.format("sum(spot_cost) / sum(eligible_cost)"),
    "on_demand_coverage": COVERAGE.format("sum(on_demand_cost) / sum(eligible_cost)"),
    "spot_savings": COVERAGE.format("sum(spot_savings)"),
    "kpi_numerator": KPI.format("sum(numerator)", ""),
    "kpi_denominator": KPI.format("sum(denominator)", ""),
    "kpi_coverage": KPI.format("sum(numerator) / sum(denominator)", ""),
    "kpi_goal_savings": KPI.format("sum(goal_savings)", ""),
    "ec2_graviton_adoption": KPI.format("sum(numerator) / sum(denominator)", "where kpi_id = 'ec2_graviton_adoption'"),
    "ec2_spot_coverage": KPI.format("sum(numerator) / sum(denominator)", "where kpi_id = 'ec2_spot_coverage'"),
    "compute_on_demand_share": KPI.format("sum(numerator) / sum(denominator)", "where kpi_id = 'compute_ondemand_coverage'"),
    "ebs_gp3_share": KPI.format("sum(numerator) / sum(denominator)", "where kpi_id = 'ebs_gp3_share'"),
    "kpi_potential_savings": KPI.format("sum(potential_savings)", ""),
    "kpi_account_count": KPI.format("count(distinct usage_account_id)", ""),
    "potential_savings": OPTIMIZATION.format("sum(counted_monthly_savings)"),
    "savings_by_action_type": OPTIMIZATION.format("sum(counted_monthly_savings)"),
}

MART_QUERIES["anomaly_impact"] = (
    "select date_trunc('month', usage_date) as month, sum(contribution_cost) as value "
    "from marts.fct_cost_anomaly_root_causes where monitor_dimension = 'account' group by 1"
)

# every cloud's spend (fct_cloud_spend_daily)
CLOUD = "select date_trunc('month', usage_date) as month, {} as value from marts.fct_cloud_spend_daily group by 1"
MART_QUERIES.update({
    "cloud_billed_cost": CLOUD.format("sum(billed_cost)"),
    "cloud_effective_cost": CLOUD.format("sum(effective_cost)"),
    "cloud_list_cost": CLOUD.format("sum(list_cost)"),
})
REALISED = ("select date_trunc('month', last_seen_date) as month, sum({0}) as value from marts.fct_realised_savings "
            "where {0} is not null group by 1")
MART_QUERIES["verified_savings"] = REALISED.format("verified_monthly_savings")
MART_QUERIES["estimated_savings_of_verified_actions"] = REALISED.format(
    "case when realisation_status in ('implemented', 'disappeared_without_cost_change') "
    "then estimated_monthly_savings end")
MART_QUERIES["realised_savings_gap"] = REALISED.format("savings_gap")

# The forecast and budget metrics: their months reach past the data (the forecast horizon), so they
# are checked apart (api/test_api_ai_forecasts.py); the budgets seed ships empty.
INSIGHT_QUERIES = {
    "forecast_cost": FORECAST.format("sum(forecast_cost)"),
    "forecast_lower_80": FORECAST.format("sum(lower_80)"),
    "forecast_upper_80": FORECAST.format("sum(upper_80)"),
    "budget_amount": BUDGET.format("sum(budget_amount)"),
    "budget_actual_cost": BUDGET.format("sum(actual_cost)"),
    "budget_forecast_cost": BUDGET.format("sum(forecast_cost)"),
    "budget_utilization": BUDGET.format("sum(actual_cost) / sum(budget_amount)"),
    "budget_forecast_utilization": BUDGET.format("sum(forecast_cost) / sum(budget_amount)"),
}

# The carbon metrics: null, not 0, in months the lagging carbon export has not delivered, so they are
# checked apart (api/test_api_carbon.py)
CARBON = "select billing_period_start_date as month, {} as value from marts.fct_carbon_emissions group by 1"
DELIVERED = "case when carbon_status = 'delivered' then {} else 0 end"
CARBON_QUERIES = {
    "carbon_emissions_mtco2e": CARBON.format("sum(total_mbm_emissions_mtco2e)"),
    "carbon_emissions_location_based_mtco2e": CARBON.format("sum(total_lbm_emissions_mtco2e)"),
    "carbon_scope_1_mtco2e": CARBON.format("sum(scope_1_emissions_mtco2e)"),
    "carbon_scope_2_mtco2e": CARBON.format("sum(scope_2_mbm_emissions_mtco2e)"),
    "carbon_scope_2_location_based_mtco2e": CARBON.format("sum(scope_2_lbm_emissions_mtco2e)"),
    "carbon_scope_3_mtco2e": CARBON.format("sum(scope_3_mbm_emissions_mtco2e)"),
    "carbon_scope_3_location_based_mtco2e": CARBON.format("sum(scope_3_lbm_emissions_mtco2e)"),
    "carbon_emissions_reduction_mtco2e": CARBON.format("sum(total_lbm_emissions_mtco2e) - sum(total_mbm_emissions_mtco2e)"),
    "carbon_reported_effective_cost": CARBON.format(f"sum({DELIVERED.format('effective_cost')})"),
    "carbon_per_dollar": CARBON.format(f"sum(total_mbm_emissions_mtco2e) / sum({DELIVERED.format('effective_cost')})"),
    "carbon_emissions_of_instances_mtco2e": CARBON.format("sum(case when vcpu_hours > 0 then total_mbm_emissions_mtco2e end)"),
    "carbon_reported_vcpu_hours": CARBON.format(f"sum({DELIVERED.format('vcpu_hours')})"),
    "carbon_per_vcpu_hour": CARBON.format("sum(case when vcpu_hours > 0 then total_mbm_emissions_mtco2e end) / "
                                          f"sum({DELIVERED.format('vcpu_hours')})"),
    "carbon_emissions_of_storage_mtco2e": CARBON.format(
        "sum(case when storage_gb_month > 0 then total_mbm_emissions_mtco2e end)"),
    "carbon_reported_storage_gb_month": CARBON.format(f"sum({DELIVERED.format('storage_gb_month')})"),
    "carbon_per_gb_month": CARBON.format("sum(case when storage_gb_month > 0 then total_mbm_emissions_mtco2e end) / "
                                         f"sum({DELIVERED.format('storage_gb_month')})"),
}
TAGS = ("select cast(billing_period || '-01' as date) as month, {} as value from marts.fct_tag_compliance "
        "group by 1")
MART_QUERIES.update({
    "taggable_amortized_cost": TAGS.format("sum(amortized_cost)"),
    "tagged_amortized_cost": TAGS.format("sum(tagged_amortized_cost)"),
    "conforming_amortized_cost": TAGS.format("sum(conforming_amortized_cost)"),
    "tag_compliance_share": TAGS.format("sum(tagged_amortized_cost) / sum(amortized_cost)"),
    "tag_conforming_share": TAGS.format("sum(conforming_amortized_cost) / sum(amortized_cost)"),
})

# Month over month (the executive dashboard): the previous month reaches one month past the data,
# so these are checked apart (api/test_api_metrics.py)
_MONTHS = ("with m as (select date_trunc('month', usage_date) as month, sum(amortized_cost) as cost "
           "from marts.fct_spend_daily group by 1) ")
OFFSET_QUERIES = {
    "effective_cost_previous_month": _MONTHS + "select cast(month + interval 1 month as date), cost from m",
    "effective_cost_mom_change": _MONTHS + "select cur.month, cur.cost - prev.cost from m cur "
                                           "join m prev on prev.month = cur.month - interval 1 month",
    "effective_cost_mom_change_share": _MONTHS + "select cur.month, (cur.cost - prev.cost) / prev.cost from m cur "
                                                 "join m prev on prev.month = cur.month - interval 1 month",
}
ALL_METRICS = {**MART_QUERIES, **INSIGHT_QUERIES, **OFFSET_QUERIES, **CARBON_QUERIES}
