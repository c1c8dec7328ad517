// Executive summary (CUDOS "Executive: billing summary"): month to date, month over month,
// effective savings rate, forecast vs budget, top movers.
import { apiUrl, columnsChart, fill, filterBar, label, metricParams, panel, shell } from './common.js';

shell('Executive summary');
const f = await filterBar(['from', 'account']);
const periodParams = { from: f.from, to: f.to, account: f.account };

fill(panel('summary', 'Month to date and month over month', 'The newest month of the chosen period; metrics '
  + 'effective_cost, billed_cost, effective_cost_mom_change, effective_savings_rate (models/semantic/_metrics.yml).'),
apiUrl('/metrics/query', metricParams(['effective_cost', 'billed_cost', 'list_cost', 'effective_cost_previous_month',
  'effective_cost_mom_change', 'effective_cost_mom_change_share', 'total_savings', 'effective_savings_rate'],
['metric_time__month'], f)), {
  cards: [['Effective cost, month to date', 'effective_cost'], ['Billed cost', 'billed_cost'],
    ['Previous month', 'effective_cost_previous_month'], ['Change on previous month', 'effective_cost_mom_change'],
    ['Change, share', 'effective_cost_mom_change_share'], ['Savings against list', 'total_savings'],
    ['Effective savings rate', 'effective_savings_rate']],
  chart: (rows) => columnsChart(rows, 'metric_time__month', ['effective_cost', 'billed_cost', 'list_cost']),
});

fill(panel('budgets', 'Forecast vs budget', 'Budgets (seeds/budgets.csv) against actual and forecast cost per period (fct_budget_status).'),
  apiUrl('/ai/budgets', { ...periodParams, limit: 200 }), {
    empty: 'No budgets defined: add them to seeds/budgets.csv (or run `infralyzer budgets import`) and rebuild.',
    columns: ['budget_name', 'budget_period', 'cost_basis', 'budget_amount', 'actual_cost', 'forecast_cost',
      'forecast_lower_80', 'forecast_upper_80', 'actual_share', 'forecast_share', 'projected_run_out_date', 'status'],
    chart: (rows) => columnsChart(rows.map((r) => ({ ...r, name: label(r, ['budget_name', 'budget_period']) })), 'name',
      ['budget_amount', 'actual_cost', 'forecast_cost']),
  });

fill(panel('forecast', 'Forecast', 'Effective cost forecast of the organisation with 80 % and 95 % intervals (fct_spend_forecasts).'),
  apiUrl('/ai/forecasting', f.account ? { scope: 'account', account: f.account, limit: 50 } : { scope: 'total', limit: 50 }), {
    columns: ['billing_period', 'horizon_months', 'as_of_date', 'actual_to_date', 'forecast_cost', 'lower_80', 'upper_80',
      'lower_95', 'upper_95', 'method'],
    cards: [['Forecast, next month', 'forecast_cost'], ['80 % interval from', 'lower_80'], ['to', 'upper_80']],
    cardRow: (rows) => rows.find((r) => r.horizon_months === 1) || rows[0],  // the month after the newest
    chart: (rows) => columnsChart(rows, 'billing_period', ['actual_to_date', 'lower_80', 'forecast_cost', 'upper_80']),
  });

fill(panel('movers', 'Top movers', 'Account × service pairs that moved most since the previous month (fct_top_movers).'),
  apiUrl('/spend/top-movers', { ...periodParams, sort: '-billing_period,mover_rank', limit: 20 }), {
    columns: ['billing_period', 'mover_rank', 'usage_account_id', 'service', 'previous_amortized_cost', 'amortized_cost',
      'mom_change_amortized_cost', 'mom_change_amortized_pct', 'direction'],
    chart: (rows) => ({ ...columnsChart(rows.map((r) => ({ ...r, pair: label(r, ['usage_account_id', 'service']) })), 'pair',
      ['mom_change_amortized_cost']), grid: { left: 80, right: 20, top: 40, bottom: 110 } }),
  });
