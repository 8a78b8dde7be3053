// Sightline SRE dashboard: reads the /v1 read API with a bearer key and draws the panels of
// index.html, with small hand-written SVG line charts. No dependencies, no build step.
'use strict';

const KEY_STORAGE = 'sightline.apiKey';
const REFRESH_MS = 10_000;
const STEP_FOR_WINDOW = { '15m': '1m', '1h': '1m', '6h': '5m', '24h': '15m' };
// Drift reports are written per hour-scale window, so a short dashboard window would often show none.
const DRIFT_WINDOW = '24h';
const TRACE_LIMIT = 20;
const HISTORY_SHOWN = 50;

const COLORS = {
  blue: '#2563eb', green: '#16a34a', amber: '#d97706', red: '#dc2626',
  violet: '#7c3aed', cyan: '#0891b2', pink: '#db2777',
};

const state = {
  key: null,
  keyStored: false,
  round: 0, // id of the newest refresh round; results of older rounds are dropped
  roundController: null,
  inFlight: null,
  timer: null,
  loaded: false,
  roundsDone: 0,
  traceRequest: 0,
  traceReturnFocus: null,
  charts: new Map(), // panel name -> last chart spec, redrawn when the window is resized
};

// ---------------------------------------------------------------- DOM helpers

const $ = (selector, root = document) => root.querySelector(selector);

/** Makes an element; string children become text nodes, so data is never parsed as HTML. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  appendChildren(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value != null) node.setAttribute(name, String(value));
  }
  appendChildren(node, children);
  return node;
}

function appendChildren(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

function swatch(color) {
  const span = el('span', { class: 'swatch' });
  span.style.background = color;
  return span;
}

// ---------------------------------------------------------------- formatting

const pad2 = (n) => String(n).padStart(2, '0');

function parseTime(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function fmtClock(ms, seconds = false) {
  if (ms == null) return '—';
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return seconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** HH:MM:SS for today, with the date in front for older times. */
function fmtWhen(value) {
  const ms = parseTime(value);
  if (ms == null) return value == null ? '—' : String(value);
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  const day = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
  return (sameDay ? '' : day) + fmtClock(ms, true);
}

function fmtAgo(value) {
  const ms = parseTime(value);
  if (ms == null) return '';
  const minutes = Math.max(0, Math.round((Date.now() - ms) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d`;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** At most three significant digits, with k/M suffixes for large values. */
function fmtCompact(v) {
  if (!isNum(v)) return '—';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${trimNum(v / 1e6, 3)}M`;
  if (abs >= 1e4) return `${trimNum(v / 1e3, 3)}k`;
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  return trimNum(v, 3);
}

function trimNum(v, digits) {
  return v === 0 ? '0' : String(Number(v.toPrecision(digits)));
}

const fmtInt = (v) => (isNum(v) ? Math.round(v).toLocaleString('en-US') : '—');
const fmtMs = (v) => (isNum(v) ? `${fmtCompact(v)} ms` : '—');
const fmtPct = (v) => (isNum(v) ? `${trimNum(v, 3)}%` : '—');
const fmtRate = (v) => (isNum(v) ? fmtPct(v * 100) : '—');

function fmtUsd(v) {
  if (!isNum(v)) return '—';
  if (v === 0) return '$0';
  return Math.abs(v) >= 1 ? `$${v.toFixed(2)}` : `$${trimNum(v, 3)}`;
}

function fmtPValue(v) {
  if (!isNum(v)) return '—';
  return v !== 0 && v < 0.001 ? v.toExponential(1) : v.toFixed(3);
}

function fmtValue(v) {
  if (v == null) return '—';
  if (isNum(v)) return trimNum(v, 4);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// ---------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Thrown after a 401 has already sent the user back to the key form. */
class Unauthorized extends ApiError {}

const abortError = () => new DOMException('superseded', 'AbortError');

function isQuiet(err) {
  return err instanceof Unauthorized || err?.name === 'AbortError';
}

async function api(path, params = {}, signal) {
  const key = state.key;
  const url = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(params)) {
    if (value != null && value !== '') url.searchParams.set(name, value);
  }
  let response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
      cache: 'no-store',
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(`cannot reach the API (${err.message})`, 0);
  }
  const body = await readJson(response);
  if (signal?.aborted) throw abortError();
  if (response.status === 401) {
    const message = errorText(body, response);
    if (key === state.key) showKeyForm(message);
    throw new Unauthorized(message, 401);
  }
  if (key === state.key) rememberKey();
  if (!response.ok) throw new ApiError(errorText(body, response), response.status);
  if (body === undefined) throw new ApiError('the API answered with something that is not JSON', response.status);
  return body;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function errorText(body, response) {
  if (body && typeof body.error === 'string' && body.error) return body.error;
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

// ---------------------------------------------------------------- key handling

function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage can be disabled; the key then lasts for this page only
  }
}

/** Stores the key once the API has answered it with anything but a 401. */
function rememberKey() {
  if (state.keyStored || !state.key) return;
  try {
    sessionStorage.setItem(KEY_STORAGE, state.key);
  } catch {
    /* storage disabled */
  }
  state.keyStored = true;
}

function forgetKey() {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled */
  }
  state.keyStored = false;
}

/** Reads ?key= and removes it from the address bar so it does not linger in history. */
function takeKeyFromUrl() {
  const url = new URL(window.location.href);
  const key = url.searchParams.get('key');
  if (key === null) return null;
  url.searchParams.delete('key');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return key.trim() || null;
}

function showKeyForm(message) {
  state.key = null;
  forgetKey();
  stopRounds();
  closeTrace();
  $('#app').hidden = true;
  $('#key-view').hidden = false;
  const error = $('#key-error');
  error.textContent = message || '';
  error.hidden = !message;
  $('#key-input').focus();
  markLoaded();
}

