// What every dashboard page shares: the API key, the filter bar, the freshness line, and panels
// (a chart, its table and its downloads) over one API request each. No figure is computed here:
// every number shown is a value of an API answer (a mart row or a metric), only formatted.

export const API = '/api/v1/finops';
const KEY_STORAGE = 'infralyzer.apiKey';
const PAGES = [
  ['index.html', 'Executive summary'], ['spend.html', 'Spend explorer'], ['commitments.html', 'Commitments'],
  ['kpi.html', 'KPI tracker'], ['allocation.html', 'Allocation'], ['optimisation.html', 'Optimisation'],
  ['anomalies.html', 'Anomalies & forecasts'], ['carbon.html', 'Carbon'],
];
const FILTERS = ['from', 'to', 'account', 'service', 'team'];

export const apiKey = () => sessionStorage.getItem(KEY_STORAGE) || '';

/** The filters of the page, kept in its query string so they follow from page to page. */
export function currentFilters() {
  const query = new URLSearchParams(location.search);
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
}

class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error || String(status);
  }
}

/** The URL of an API request: path under /api/v1/finops and its parameters (arrays repeat). */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of [].concat(value)) if (item !== '' && item !== null && item !== undefined) query.append(name, item);
  }
  const text = query.toString();
  return `${API}${path}${text ? `?${text}` : ''}`;
}

async function request(url) {
  const headers = apiKey() ? { 'X-API-Key': apiKey() } : {};
  const response = await fetch(url, { headers });
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    throw new ApiFailure(response.status, body);
  }
  return response;
}

let freshnessShown = false;
function showFreshness(freshness) {
  if (!freshness || freshnessShown) return;
  freshnessShown = true;
  const line = document.getElementById('freshness');
  line.dataset.snapshot = freshness.snapshot;
  line.dataset.newestBillingPeriod = freshness.newest_billing_period || '';
  line.textContent = `Snapshot ${freshness.snapshot} · built ${freshness.built_at || 'unknown'} · `
    + `newest billing period ${freshness.newest_billing_period || 'none'}`;
}

/** The JSON answer of an API request ({data, row_count, freshness, ...}). */
export async function getJson(url) {
  const body = await (await request(url)).json();
  showFreshness(body.freshness);
  return body;
}

/** The newest billing period of the snapshot that answered (known once filterBar resolved). */
export const newestPeriod = () => document.getElementById('freshness').dataset.newestBillingPeriod || '';

/** from/to of a mart request: the chosen period, or the newest billing period alone. */
export const periodOrNewest = (filters) => (filters.from || filters.to
  ? { from: filters.from, to: filters.to } : { from: newestPeriod(), to: newestPeriod() });

/** The params of a metric query (GET /metrics/query) under the page's filters. `dims` names the
 * semantic dimensions the account and service filters map to (null: the filter does not apply). */
export function metricParams(metrics, groupBy, filters, dims = { account: 'account', service: null }) {
  const where = [];
  if (filters.account && dims.account) where.push(`${dims.account}:in:${filters.account.split(',').join('|')}`);
  if (filters.service && dims.service) where.push(`${dims.service}:in:${filters.service.split(',').join('|')}`);
  // up to the newest billing period by default: an offset metric (previous month) would add the month after it
  const to = filters.to || newestPeriod();
  return { metrics: metrics.join(','), group_by: groupBy.join(','), filter: where, from: filters.from, to,
    order_by: groupBy[0] };
}

// ---------- formatting (presentation only)
const RATIO = /((coverage|utilization|utilisation|_share|_rate|adoption)$|^goal$)/;
const MONEY = /(cost|savings|amount|commitment|impact|_to_date|estimate|lower_|upper_|fee)/;
const MONTH = /^(\d{4}-\d{2})-01T00:00:00$/;
// -$465.97, as accountants write it; a cent rounded to zero has no sign
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', signDisplay: 'negative' });
const ratio = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** A value as shown: money to the cent, ratios as percent, metric_time months as YYYY-MM. */
export function formatValue(column, value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return column.startsWith('metric_time__month') ? value.replace(MONTH, '$1') : value;
  if (typeof value !== 'number') return String(value);
  if (column.endsWith('_pct')) return `${plain.format(value)} %`;
  if (RATIO.test(column)) return ratio.format(value);
  if (MONEY.test(column)) return money.format(value);
  return plain.format(value);
}

