// Allocation (CUDOS "Tag explorer"): chargeback and showback by team, tag compliance, and the
// untagged resources to fix, costliest first. Without a chosen period: the newest billing period.
import { apiUrl, columnsChart, fill, filterBar, label, metricParams, panel, percentAxis, periodOrNewest, seriesChart,
  shell } from './common.js';

shell('Allocation');
const f = await filterBar(['from', 'account', 'service', 'team']);
const team = f.team ? { value: f.team } : {};
const period = periodOrNewest(f);

fill(panel('chargeback', 'Chargeback by team', 'Every dollar owned by a team, shared costs (support, tax, fees, untagged '
  + 'spend) redistributed by seeds/shared_cost_rules.csv (fct_chargeback; organisation-wide, not for account-scoped keys).'),
apiUrl('/allocation/chargeback', { dimension: 'team', ...team, ...period, sort: 'billing_period,dimension_value', limit: 1000 }), {
  columns: ['billing_period', 'dimension_value', 'cost_type', 'allocation_method', 'shared_cost_rule_id', 'amortized_cost', 'unblended_cost'],
  chart: (rows) => seriesChart(rows.map((r) => ({ ...r, x: label(r, ['billing_period', 'dimension_value']) })), 'x', 'cost_type', 'amortized_cost'),
});

fill(panel('showback', 'Showback by team', 'Spend per team, account and service as tagged (fct_showback).'),
  apiUrl('/allocation/showback', { dimension: 'team', ...team, ...period, account: f.account, service: f.service,
    sort: 'dimension_value,-amortized_cost', limit: 5000 }), {
    columns: ['billing_period', 'dimension_value', 'value_source', 'usage_account_id', 'service', 'charge_class', 'amortized_cost'],
    chart: (rows) => seriesChart(rows.map((r) => ({ ...r, x: label(r, ['billing_period', 'dimension_value']) })), 'x', 'service',
      'amortized_cost'),
  });

fill(panel('compliance', 'Tag compliance', 'Share of taggable spend carrying each required tag, and carrying it in the '
  + 'standard form, over the chosen accounts and services (metrics tag_compliance_share, tag_conforming_share).'),
apiUrl('/metrics/query', metricParams(['tag_compliance_share', 'tag_conforming_share', 'taggable_amortized_cost'],
  ['metric_time__month', 'tag_compliance_row__tag'], f, { account: 'account', service: 'service' })), {
  chart: (rows) => ({ ...seriesChart(rows, 'metric_time__month', 'tag_compliance_row__tag', 'tag_compliance_share',
    { type: 'line', stack: false }), yAxis: { ...percentAxis, max: 1 } }),
});

fill(panel('compliance-accounts', 'Tag compliance per account and service', 'The rows behind it (fct_tag_compliance), '
  + 'largest taggable spend first.'),
apiUrl('/allocation/tag-compliance', { ...period, account: f.account, service: f.service, sort: 'tag,-amortized_cost', limit: 300 }), {
  columns: ['billing_period', 'tag', 'usage_account_name', 'usage_account_id', 'service', 'amortized_cost', 'tagged_amortized_cost',
    'tagged_spend_share', 'conforming_spend_share', 'resource_count', 'tagged_resource_share'],
});

fill(panel('untagged', 'Untagged fix list', 'Resources missing a required tag or carrying a non-standard value, costliest first (fct_untagged_resources).'),
  apiUrl('/allocation/untagged-resources', { ...period, account: f.account, service: f.service, sort: '-amortized_cost', limit: 200 }), {
    columns: ['billing_period', 'resource_id', 'usage_account_id', 'service', 'region', 'tag', 'tag_status', 'found_tag_value',
      'expected_tag_value', 'amortized_cost'],
    chart: (rows) => columnsChart(rows.slice(0, 20), 'resource_id', ['amortized_cost']),
  });