async function enterDashboard(key) {
  state.key = key;
  state.keyStored = storedKey() === key;
  $('#key-view').hidden = true;
  $('#app').hidden = false;
  resetPanels();
  // ?experiment_by= and ?experiment_arms= fill the experiment form, so a comparison is a link too.
  const params = new URL(window.location.href).searchParams;
  if (params.get('experiment_by')) $('#experiment-by').value = params.get('experiment_by');
  if (params.get('experiment_arms')) $('#experiment-arms').value = params.get('experiment_arms');
  await loadFilters();
  if (state.key !== key) return; // the key was rejected meanwhile
  setAutoRefresh($('#auto-refresh').checked);
  await refresh();
  // ?trace= names an exchange (request id) or a whole trace (trace id) to open: a link to share.
  const linked = new URL(window.location.href).searchParams.get('trace');
  if (linked) openTrace(linked);
}

function onKeySubmit(event) {
  event.preventDefault();
  const key = $('#key-input').value.trim();
  if (!key) {
    showKeyForm('enter an API key');
    return;
  }
  enterDashboard(key);
}

function onChangeKey() {
  $('#key-input').value = '';
  showKeyForm('');
}

// ---------------------------------------------------------------- filters

function currentFilters() {
  return {
    model: $('#filter-model').value,
    version: $('#filter-version').value,
    service: $('#filter-service').value,
  };
}

async function loadFilters() {
  try {
    const body = await api('v1/filters');
    fillSelect($('#filter-model'), body.models);
    fillSelect($('#filter-version'), body.versions);
    fillSelect($('#filter-service'), body.services);
    setNotice('');
  } catch (err) {
    if (!isQuiet(err)) setNotice(`Filters could not be loaded: ${err.message}`);
  }
}

/** Refills a select, keeping the chosen value even when it is no longer listed. */
function fillSelect(select, values) {
  const chosen = select.value;
  const names = [...new Set((Array.isArray(values) ? values : []).map(String))].sort();
  if (chosen && !names.includes(chosen)) names.unshift(chosen);
  select.replaceChildren(el('option', { value: '' }, 'all'), ...names.map((v) => el('option', { value: v }, v)));
  select.value = chosen;
}

/** A phrase for empty states, e.g. " for model=minilm", so an empty panel says what it looked at. */
function filterSuffix(filters) {
  const parts = Object.entries(filters).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` for ${parts.join(', ')}` : '';
}

function setNotice(text) {
  const notice = $('#notice');
  notice.textContent = text;
  notice.hidden = !text;
}

// ---------------------------------------------------------------- refresh rounds

function refresh() {
  if (!state.key || $('#app').hidden) return Promise.resolve();
  state.roundController?.abort();
  const controller = new AbortController();
  state.roundController = controller;
  const windowValue = $('#filter-window').value;
  const ctx = {
    round: ++state.round,
    signal: controller.signal,
    filters: currentFilters(),
    window: windowValue,
    step: STEP_FOR_WINDOW[windowValue] || '1m',
    failed: 0,
  };
  const run = Promise.allSettled(panelLoads(ctx)).then(() => finishRound(ctx));
  state.inFlight = run;
  run.finally(() => {
    if (state.inFlight === run) state.inFlight = null;
  });
  return run;
}

function panelLoads(ctx) {
  const series = loadSeries(ctx);
  series.catch(() => {}); // each chart panel reports the failure itself
  return [
    ...CHARTS.map((chart) => runPanel(ctx, chart.panel, async () => drawChartPanel(ctx, chart, await series))),
    runPanel(ctx, 'alerts', () => loadAlerts(ctx)),
    runPanel(ctx, 'drift', () => loadDrift(ctx)),
    runPanel(ctx, 'summary', () => loadSummary(ctx)),
    runPanel(ctx, 'experiment', () => loadExperiment(ctx)),
    runPanel(ctx, 'traces', () => loadTraces(ctx)),
  ];
}

/** Runs one panel's load; its failure is shown in that panel only. */
async function runPanel(ctx, name, load) {
  try {
    await load();
  } catch (err) {
    if (isQuiet(err) || !isCurrent(ctx)) return;
    ctx.failed += 1;
    showMessage(name, 'error', err.message || String(err));
  }
}

const isCurrent = (ctx) => ctx.round === state.round && state.key !== null;

/** Fetches for a round, and drops the answer if a newer round or a key change came meanwhile. */
async function fetchFor(ctx, path, params) {
  const body = await api(path, params, ctx.signal);
  if (!isCurrent(ctx)) throw abortError();
  return body;
}

function finishRound(ctx) {
  if (!isCurrent(ctx)) return;
  const failed = ctx.failed ? ` · ${ctx.failed} panel${ctx.failed > 1 ? 's' : ''} failed` : '';
  $('#updated').textContent = `updated ${fmtClock(Date.now(), true)}${failed}`;
  state.roundsDone += 1;
  document.body.dataset.rounds = String(state.roundsDone);
  markLoaded();
}

function markLoaded() {
  if (state.loaded) return;
  state.loaded = true;
  document.body.dataset.loaded = 'true';
}

function stopRounds() {
  setAutoRefresh(false);
  state.roundController?.abort();
  state.round += 1;
  state.charts.clear();
}

function setAutoRefresh(on) {
  clearInterval(state.timer);
  state.timer = on ? setInterval(onTick, REFRESH_MS) : null;
}

function onTick() {
  // A slow API should not pile up rounds, and a hidden tab need not poll.
  if (!state.inFlight && !document.hidden) refresh();
}

// ---------------------------------------------------------------- panels

const panelNode = (name) => $(`[data-panel="${name}"]`);

function setPanel(name, panelState, ...content) {
  const node = panelNode(name);
  node.dataset.state = panelState;
  $('.panel-body', node).replaceChildren(...content);
}

function showMessage(name, panelState, text) {
  state.charts.delete(name);
  setPanel(name, panelState, el('p', { class: 'panel-message' }, text));
}

function setNote(name, text) {
  $('.panel-note', panelNode(name)).textContent = text || '';
}

