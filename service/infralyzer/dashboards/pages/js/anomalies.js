// Anomalies and forecasts: spend anomalies with their expected cost and root cause, and the
// forecasts of effective cost with 80 % and 95 % intervals.
import { apiUrl, columnsChart, fill, filterBar, label, panel, shell } from './common.js';

shell('Anomalies & forecasts');
const f = await filterBar(['from', 'account', 'service']);

fill(panel('anomalies', 'Spend anomalies', 'Days whose cost left the expected range (Tukey\'s fences; fct_cost_anomalies), largest impact first.'),
  apiUrl('/ai/anomaly-detection', { from: f.from, to: f.to, account: f.account, service: f.service, sort: '-impact_cost', limit: 200 }), {
    columns: ['usage_date', 'severity', 'monitor_dimension', 'monitor_value', 'actual_cost', 'expected_cost', 'impact_cost',
      'impact_pct', 'anomaly_score', 'top_root_cause_service', 'top_root_cause_usage_type', 'top_root_cause_contribution_cost'],
    chart: (rows) => columnsChart(rows.slice(0, 25).map((r) => ({ ...r, x: label(r, ['usage_date', 'monitor_value']) })), 'x',
      ['expected_cost', 'actual_cost']),
  });

fill(panel('forecasts', 'Forecasts with intervals', 'Month-end and next months\' effective cost of the organisation '
  + '(or the chosen account) with 80 % and 95 % intervals (fct_spend_forecasts).'),
apiUrl('/ai/forecasting', f.account ? { scope: 'account', account: f.account, limit: 100 } : { scope: 'total', limit: 100 }), {
  columns: ['forecast_scope', 'scope_key', 'billing_period', 'horizon_months', 'as_of_date', 'actual_to_date', 'forecast_cost',
    'lower_80', 'upper_80', 'lower_95', 'upper_95', 'method'],
  chart: (rows) => ({
    ...columnsChart(rows, 'billing_period', ['actual_to_date', 'lower_95', 'lower_80', 'forecast_cost', 'upper_80', 'upper_95'],
      { type: 'line' }),
  }),
});

fill(panel('accuracy', 'Forecast accuracy', 'How close past forecasts came, in a rolling-origin backtest (fct_forecast_accuracy; organisation-wide).'),
  apiUrl('/ai/forecasting/accuracy', { limit: 100 }), {});