// ---------- the page shell
let chartsAvailable = false;
export function shell(title) {
  chartsAvailable = typeof window.echarts !== 'undefined';
  const here = location.pathname.split('/').pop() || 'index.html';
  const query = location.search;
  const nav = PAGES.map(([file, name]) => `<a href="${file}${query}"${file === here ? ' class="current"' : ''}>${name}</a>`).join('');
  document.body.insertAdjacentHTML('afterbegin', `
    <header class="top">
      <h1>Infralyzer · ${title}</h1>
      <form id="key-form" autocomplete="off">
        <input id="api-key" type="password" placeholder="API key (kept for this tab only)" aria-label="API key">
        <button type="submit">Use key</button>
        <span id="key-state"></span>
      </form>
    </header>
    <nav>${nav}</nav>
    <p id="freshness" class="freshness">Loading…</p>
    ${chartsAvailable ? '' : '<p id="charts-missing" class="warning">Charts unavailable: the chart library '
      + '(Apache ECharts) is not installed on the server — run <code>make setup</code>. Every figure is in the tables below.</p>'}
    <form id="filters" class="filters"></form>
    <p id="page-error" class="error" hidden></p>`);
  const form = document.getElementById('key-form');
  document.getElementById('key-state').textContent = apiKey() ? 'key set' : 'no key (local development mode?)';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, document.getElementById('api-key').value.trim());
    location.reload();
  });
}

async function options(path, params, value, label) {
  try {
    const body = await getJson(apiUrl(path, { ...params, limit: 1000 }));
    return body.data.map((row) => [row[value], label ? `${row[label] || ''} (${row[value]})` : row[value]]);
  } catch (error) {
    return [];
  }
}

/** The filter bar: period from/to, account, service, team; `used` lists those this page honours.
 * Resolves once the periods are known (and with them the snapshot's freshness): the panels' requests
 * start then, while the account, service and team lists fill in beside them. */
export async function filterBar(used) {
  const filters = currentFilters();
  const select = (name, label) => {
    const off = used.includes(name === 'to' ? 'from' : name) ? '' : ' disabled title="not used on this page"';
    return `<label>${label} <select name="${name}"${off}><option value="">all</option></select></label>`;
  };
  const form = document.getElementById('filters');
  form.innerHTML = select('from', 'From') + select('to', 'To') + select('account', 'Account') + select('service', 'Service')
    + select('team', 'Team') + '<button type="submit">Apply</button> <button type="button" id="refresh">Refresh</button>';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams(location.search);  // keeps a page's own view settings
    for (const [name, value] of new FormData(form)) if (value) query.set(name, value); else query.delete(name);
    location.search = query.toString();
  });
  document.getElementById('refresh').addEventListener('click', () => location.reload());
  const fillSelect = (names, choices) => {
    for (const name of names) {
      form.elements[name].insertAdjacentHTML('beforeend', choices.map(([v, text]) =>
        `<option value="${v}"${v === filters[name] ? ' selected' : ''}>${text}</option>`).join(''));
    }
  };
  const lists = [
    options('/tables/dim_accounts', { sort: 'account_id' }, 'account_id', 'account_name').then((c) => fillSelect(['account'], c)),
    options('/tables/dim_services', { sort: 'service' }, 'service').then((c) => fillSelect(['service'], c)),
    options('/allocation/values', { dimension: 'team' }, 'dimension_value')
      .then((c) => fillSelect(['team'], c)),
  ];
  fillSelect(['from', 'to'], await options('/tables/dim_billing_periods', { sort: 'billing_period' }, 'billing_period'));
  Promise.all(lists).then(() => { form.dataset.loaded = 'true'; });
  return filters;
}

export function showPageError(message) {
  const box = document.getElementById('page-error');
  box.hidden = false;
  box.textContent = message;
}

// ---------- panels
/** A section with a chart (when the library is there), the same rows as a table, and downloads. */
export function panel(id, title, note = '') {
  document.getElementById('panels').insertAdjacentHTML('beforeend', `
    <section class="panel" id="${id}" data-state="loading">
      <header><h2>${title}</h2>
        <div class="tools">
          <button type="button" data-view="chart">Chart</button><button type="button" data-view="table">Table</button>
          <button type="button" data-download="csv">CSV</button><button type="button" data-download="json">JSON</button>
          <button type="button" data-download="parquet">Parquet</button>
        </div></header>
      ${note ? `<p class="note">${note}</p>` : ''}
      <div class="cards"></div><div class="chart"></div><div class="table-view" hidden></div>
      <p class="status">Loading…</p>
    </section>`);
  const section = document.getElementById(id);
  for (const button of section.querySelectorAll('[data-view]')) {
    button.addEventListener('click', () => setView(section, button.dataset.view));
  }
  for (const button of section.querySelectorAll('[data-download]')) {
    button.addEventListener('click', () => download(section, button.dataset.download));
  }
  if (!chartsAvailable) setView(section, 'table');
  return section;
}

function setView(section, view) {
  section.querySelector('.chart').hidden = view !== 'chart' || !chartsAvailable;
  section.querySelector('.table-view').hidden = view !== 'table';
  const chart = section.querySelector('.chart');
  if (!chart.hidden && chart.chart) chart.chart.resize();
}