function resetPanels() {
  for (const node of document.querySelectorAll('#app [data-panel]')) {
    node.dataset.state = 'loading';
    $('.panel-note', node).textContent = '';
    $('.panel-body', node).replaceChildren(el('p', { class: 'panel-message' }, 'Loading…'));
  }
  $('#updated').textContent = 'not loaded yet';
}

function noRequestsText(ctx) {
  return `No requests in the last ${ctx.window}${filterSuffix(ctx.filters)} yet`;
}

/** A compact table; cells are strings or nodes, numeric columns are right-aligned. */
function table(columns, rows) {
  const head = el('tr', {}, columns.map((c) => el('th', { class: c.num ? 'num' : null, title: c.title }, c.label)));
  const body = rows.map(({ cells, props = {} }) =>
    el('tr', props, cells.map((cell, i) => el('td', { class: columns[i].num ? 'num' : null }, cell))),
  );
  return el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, body)));
}

function badge(text, tone) {
  return el('span', { class: `badge ${tone}` }, text);
}

const STATUS_TONE = { ok: 'good', error: 'bad', lost: 'warn', orphan: 'neutral' };

// ---------------------------------------------------------------- time-series panels

const ratioPct = (part, whole) => (isNum(part) && isNum(whole) && whole > 0 ? (part / whole) * 100 : null);
const orNull = (v) => (isNum(v) ? v : null);
const perHour = (v, d) => (isNum(v) ? v * d.bucketsPerHour : null);

const CHARTS = [
  {
    panel: 'requests',
    format: fmtCompact,
    // A bucket with no rows had no requests, so it counts as zero rather than a gap.
    series: [{ name: 'requests/min', color: COLORS.blue, value: (p, d) => (p ? (p.requests || 0) / d.stepMinutes : 0) }],
  },
  {
    panel: 'latency',
    format: fmtMs,
    noValues: 'latency measurements',
    series: [
      { name: 'p50', color: COLORS.green, value: (p) => orNull(p?.p50_latency_ms) },
      { name: 'p95', color: COLORS.amber, value: (p) => orNull(p?.p95_latency_ms) },
      { name: 'p99', color: COLORS.red, value: (p) => orNull(p?.p99_latency_ms) },
    ],
  },
  {
    panel: 'errors',
    format: fmtPct,
    noValues: 'error or lost counts',
    series: [
      { name: 'error rate', color: COLORS.red, value: (p) => ratioPct(p?.errors, p?.requests) },
      { name: 'lost rate', color: COLORS.violet, value: (p) => ratioPct(p?.lost, p?.requests) },
    ],
  },
  {
    panel: 'cost',
    format: fmtUsd,
    noValues: 'costs',
    // As with requests, a bucket with no rows cost nothing; a row without a cost is a gap.
    series: [{ name: 'USD/hour', color: COLORS.cyan, value: (p, d) => (p ? perHour(p.cost_usd, d) : 0) }],
  },
  {
    panel: 'offensive',
    format: fmtPct,
    noValues: 'offensive-language scores (is the toxicity evaluator on?)',
    series: [{ name: 'offensive rate', color: COLORS.pink, value: (p) => ratioPct(p?.offensive, p?.requests) }],
  },
];

/** One timeseries fetch and one deployments fetch, shared by the five chart panels. */
async function loadSeries(ctx) {
  const { model, version, service } = ctx.filters;
  const deployments = fetchFor(ctx, 'v1/deployments', { window: ctx.window, model }).then(
    (body) => ({ list: body.deployments || [] }),
    (err) => {
      if (isQuiet(err)) throw err;
      return { list: [], error: err.message };
    },
  );
  deployments.catch(() => {}); // awaited below; this only keeps a quiet failure from being reported twice
  const ts = await fetchFor(ctx, 'v1/metrics/timeseries', { window: ctx.window, step: ctx.step, model, version, service });
  const deploys = await deployments;
  const points = (Array.isArray(ts.points) ? ts.points : []).filter((p) => parseTime(p.t) != null);
  const stepS = isNum(ts.step_s) && ts.step_s > 0 ? ts.step_s : durationSeconds(ctx.step);
  const slots = bucketSlots(points, parseTime(ts.from), parseTime(ts.to), stepS * 1000);
  const domain = slots.length ? chartDomain(slots, parseTime(ts.from), parseTime(ts.to)) : null;
  return {
    slots,
    domain,
    stepMinutes: stepS / 60,
    bucketsPerHour: 3600 / stepS,
    markers: domain ? deploymentMarkers(deploys.list, domain) : [],
    deployError: deploys.error,
  };
}

function durationSeconds(text) {
  const match = /^(\d+)([smhd])$/.exec(text);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 };
  return match ? Number(match[1]) * unit[match[2]] : 60;
}

/**
 * Lays the points on a regular grid of buckets from `from` to `to`, so that a missing bucket shows
 * as a zero or a gap instead of a line drawn straight across it. Slots hold the point or null.
 */
function bucketSlots(points, from, to, stepMs) {
  if (!points.length) return [];
  const anchor = parseTime(points[0].t);
  const byIndex = new Map(points.map((p) => [Math.round((parseTime(p.t) - anchor) / stepMs), p]));
  const keys = [...byIndex.keys()];
  let first = Math.min(...keys);
  let last = Math.max(...keys);
  if (from != null) first = Math.min(first, Math.ceil((from - anchor) / stepMs - 1e-6));
  if (to != null) last = Math.max(last, Math.floor((to - anchor) / stepMs - 1e-6));
  if (last - first > 5000) {
    first = Math.min(...keys); // the server's step and ours disagree; keep to the points
    last = Math.max(...keys);
  }
  const slots = [];
  for (let k = first; k <= last; k += 1) slots.push({ t: anchor + k * stepMs, p: byIndex.get(k) ?? null });
  return slots;
}

