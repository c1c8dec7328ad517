// KPI tracker (CID KPI dashboard): each KPI's coverage against its goal and its potential savings.
import { apiUrl, columnsChart, fill, filterBar, label, panel, periodOrNewest, shell } from './common.js';

shell('KPI tracker');
const f = await filterBar(['from', 'account']);

fill(panel('kpis', 'KPIs against their goals', 'Per billing period and KPI over the chosen accounts: coverage as a ratio '
  + 'of sums (kpi_coverage), goal, potential savings (GET /kpi/summary?rollup=true; goals in macros/kpi/kpi_definitions.sql).'),
apiUrl('/kpi/summary', { rollup: true, from: f.from, to: f.to, account: f.account, sort: '-billing_period,kpi_id', limit: 500 }), {
  columns: ['billing_period', 'kpi_id', 'kpi_name', 'direction', 'coverage', 'goal', 'potential_savings', 'goal_savings',
    'numerator', 'denominator', 'account_count'],
  chart: (rows) => {
    const latest = rows.filter((r) => r.billing_period === rows[0].billing_period);  // the newest period's rows
    return columnsChart(latest, 'kpi_id', ['coverage', 'goal'], { percent: true });
  },
});

fill(panel('savings', 'Potential savings per KPI', 'What reaching each goal would save per month (kpi_goal_savings) and '
  + 'the KPI\'s full potential (kpi_potential_savings), newest period first.'),
apiUrl('/kpi/summary', { rollup: true, from: f.from, to: f.to, account: f.account, sort: '-billing_period,-potential_savings', limit: 500 }), {
  columns: ['billing_period', 'kpi_name', 'potential_savings', 'goal_savings'],
  chart: (rows) => columnsChart(rows.filter((r) => r.billing_period === rows[0].billing_period)
    .map((r) => ({ ...r, name: label(r, ['kpi_id']) })), 'name', ['potential_savings', 'goal_savings']),
});

fill(panel('accounts', 'Per account', 'The KPI tracker rows of each account (fct_kpi_tracker), with goal status.'),
  apiUrl('/kpi/summary', { ...periodOrNewest(f), account: f.account, sort: '-billing_period,-potential_savings', limit: 500 }), {
    columns: ['billing_period', 'usage_account_id', 'kpi_name', 'coverage', 'goal', 'goal_status', 'potential_savings', 'goal_savings'],
  });