async function download(section, format) {
  const url = new URL(section.dataset.endpoint, location.origin);
  url.searchParams.set('format', format);
  try {
    const blob = await (await request(url.pathname + url.search)).blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `${section.id}.${format}`;
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    section.querySelector('.status').textContent = `Download failed: ${error.message}`;
  }
}

function renderTable(section, rows, columns) {
  const head = columns.map((c) => `<th>${c}</th>`).join('');
  const body = rows.map((row) => `<tr>${columns.map((c) => {
    const value = row[c];
    const raw = value === null || value === undefined ? '' : String(value);
    return `<td data-column="${c}" data-value="${raw.replace(/"/g, '&quot;')}">${formatValue(c, value)}</td>`;
  }).join('')}</tr>`).join('');
  section.querySelector('.table-view').innerHTML = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Fill a panel from one API request: `chart(rows)` returns an ECharts option (or null), `cards`
 * lists [label, column] shown from `cardRow(rows)` (a row of the answer, never a computed one).
 * A 403 (a figure over accounts beyond the key's) is shown as such, not as an error.
 */
export async function fill(section, url, { chart = null, columns = null, cards = [], cardRow = (rows) => rows[rows.length - 1],
  onRowClick = null, empty = 'No rows for these filters.' } = {}) {
  section.dataset.endpoint = url;
  const status = section.querySelector('.status');
  if (!chart) {  // a table-only panel
    section.querySelector('[data-view=chart]').hidden = true;
    setView(section, 'table');
  }
  try {
    const body = await getJson(url);
    const rows = body.data;
    const shown = columns || (rows.length ? Object.keys(rows[0]) : []);
    renderTable(section, rows, shown);
    if (onRowClick) {
      section.querySelectorAll('tbody tr').forEach((tr, index) => {
        tr.classList.add('drill');
        tr.addEventListener('click', () => onRowClick(rows[index]));
      });
    }
    const row = rows.length ? cardRow(rows) : null;
    section.querySelector('.cards').innerHTML = row ? cards.map(([label, column]) =>
      `<div class="card" data-column="${column}" data-value="${row[column] ?? ''}"><span>${label}</span>`
      + `<strong>${formatValue(column, row[column])}</strong></div>`).join('') : '';
    status.textContent = rows.length ? `${body.row_count} rows${body.has_more ? ' (first page)' : ''}` : empty;
    if (chartsAvailable && chart && rows.length) {
      const option = chart(rows);
      if (option) {
        const target = section.querySelector('.chart');
        target.chart = window.echarts.init(target, null, { renderer: 'canvas' });
        target.chart.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 80, right: 20, top: 40, bottom: 60 },
          legend: { type: 'scroll', top: 0 }, ...option });
        if (option.onClick) target.chart.on('click', option.onClick);
      }
    }
    section.dataset.state = 'ready';
    return rows;
  } catch (error) {
    section.dataset.state = error.status === 403 ? 'forbidden' : 'error';
    status.textContent = error.status === 403
      ? `Not available to this key: ${error.message}`
      : error.status === 401 ? 'The API needs a key: enter it above.' : `Error (${error.code}): ${error.message}`;
    if (error.status === 401) showPageError('The API needs a key: enter it in the box above.');
    return null;
  }
}

// ---------- chart options from rows (grouping rows into series; no arithmetic)
/** Series per value of `seriesColumn`, x = `xColumn`, y = `yColumn`. */
export function seriesChart(rows, xColumn, seriesColumn, yColumn, { type = 'bar', stack = true } = {}) {
  const xs = [...new Set(rows.map((r) => r[xColumn]))];
  const shown = xs.map((x) => formatValue(xColumn, x));
  const names = [...new Set(rows.map((r) => r[seriesColumn]))];
  const series = names.map((name) => {
    const points = new Map(rows.filter((r) => r[seriesColumn] === name).map((r) => [r[xColumn], r[yColumn]]));
    return { name: String(name), type, stack: stack ? 'total' : undefined, data: xs.map((x) => points.get(x) ?? null) };
  });
  return { xAxis: { type: 'category', data: shown }, yAxis: { type: 'value' }, series };
}

/** One series per column in `yColumns`, x = `xColumn`. */
export function columnsChart(rows, xColumn, yColumns, { type = 'bar', percent = false } = {}) {
  return {
    xAxis: { type: 'category', data: rows.map((r) => formatValue(xColumn, r[xColumn])),
      axisLabel: rows.length > 6 ? { rotate: 30, width: 150, overflow: 'truncate' } : {} },
    yAxis: percent ? percentAxis : { type: 'value' },
    series: yColumns.map((c) => ({ name: c, type, data: rows.map((r) => r[c]) })),
  };
}

/** A value axis of ratios, labelled in percent. */
export const percentAxis = { type: 'value', axisLabel: { formatter: (v) => ratio.format(v) } };

/** A label per row from several columns (e.g. account · service), for category axes. */
export const label = (row, columns) => columns.map((c) => row[c]).join(' · ');