function chartDomain(slots, from, to) {
  const start = Math.min(slots[0].t, from ?? Infinity);
  const end = Math.max(slots[slots.length - 1].t, to ?? -Infinity);
  return end > start ? [start, end] : [start - 60_000, start + 60_000];
}

function deploymentMarkers(deployments, [start, end]) {
  return deployments
    .map((d) => ({
      t: parseTime(d.time),
      kind: d.action === 'rollback' ? 'rollback' : 'activate',
      label: `${d.model ?? '?'} → ${d.version ?? '?'} (${d.action ?? 'deploy'})`,
      detail: d.service ? `service ${d.service}` : '',
    }))
    .filter((m) => m.t != null && m.t >= start && m.t <= end)
    .sort((a, b) => a.t - b.t);
}

function drawChartPanel(ctx, chart, data) {
  setNote(chart.panel, data.deployError ? `deployments unavailable: ${data.deployError}` : '');
  if (!data.slots.length) {
    showMessage(chart.panel, 'empty', noRequestsText(ctx));
    return;
  }
  const series = chart.series.map((s) => ({
    name: s.name,
    color: s.color,
    values: data.slots.map((slot) => {
      const v = s.value(slot.p, data);
      return isNum(v) ? v : null;
    }),
  }));
  if (series.every((s) => s.values.every((v) => v === null))) {
    showMessage(chart.panel, 'empty', `No ${chart.noValues} in the last ${ctx.window}${filterSuffix(ctx.filters)} yet`);
    return;
  }
  const spec = { times: data.slots.map((s) => s.t), domain: data.domain, series, markers: data.markers, format: chart.format };
  state.charts.set(chart.panel, spec);
  drawChart(chart.panel);
}

function drawChart(name) {
  const spec = state.charts.get(name);
  if (!spec) return;
  const body = $('.panel-body', panelNode(name));
  setPanel(name, 'ready', lineChart(spec, body.clientWidth || 560));
}

function redrawCharts() {
  for (const name of state.charts.keys()) drawChart(name);
}

// ---------------------------------------------------------------- line chart

const CHART_HEIGHT = 200;
const MARGIN = { top: 28, right: 14, bottom: 22, left: 56 };
const X_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440];

/**
 * Draws series that share one time axis: spec = { times, domain, series: [{ name, color, values }],
 * markers: [{ t, label, kind, detail }], format }. Returns a node with legend, SVG and tooltip.
 */
function lineChart(spec, width) {
  const w = Math.max(Math.round(width), 280);
  const frame = {
    w,
    h: CHART_HEIGHT,
    left: MARGIN.left,
    right: w - MARGIN.right,
    top: MARGIN.top,
    bottom: CHART_HEIGHT - MARGIN.bottom,
  };
  const maxValue = Math.max(0, ...spec.series.flatMap((s) => s.values.filter(isNum)));
  const yTicks = niceTicks(maxValue, 4);
  const yTop = yTicks[yTicks.length - 1];
  const [t0, t1] = spec.domain;
  frame.x = (t) => frame.left + ((t - t0) / (t1 - t0)) * (frame.right - frame.left);
  frame.y = (v) => frame.bottom - (v / yTop) * (frame.bottom - frame.top);

  const root = svgEl('svg', {
    class: 'chart-svg',
    width: w,
    height: frame.h,
    viewBox: `0 0 ${w} ${frame.h}`,
    role: 'img',
    'aria-label': spec.series.map((s) => s.name).join(', '),
  });
  root.append(
    yAxis(frame, yTicks, spec.format),
    xAxis(frame, spec.domain),
    markerLayer(frame, spec.markers),
    ...spec.series.map((s) => seriesLayer(frame, spec.times, s)),
  );
  const tooltip = el('div', { class: 'tooltip', hidden: true });
  const wrap = el('div', { class: 'chart' }, legend(spec.series), el('div', { class: 'chart-area' }, root, tooltip));
  attachHover(root, tooltip, frame, spec);
  return wrap;
}

