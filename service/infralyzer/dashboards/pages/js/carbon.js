// Carbon: the footprint per account, region and service (GET /carbon/emissions, fct_carbon_emissions).
// The carbon export lags the CUR by months: without a chosen period the page shows the newest month
// the export has delivered, as the mart marks it (carbon_status), and says which months are pending.
import { apiUrl, columnsChart, fill, filterBar, getJson, label, panel, shell } from './common.js';

const EMISSIONS = '/carbon/emissions';
const MTCO2E = 'total_mbm_emissions_mtco2e';

shell('Carbon');
const f = await filterBar(['from', 'account']);
const section = panel('carbon', 'Carbon emissions', 'Market-based emissions (MTCO2e) of the newest month the carbon '
  + 'export has delivered, or the chosen one, largest first (fct_carbon_emissions).');
const newestDelivered = async () => {
  const [row] = (await getJson(apiUrl(EMISSIONS, { status: 'delivered', sort: '-billing_period', limit: 1 }))).data;
  return row ? row.billing_period : null;
};
const period = f.from || f.to ? { from: f.from, to: f.to } : { from: await newestDelivered(), to: await newestDelivered() };
fill(section, apiUrl(EMISSIONS, { ...period, account: f.account, sort: `-${MTCO2E}`, limit: 200 }), {
  chart: (rows) => columnsChart(rows.slice(0, 20).map((r) => ({ ...r, x: label(r, ['usage_account_id', 'region', 'product_code']) })),
    'x', [MTCO2E]),
  empty: 'The carbon export has delivered no month yet for these filters.',
});
