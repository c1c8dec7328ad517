// Commitments (CUDOS "RI/SP" and CORA): utilisation, coverage, savings, expiries and the Savings
// Plan sizing ladder. Per-payer figures are organisation-wide (not for account-scoped keys).
import { apiUrl, columnsChart, fill, filterBar, metricParams, panel, shell } from './common.js';

shell('Commitments');
const f = await filterBar(['from', 'account', 'service']);

fill(panel('rates', 'Coverage per month', 'Metrics commitment_coverage, spot_coverage, on_demand_coverage '
  + '(list-price cost covered ÷ eligible, ratios of sums over the chosen accounts and services).'),
apiUrl('/metrics/query', metricParams(['commitment_coverage', 'spot_coverage', 'on_demand_coverage'],
  ['metric_time__month'], f, { account: 'account', service: 'service' })), {
  cards: [['Commitment coverage', 'commitment_coverage'], ['Spot', 'spot_coverage'], ['On-demand', 'on_demand_coverage']],
  chart: (rows) => columnsChart(rows, 'metric_time__month', ['commitment_coverage', 'spot_coverage', 'on_demand_coverage'],
    { type: 'line', percent: true }),
});

fill(panel('savings', 'Utilisation and savings per month', 'Metrics commitment_utilization, commitment_gross_savings, '
  + 'commitment_net_savings, unused_commitment of the payers\' commitments (the account filter picks payers; organisation-wide).'),
apiUrl('/metrics/query', metricParams(['commitment_utilization', 'commitment_gross_savings', 'commitment_net_savings',
  'unused_commitment'], ['metric_time__month'], f, { account: 'payer', service: null })), {
  cards: [['Utilisation', 'commitment_utilization'], ['Gross savings', 'commitment_gross_savings'],
    ['Net savings', 'commitment_net_savings'], ['Unused', 'unused_commitment']],
  chart: (rows) => columnsChart(rows, 'metric_time__month', ['commitment_gross_savings', 'commitment_net_savings', 'unused_commitment']),
});

fill(panel('utilization', 'Utilisation per commitment', 'Each RI and Savings Plan per period (fct_commitment_utilization).'),
  apiUrl('/discounts/utilization', { from: f.from, to: f.to, account: f.account, sort: '-billing_period,-total_commitment', limit: 200 }), {
    columns: ['billing_period', 'commitment_type', 'offering', 'commitment_arn', 'total_commitment', 'used_commitment',
      'unused_commitment', 'utilization', 'gross_savings', 'net_savings'],
    chart: (rows) => columnsChart(rows.slice(0, 25).map((r) => ({ ...r, name: `${r.billing_period} ${r.offering || r.commitment_type}` })),
      'name', ['used_commitment', 'unused_commitment']),
  });

fill(panel('expiries', 'Expiring within a year', 'Commitments not yet expired that end within 365 days (dim_commitments).'),
  apiUrl('/discounts/expiring-commitments', { days: 365, account: f.account, limit: 200 }), {
    columns: ['commitment_arn', 'commitment_type', 'offering', 'term', 'payment_option', 'region', 'end_at',
      'days_until_expiry', 'expiry_window', 'savings_plan_hourly_commitment'],
    chart: (rows) => columnsChart(rows, 'commitment_arn', ['days_until_expiry']),
  });

fill(panel('sizing', 'Savings Plan sizing ladder', 'Candidate hourly commitments per payer, what they would cover and save '
  + '(fct_savings_plan_sizing); the recommended one is flagged.'),
apiUrl('/discounts/savings-plan-sizing', { account: f.account, limit: 200 }), {
  columns: ['payer_account_id', 'candidate_rank', 'candidate', 'hourly_commitment', 'covered_on_demand_cost', 'monthly_savings',
    'expected_utilization', 'additional_coverage', 'is_recommended'],
  cards: [['Recommended hourly commitment', 'hourly_commitment'], ['Monthly savings', 'monthly_savings']],
  cardRow: (rows) => rows.find((r) => r.is_recommended) || null,
  chart: (rows) => columnsChart(rows, 'hourly_commitment', ['monthly_savings', 'covered_on_demand_cost']),
});