function niceTicks(max, count) {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = [];
  for (let i = 0; i * step < top + step * 1e-9; i += 1) ticks.push(Number((i * step).toPrecision(12)));
  if (ticks[ticks.length - 1] < top) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

function yAxis(frame, ticks, format) {
  const g = svgEl('g', { class: 'axis y-axis' });
  for (const v of ticks) {
    const y = frame.y(v);
    g.append(
      svgEl('line', { class: 'grid-line', x1: frame.left, x2: frame.right, y1: y, y2: y }),
      svgEl('text', { x: frame.left - 6, y: y + 3.5, 'text-anchor': 'end' }, format(v)),
    );
  }
  return g;
}

function xAxis(frame, [t0, t1]) {
  const g = svgEl('g', { class: 'axis x-axis' });
  g.append(svgEl('line', { class: 'axis-line', x1: frame.left, x2: frame.right, y1: frame.bottom, y2: frame.bottom }));
  const spanMin = (t1 - t0) / 60_000;
  const stepMin = X_STEPS_MIN.find((s) => spanMin / s <= 6) ?? 1440;
  const stepMs = stepMin * 60_000;
  // Align ticks to local clock boundaries (e.g. 3h steps at 00:00, 03:00, ...), not to UTC ones.
  const offset = -new Date(t0).getTimezoneOffset() * 60_000;
  for (let t = Math.ceil((t0 + offset) / stepMs) * stepMs - offset; t <= t1; t += stepMs) {
    const x = frame.x(t);
    g.append(
      svgEl('line', { class: 'tick', x1: x, x2: x, y1: frame.bottom, y2: frame.bottom + 4 }),
      svgEl('text', { x, y: frame.bottom + 15, 'text-anchor': 'middle' }, fmtClock(t)),
    );
  }
  return g;
}

/** Deployment markers: dashed vertical lines with labels on up to two rows so they rarely overlap. */
function markerLayer(frame, markers) {
  const g = svgEl('g', { class: 'markers' });
  const rowEnds = [-Infinity, -Infinity];
  for (const m of markers) {
    const x = frame.x(m.t);
    const title = svgEl('title', {}, `${fmtWhen(m.t)} ${m.label}${m.detail ? `, ${m.detail}` : ''}`);
    const marker = svgEl('g', { class: `deploy-marker ${m.kind}` }, title);
    marker.append(svgEl('line', { x1: x, x2: x, y1: frame.top - 4, y2: frame.bottom }));
    const labelWidth = m.label.length * 5.6 + 6;
    const toLeft = x + labelWidth > frame.w;
    const from = toLeft ? x - labelWidth : x;
    const row = rowEnds.findIndex((end) => from > end);
    if (row >= 0) {
      rowEnds[row] = from + labelWidth;
      marker.append(
        svgEl('text', { x: toLeft ? x - 3 : x + 3, y: 10 + row * 11, 'text-anchor': toLeft ? 'end' : 'start' }, m.label),
      );
    }
    g.append(marker);
  }
  return g;
}

/** One series as a path broken at null values; points with no neighbour get a dot so they show. */
function seriesLayer(frame, times, s) {
  const g = svgEl('g', { class: 'series', 'data-series': s.name });
  let d = '';
  s.values.forEach((v, i) => {
    if (v === null) return;
    const cmd = i > 0 && s.values[i - 1] !== null ? 'L' : 'M';
    d += `${cmd}${frame.x(times[i]).toFixed(1)},${frame.y(v).toFixed(1)}`;
    const alone = (i === 0 || s.values[i - 1] === null) && (i === s.values.length - 1 || s.values[i + 1] === null);
    if (alone) g.append(svgEl('circle', { cx: frame.x(times[i]), cy: frame.y(v), r: 2.5, fill: s.color }));
  });
  g.prepend(svgEl('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'stroke-linejoin': 'round' }));
  return g;
}

function legend(series) {
  return el('div', { class: 'legend' }, series.map((s) => el('span', { class: 'legend-item' }, swatch(s.color), s.name)));
}

/** Shows the values of the bucket nearest the pointer, with a guide line. */
function attachHover(root, tooltip, frame, spec) {
  const guide = svgEl('line', { class: 'guide', y1: frame.top, y2: frame.bottom, visibility: 'hidden' });
  const catcher = svgEl('rect', {
    class: 'hover-catcher',
    x: frame.left,
    y: frame.top,
    width: Math.max(frame.right - frame.left, 1),
    height: Math.max(frame.bottom - frame.top, 1),
  });
  root.append(guide, catcher);
  catcher.addEventListener('mousemove', (event) => {
    const box = root.getBoundingClientRect();
    const px = (event.clientX - box.left) * (frame.w / box.width);
    const i = nearestIndex(spec.times.map(frame.x), px);
    const x = frame.x(spec.times[i]);
    guide.setAttribute('x1', x);
    guide.setAttribute('x2', x);
    guide.setAttribute('visibility', 'visible');
    tooltip.replaceChildren(
      el('div', { class: 'tooltip-time' }, fmtWhen(spec.times[i])),
      ...spec.series.map((s) => el('div', {}, swatch(s.color), `${s.name}: `, el('b', {}, s.values[i] === null ? '—' : spec.format(s.values[i])))),
    );
    tooltip.hidden = false;
    const left = (x / frame.w) * box.width;
    const flip = left > box.width / 2;
    tooltip.style.left = flip ? '' : `${left + 10}px`;
    tooltip.style.right = flip ? `${box.width - left + 10}px` : '';
  });
  catcher.addEventListener('mouseleave', () => {
    guide.setAttribute('visibility', 'hidden');
    tooltip.hidden = true;
  });
}

function nearestIndex(xs, px) {
  let best = 0;
  xs.forEach((x, i) => {
    if (Math.abs(x - px) < Math.abs(xs[best] - px)) best = i;
  });
  return best;
}

// ---------------------------------------------------------------- alerts

async function loadAlerts(ctx) {
  const body = await fetchFor(ctx, 'v1/alerts', { window: ctx.window });
  const active = (body.active || []).slice().sort(byFiringThenSince);
  const history = body.history || [];
  const firing = active.filter((a) => a.state === 'firing').length;
  setNote('alerts', `${firing} firing · ${active.length - firing} pending`);
  panelNode('alerts').dataset.firing = String(firing);
  if (!active.length && !history.length) {
    showMessage('alerts', 'empty', `Nothing firing or pending, and no alert changes in the last ${ctx.window}`);
    return;
  }
  const activeList = active.length
    ? el('ul', { class: 'alert-list' }, active.map(activeAlertItem))
    : el('p', { class: 'all-clear' }, 'Nothing firing or pending.');
  setPanel(
    'alerts',
    'ready',
    activeList,
    el('h3', {}, `History, last ${ctx.window}`),
    history.length ? historyList(history) : el('p', { class: 'muted' }, 'No alert state changes.'),
  );
}

function byFiringThenSince(a, b) {
  const rank = (x) => (x.state === 'firing' ? 0 : 1);
  return rank(a) - rank(b) || (parseTime(a.since) ?? 0) - (parseTime(b.since) ?? 0);
}

function labelChips(labels) {
  return Object.entries(labels || {}).map(([k, v]) => el('span', { class: 'chip' }, `${k}=${v}`));
}

function activeAlertItem(a) {
  const firing = a.state === 'firing';
  return el(
    'li',
    { class: `alert ${firing ? 'firing' : 'pending'}` },
    badge(a.state || '?', firing ? 'bad' : 'warn'),
    el('strong', {}, a.rule || '?'),
    a.severity ? el('span', { class: 'chip severity' }, a.severity) : null,
    labelChips(a.labels),
    el('span', { class: 'muted' }, `since ${fmtWhen(a.since)} (${fmtAgo(a.since)})`),
    el('span', { class: 'muted' }, `value ${fmtValue(a.value)}`),
  );
}

function historyList(history) {
  const shown = history.slice(0, HISTORY_SHOWN);
  const items = shown.map((h) =>
    el(
      'li',
      {},
      el('span', { class: 'when' }, fmtWhen(h.time)),
      el('strong', {}, h.rule || '?'),
      labelChips(h.labels),
      el('span', {}, `${h.from_state ?? '?'} → `, el('span', { class: `state-${h.to_state}` }, h.to_state ?? '?')),
      h.value != null ? el('span', { class: 'muted' }, `value ${fmtValue(h.value)}`) : null,
      h.message ? el('span', { class: 'message' }, h.message) : null,
    ),
  );
  const more = history.length - shown.length;
  return el('ul', { class: 'history-list' }, items, more > 0 ? el('li', { class: 'muted' }, `… ${more} older`) : null);
}

// ---------------------------------------------------------------- drift

async function loadDrift(ctx) {
  const body = await fetchFor(ctx, 'v1/drift', { window: DRIFT_WINDOW, model: ctx.filters.model });
  const rows = body.latest || [];
  const drifted = rows.filter((r) => r.drifted && r.feature !== '*').length;
  setNote('drift', `last ${DRIFT_WINDOW} · ${drifted} feature${drifted === 1 ? '' : 's'} drifted`);
  if (!rows.length) {
    const model = ctx.filters.model ? ` for model=${ctx.filters.model}` : '';
    showMessage('drift', 'empty', `No drift reports in the last ${DRIFT_WINDOW}${model} yet`);
    return;
  }
  const projects = new Set(rows.map((r) => r.project));
  const columns = [
    { label: 'model' },
    { label: 'feature' },
    { label: 'test' },
    { label: 'statistic', num: true },
    { label: 'p-value', num: true },
    { label: 'drifted' },
  ];
  setPanel('drift', 'ready', table(columns, sortDrift(rows).map((r) => driftRow(r, projects.size > 1))));
}

/** Per model, the dataset-drift share row first, then drifted features, then the rest by name. */
function sortDrift(rows) {
  const key = (r) => [`${r.project ?? ''}/${r.model ?? ''}`, r.feature === '*' ? 0 : 1, r.drifted ? 0 : 1, r.feature ?? ''];
  return rows.slice().sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i += 1) {
      if (ka[i] < kb[i]) return -1;
      if (ka[i] > kb[i]) return 1;
    }
    return 0;
  });
}

