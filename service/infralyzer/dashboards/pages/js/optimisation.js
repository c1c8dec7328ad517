// Optimisation (CORA): the de-duplicated savings actions of Cost Optimization Hub and the CUR,
// ranked by the savings counted (one action per resource).
import { apiUrl, columnsChart, fill, filterBar, label, metricParams, panel, seriesChart, shell } from './common.js';

shell('Optimisation');
const f = await filterBar(['from', 'account', 'service', 'team']);
const filters = { from: f.from, to: f.to, account: f.account, service: f.service, team: f.team };

fill(panel('by-type', 'Potential savings by action type', 'Metric savings_by_action_type per month (counted actions only).'),
  apiUrl('/metrics/query', metricParams(['savings_by_action_type'], ['metric_time__month', 'savings_action__action_type'], f)), {
    chart: (rows) => seriesChart(rows, 'metric_time__month', 'savings_action__action_type', 'savings_by_action_type'),
  });

fill(panel('actions', 'Savings actions, ranked', 'Each account\'s current list (latest snapshot), counted savings first '
  + '(GET /optimization/cost-savings).'),
apiUrl('/optimization/cost-savings', { ...filters, latest_only: true, limit: 200 }), {
  columns: ['savings_rank', 'action_type', 'resource_id', 'resource_type', 'account_id', 'service', 'region', 'team',
    'current_resource_summary', 'recommended_resource_summary', 'implementation_effort', 'counted_monthly_savings',
    'estimated_monthly_savings', 'action_source'],
  chart: (rows) => columnsChart(rows.slice(0, 20).map((r) => ({ ...r, x: label(r, ['action_type', 'resource_id']) })), 'x',
    ['counted_monthly_savings']),
});
