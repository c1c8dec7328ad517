// Spend explorer (CUDOS "Spend"): spend by account, service, region, usage type or an allocation
// tag, in any cost basis, monthly or daily; clicking a bar drills down (service -> usage type,
// account -> service, region -> usage type), a tag dimension shows its chargeback.
import { apiUrl, fill, filterBar, panel, seriesChart, shell } from './common.js';

const DIMENSIONS = ['service', 'account', 'region', 'usage_type', 'charge_class', 'purchase_option'];
const TAGS = ['team', 'business_unit', 'cost_centre', 'environment', 'application'];
const BASES = ['amortized', 'unblended', 'net_amortized', 'net_unblended', 'public_on_demand'];
const DRILL = { service: ['service', 'usage_type'], account: ['account', 'service'], region: ['region', 'usage_type'] };

shell('Spend explorer');
const f = await filterBar(['from', 'account', 'service']);
const view = new URLSearchParams(location.search);
const by = view.get('by') || 'service';
const basis = view.get('cost_basis') || 'amortized';
const grain = view.get('grain') || 'month';

const choose = (name, value, choices) => `<label>${name} <select name="${name}">${choices.map((c) =>
  `<option${c === value ? ' selected' : ''}>${c}</option>`).join('')}</select></label>`;
document.getElementById('filters').insertAdjacentHTML('afterend', `<form id="view" class="filters">
  ${choose('by', by, [...DIMENSIONS, ...TAGS])} ${choose('cost_basis', basis, BASES)} ${choose('grain', grain, ['month', 'day'])}
  </form>`);
function go(changes) {
  const query = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(changes)) if (value) query.set(name, value); else query.delete(name);
  location.search = query.toString();
}
if (view.get('region')) {
  document.getElementById('view').insertAdjacentHTML('beforeend', `<button type="button" id="clear-region">region ${view.get('region')} ×</button>`);
  document.getElementById('clear-region').addEventListener('click', () => go({ region: '' }));
}
document.getElementById('view').addEventListener('change', (event) => go({ [event.target.name]: event.target.value }));

if (TAGS.includes(by)) {
  fill(panel('spend', `Chargeback by ${by}`, `Every dollar owned by a value of ${by}, shared costs redistributed `
    + `(fct_chargeback; organisation-wide, not for account-scoped keys). Cost basis ${basis}.`),
  apiUrl('/allocation/chargeback', { dimension: by, from: f.from, to: f.to, sort: 'billing_period,dimension_value', limit: 1000 }), {
    columns: ['billing_period', 'dimension_value', 'cost_type', 'allocation_method', `${basis}_cost`],
    chart: (rows) => seriesChart(rows, 'dimension_value', 'cost_type', `${basis}_cost`),
  });
} else {
  const drill = DRILL[by];
  fill(panel('spend', `Spend by ${by} (${basis}, per ${grain})`, drill ? `Click a bar or a table row to see its ${drill[1]}.` : ''),
    apiUrl(`/spend/by/${by}`, { cost_basis: basis, grain, from: f.from, to: f.to, account: f.account, service: f.service,
      region: view.get('region') || '', limit: 5000 }), {
      onRowClick: drill ? (row) => go({ [drill[0]]: row[by], by: drill[1] }) : null,
      chart: (rows) => ({
        ...seriesChart(rows, grain === 'month' ? 'billing_period' : 'usage_date', by, 'cost'),
        onClick: drill ? (event) => go({ [drill[0]]: event.seriesName, by: drill[1] }) : null,
      }),
    });
}