function driftRow(r, showProject) {
  const share = r.feature === '*';
  const title = [
    `window ${fmtWhen(r.window_start)} – ${fmtWhen(r.window_end)}`,
    `threshold ${fmtValue(r.threshold)}`,
    `n_ref ${fmtInt(r.n_ref)}, n_cur ${fmtInt(r.n_cur)}`,
  ].join('\n');
  return {
    props: { class: share ? 'share-row' : null, title },
    cells: [
      showProject ? `${r.project}/${r.model}` : r.model ?? '—',
      share ? el('em', {}, 'share') : r.feature ?? '—',
      r.test ?? '—',
      share && isNum(r.statistic) ? fmtRate(r.statistic) : fmtValue(r.statistic),
      fmtPValue(r.p_value),
      r.drifted ? badge('drifted', 'bad') : badge('ok', 'good'),
    ],
  };
}

// ---------------------------------------------------------------- summary

async function loadSummary(ctx) {
  const body = await fetchFor(ctx, 'v1/metrics/summary', { window: ctx.window, group_by: 'model,version', ...ctx.filters });
  const groups = (body.groups || []).filter((g) => (g.requests || 0) > 0).sort((a, b) => (b.requests || 0) - (a.requests || 0));
  setNote('summary', `last ${ctx.window}`);
  if (!groups.length) {
    showMessage('summary', 'empty', noRequestsText(ctx));
    return;
  }
  const columns = [
    { label: 'model' },
    { label: 'version' },
    { label: 'requests', num: true },
    { label: 'error rate', num: true },
    { label: 'lost rate', num: true },
    { label: 'p50', num: true },
    { label: 'p95', num: true },
    { label: 'p99', num: true },
    { label: 'tokens in / out', num: true },
    { label: 'cost', num: true },
    { label: 'offensive rate', num: true },
  ];
  const rows = groups.map((g) => ({
    cells: [
      g.model ?? '—',
      g.version ?? '—',
      fmtInt(g.requests),
      fmtRate(g.error_rate),
      fmtRate(g.lost_rate),
      fmtMs(g.p50_latency_ms),
      fmtMs(g.p95_latency_ms),
      fmtMs(g.p99_latency_ms),
      `${fmtCompact(g.input_tokens)} / ${fmtCompact(g.output_tokens)}`,
      fmtUsd(g.cost_usd),
      fmtRate(g.offensive_rate),
    ],
  }));
  setPanel('summary', 'ready', table(columns, rows));
}

// ---------------------------------------------------------------- experiment

const EXPERIMENT_METRICS = {
  latency_ms: { label: 'latency (median)', format: fmtMs },
  cost_usd: { label: 'cost (median)', format: fmtUsd },
  cost_per_exchange_usd: { label: 'cost per exchange', format: fmtUsd },
  feedback_score: { label: 'feedback score', format: (v) => fmtValue(v) },
  error_rate: { label: 'error rate', format: fmtRate },
  toxicity_rate: { label: 'toxicity rate', format: fmtRate },
};

/** The experiment form's arms over the window; nothing until two or more arms are named. */
async function loadExperiment(ctx) {
  const by = $('#experiment-by').value.trim();
  const arms = $('#experiment-arms').value.trim();
  if (!arms) {
    setNote('experiment', '');
    showMessage('experiment', 'empty', 'Name two or more arms to compare them over the window');
    return;
  }
  const report = await fetchFor(ctx, 'v1/experiments/compare', { by, arms, from: ctx.window });
  setNote('experiment', `last ${ctx.window} · ${report.design.horizon}-horizon tests`);
  const armColumns = [
    { label: 'arm' },
    { label: 'exchanges', num: true },
    { label: 'p50', num: true },
    { label: 'p95', num: true },
    { label: 'error rate', num: true },
    { label: 'cost per exchange', num: true },
    { label: 'toxicity rate', num: true },
    { label: 'feedback', num: true },
  ];
  const armRows = report.arms.map((a) => ({
    cells: [
      a.name === report.control ? `${a.name} (control)` : a.name,
      fmtInt(a.exchanges),
      fmtMs(a.latency_p50_ms),
      fmtMs(a.latency_p95_ms),
      fmtRate(a.error_rate),
      fmtUsd(a.cost_per_exchange_usd),
      fmtRate(a.toxicity_rate),
      a.feedback_count ? `${fmtValue(a.feedback_mean)} (${fmtInt(a.feedback_count)})` : '—',
    ],
  }));
  const comparisonColumns = [
    { label: 'arm' },
    { label: 'metric' },
    { label: 'test' },
    { label: 'control', num: true },
    { label: 'arm value', num: true },
    { label: 'difference [95 % interval]', num: true },
    { label: 'p', num: true },
    { label: 'needed per arm', num: true, title: 'for a fixed-horizon test to detect the minimum detectable effect' },
  ];
  const comparisonRows = report.comparisons.map((c) => {
    const metric = EXPERIMENT_METRICS[c.metric] || { label: c.metric, format: fmtValue };
    const d = c.difference;
    return {
      props: { 'data-metric': c.metric },
      cells: [
        c.arm,
        metric.label,
        c.test.replaceAll('_', ' '),
        metric.format(c.control),
        metric.format(c.value),
        d ? `${fmtValue(d.estimate)} [${fmtValue(d.low)}, ${fmtValue(d.high)}]` : 'too few values',
        d ? (c.significant ? badge(fmtPValue(d.p_value), 'bad') : fmtPValue(d.p_value)) : '—',
        isNum(c.needed_per_arm) ? `${fmtInt(c.needed_per_arm)} (have ${fmtInt(Math.min(...c.sample))})` : '—',
      ],
    };
  });
  setPanel(
    'experiment',
    'ready',
    table(armColumns, armRows),
    table(comparisonColumns, comparisonRows),
    el('p', { class: 'panel-footnote' }, report.design.note),
  );
}

// ---------------------------------------------------------------- traces

async function loadTraces(ctx) {
  const params = { ...ctx.filters, from: ctx.window, limit: TRACE_LIMIT };
  const body = await fetchFor(ctx, 'v1/traces', params);
  const traces = body.traces || [];
  setNote('traces', `newest ${TRACE_LIMIT} · click a row for details`);
  if (!traces.length) {
    showMessage('traces', 'empty', `No traces in the last ${ctx.window}${filterSuffix(ctx.filters)} yet`);
    return;
  }
  const columns = [
    { label: 'time' },
    { label: 'model' },
    { label: 'version' },
    { label: 'service' },
    { label: 'status' },
    { label: 'latency', num: true },
    { label: 'tokens in / out', num: true },
    { label: 'cost', num: true },
    { label: 'offensive', num: true, title: 'offensive-language score of the output' },
  ];
  const rows = traces.map((t) => ({
    props: {
      class: 'clickable',
      tabindex: 0,
      role: 'button',
      'data-request-id': t.request_id,
      onclick: () => openTrace(t.request_id),
      onkeydown: (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          openTrace(t.request_id);
        }
      },
    },
    cells: [
      fmtWhen(t.request_time),
      t.model ?? '—',
      t.model_version ?? '—',
      t.service ?? '—',
      badge(t.status ?? '?', STATUS_TONE[t.status] || 'neutral'),
      fmtMs(t.latency_ms),
      `${fmtInt(t.input_tokens)} / ${fmtInt(t.output_tokens)}`,
      fmtUsd(t.cost_usd),
      isNum(t.offensive_language) ? t.offensive_language.toFixed(2) : '—',
    ],
  }));
  setPanel('traces', 'ready', table(columns, rows));
}

// ---------------------------------------------------------------- trace drill-down

const LONG_FIELDS = ['prompt', 'output', 'attributes'];

async function openTrace(requestId) {
  const ticket = ++state.traceRequest;
  const overlay = $('#trace-overlay');
  if (overlay.hidden) state.traceReturnFocus = document.activeElement;
  overlay.hidden = false;
  $('#trace-title').textContent = `Trace ${requestId}`;
  setTrace('loading', el('p', { class: 'panel-message' }, 'Loading…'));
  $('#trace-close').focus();
  try {
    const body = await api(`v1/traces/${encodeURIComponent(requestId)}`);
    if (ticket !== state.traceRequest) return;
    setTrace('ready', ...traceDetails(body));
  } catch (err) {
    if (isQuiet(err) || ticket !== state.traceRequest) return;
    setTrace('error', el('p', { class: 'panel-message' }, err.message));
  }
}

function setTrace(traceState, ...content) {
  const drawer = $('[data-panel="trace"]');
  drawer.dataset.state = traceState;
  $('.drawer-body', drawer).replaceChildren(...content);
}

function closeTrace() {
  const overlay = $('#trace-overlay');
  if (overlay.hidden) return;
  state.traceRequest += 1; // drops an answer still on its way
  overlay.hidden = true;
  state.traceReturnFocus?.focus?.();
  state.traceReturnFocus = null;
}

function traceDetails(body) {
  if (!body.exchange) return body.trace ? [waterfall(body.trace, null)] : [];
  const exchange = body.exchange;
  const fields = Object.entries(exchange).filter(([name]) => !LONG_FIELDS.includes(name));
  return [
    el('dl', { class: 'fields' }, fields.map(([name, value]) => [el('dt', {}, name), el('dd', {}, fmtField(value))])),
    longText('Prompt', exchange.prompt),
    longText('Output', exchange.output),
    longText('Attributes', prettyJson(exchange.attributes)),
    body.trace ? waterfall(body.trace, exchange.request_id) : null,
    el('h3', {}, 'Evaluations'),
    evaluationsTable(body.evaluations || []),
    el('h3', {}, 'Feedback'),
    feedbackList(body.feedback || []),
  ];
}

/** The trace's LLM calls as a waterfall: one row per call, indented by depth, its bar placed by
 * its start and sized by its latency on the trace's time span. A row opens that call. */
function waterfall(trace, current) {
  const spanMs = Math.max(trace.duration_ms || 0, 1);
  const totals = trace.totals || {};
  const rows = (trace.exchanges || []).map((x) => {
    const bar = el('span', { class: `wf-bar ${STATUS_TONE[x.status] || 'neutral'}` });
    // Set through the CSSOM: the page's policy refuses inline style attributes.
    bar.style.left = `${(100 * (x.offset_ms || 0)) / spanMs}%`;
    bar.style.width = `${Math.max((100 * (x.latency_ms || 0)) / spanMs, 0.5)}%`;
    const label = el('span', { class: 'wf-name' }, x.name || x.operation || x.request_id);
    label.style.paddingLeft = `${x.depth * 14}px`;
    const open = () => openTrace(x.request_id);
    return el(
      'li',
      {
        class: x.request_id === current ? 'wf-row current' : 'wf-row',
        tabindex: 0,
        role: 'button',
        'data-request-id': x.request_id,
        onclick: open,
        onkeydown: (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            open();
          }
        },
      },
      label,
      el('span', { class: 'wf-model' }, x.model || '—'),
      el('span', { class: 'wf-track' }, bar),
      el('span', { class: 'wf-num' }, fmtMs(x.latency_ms)),
      el('span', { class: 'wf-num' }, `${fmtInt(x.input_tokens)} / ${fmtInt(x.output_tokens)}`),
      el('span', { class: 'wf-num' }, fmtUsd(x.cost_usd)),
      el('span', { class: 'wf-num' }, isNum(x.offensive_language) ? x.offensive_language.toFixed(2) : '—'),
    );
  });
  const summary = `${fmtInt(totals.exchanges)} LLM calls · ${fmtMs(trace.duration_ms)} · ` +
    `${fmtInt(totals.input_tokens)} / ${fmtInt(totals.output_tokens)} tokens · ${fmtUsd(totals.cost_usd)}` +
    (trace.truncated ? ' · first calls only' : '');
  return el(
    'section',
    { class: 'waterfall', 'data-trace-id': trace.trace_id },
    el('h3', {}, `Trace ${trace.trace_id}`),
    el('p', { class: 'muted' }, summary),
    el('ul', { class: 'wf-rows' }, rows),
  );
}

function fmtField(value) {
  if (value == null || value === '') return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function longText(title, text) {
  const empty = text == null || text === '';
  return el('section', { class: 'long' }, el('h3', {}, title), empty ? el('p', { class: 'muted' }, '(none)') : el('pre', {}, text));
}

/** attributes arrives as JSON text (or already parsed); indent it for reading. */
function prettyJson(value) {
  if (value == null || value === '') return value;
  try {
    const parsed = typeof value === 'string' ? JSON.parse(value) : value;
    return JSON.stringify(parsed, null, 2);
  } catch {
    return String(value);
  }
}

function evaluationsTable(evaluations) {
  if (!evaluations.length) return el('p', { class: 'muted' }, 'No evaluations.');
  const columns = [{ label: 'evaluator' }, { label: 'metric' }, { label: 'value', num: true }, { label: 'label' }];
  const rows = evaluations.map((e) => ({ cells: [e.evaluator ?? '—', e.metric ?? '—', fmtValue(e.value), e.label ?? '—'] }));
  return table(columns, rows);
}

function feedbackList(feedback) {
  if (!feedback.length) return el('p', { class: 'muted' }, 'No feedback.');
  return el(
    'ul',
    { class: 'feedback-list' },
    feedback.map((f) =>
      el(
        'li',
        {},
        el('span', { class: 'when' }, fmtWhen(f.time)),
        el('span', {}, `score ${fmtValue(f.score)}`),
        f.label ? el('span', { class: 'chip' }, f.label) : null,
        f.comment ? el('span', { class: 'message' }, f.comment) : null,
      ),
    ),
  );
}

// ---------------------------------------------------------------- start

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function wireEvents() {
  $('#key-form').addEventListener('submit', onKeySubmit);
  $('#filters').addEventListener('submit', (event) => event.preventDefault());
  $('#experiment-form').addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });
  for (const id of ['#filter-model', '#filter-version', '#filter-service', '#filter-window']) {
    $(id).addEventListener('change', () => refresh());
  }
  $('#auto-refresh').addEventListener('change', (event) => setAutoRefresh(event.target.checked));
  $('#refresh').addEventListener('click', () => refresh());
  $('#change-key').addEventListener('click', onChangeKey);
  $('#trace-close').addEventListener('click', closeTrace);
  $('#trace-overlay').addEventListener('click', (event) => {
    if (event.target === event.currentTarget) closeTrace();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeTrace();
  });
  // Charts are drawn at the pixel width of their panel, so redraw when the grid's width changes
  // (window resize, a scrollbar appearing); height changes come from panels filling in and are ignored.
  let gridWidth = 0;
  const redrawIfWider = debounce(() => {
    const width = $('.grid').clientWidth;
    if (width !== gridWidth) redrawCharts();
    gridWidth = width;
  }, 150);
  new ResizeObserver(redrawIfWider).observe($('.grid'));
}

function start() {
  wireEvents();
  window.sightlineDashboard = { refresh };
  const urlKey = takeKeyFromUrl();
  if (urlKey) $('#key-input').value = urlKey;
  const key = urlKey || storedKey();
  if (key) enterDashboard(key);
  else showKeyForm('');
}

start();
