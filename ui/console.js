// The gbcs-sim web console (app/console.ts serves it): plain ES module, no build step; charts with
// uPlot (served from node_modules). Loads /api/state, then follows /api/events (Server-Sent Events).
import uPlot from '/vendor/uplot.js';

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
};
const time = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const shown = (v) =>
  Array.isArray(v) ? v.join(', ') : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v;

// --- devices -------------------------------------------------------------------------------------
const ROLES = { 2: 'Supplier', 3: 'Network Operator', 4: 'ACB', 7: 'WAN Provider' };
function showDevices(devices) {
  const body = $('#devices tbody');
  body.replaceChildren(
    ...devices.map((d) =>
      el(
        'tr',
        { 'data-eui': d.eui },
        el('td', { class: 'mono' }, d.eui),
        el('td', {}, d.deviceType),
        el(
          'td',
          {},
          Object.entries(d.readings)
            .filter(([, v]) => v !== null && v !== undefined)
            .map(([k, v]) => `${k}: ${shown(v)}`)
            .join(' · ') + (d.faults ? ` · ${d.faults} fault rule(s)` : ''),
        ),
        el(
          'td',
          { class: 'floors' },
          Object.entries(d.antiReplay)
            .map(([role, c]) => `${ROLES[role] ?? `role ${role}`} ${c}`)
            .join(', '),
        ),
      ),
    ),
  );
}

// --- trace ---------------------------------------------------------------------------------------
function verdicts(d) {
  if (!d || d.ok === false) return d?.error ? `${d.error.code} @${d.error.offset}` : '';
  return [d.mac && `MAC ${d.mac}`, d.signature && `signature ${d.signature}`].filter(Boolean).join(', ');
}
function addTrace(entry) {
  const d = entry.decoded ?? {};
  const h = d.header ?? {};
  const row = el(
    'tr',
    { class: `dir-${entry.direction}` },
    el('td', { class: 'mono' }, time(entry.t).slice(11)),
    el('td', {}, entry.direction),
    el('td', { class: 'mono' }, entry.device ?? ''),
    el(
      'td',
      {},
      h.useCase ?? d.useCase ?? (h.messageCode !== undefined ? `0x${h.messageCode.toString(16)}` : ''),
    ),
    el('td', { class: 'mono' }, h.originatorCounter ?? d.counter ?? ''),
    el('td', {}, verdicts(d)),
  );
  const details = el('details', {}, el('summary', {}, entry.note ?? (entry.hex ? 'decoded' : '')));
  details.append(el('pre', {}, JSON.stringify(d, null, 1)));
  row.append(el('td', {}, details));
  const body = $('#trace tbody');
  body.prepend(row);
  while (body.rows.length > 300) body.deleteRow(-1);
}

// --- charts --------------------------------------------------------------------------------------
const series = { consumption: [[], []], credit: [[], [], []], throughput: [[], []] };
const charts = {};
function chart(id, labels, data) {
  const target = $(id);
  const opts = {
    width: 320,
    height: 160,
    scales: { x: { time: true } },
    series: [{}, ...labels.map((label, i) => ({ label, stroke: ['#1d3557', '#e76f51'][i], width: 1.5 }))],
    legend: { show: true },
  };
  return new uPlot(opts, data, target);
}
function addPoints(points) {
  for (const p of points) {
    const s = p.t / 1000;
    if (p.importWh !== undefined) series.consumption[0].push(s) && series.consumption[1].push(p.importWh);
    if (p.creditPence !== undefined || p.gasCreditPence !== undefined) {
      series.credit[0].push(s);
      series.credit[1].push(p.creditPence ?? null);
      series.credit[2].push(p.gasCreditPence ?? null);
    }
    if (p.commandsPerSecond !== undefined) {
      const xs = series.throughput[0];
      if (xs.length && xs[xs.length - 1] === s) series.throughput[1][xs.length - 1] = p.commandsPerSecond;
      else xs.push(s) && series.throughput[1].push(p.commandsPerSecond);
    }
  }
  charts.consumption?.setData(series.consumption);
  charts.credit?.setData(series.credit);
  charts.throughput?.setData(series.throughput);
}

// --- timelines and drills -------------------------------------------------------------------------
async function loadTimelines() {
  const t = await (await fetch('/api/timelines')).json();
  $('#timelines-db').textContent = t.db
    ? `DCC database ${t.db}`
    : 'no DCC database: start the console with --db FILE';
  const rows = (list, id) =>
    list
      .slice(-200)
      .reverse()
      .map((h) =>
        el(
          'tr',
          {},
          el('td', { class: 'mono' }, time(h.at).slice(0, 16)),
          el('td', { class: 'mono' }, h[id]),
          el('td', {}, `${h.from ?? '(new)'} → ${h.to}`),
          el('td', {}, h.event),
        ),
      );
  $('#smi-timeline tbody').replaceChildren(...rows(t.inventory ?? [], 'deviceId'));
  $('#hub-timeline tbody').replaceChildren(...rows(t.hubs ?? [], 'hubId'));
}
const drills = new Map();
function showDrill(d) {
  drills.set(d.id, d);
  $('#drills').replaceChildren(
    ...[...drills.values()].map((x) =>
      el(
        'li',
        { 'data-drill': x.id },
        `${x.name} — ${x.phase} `,
        el('progress', { max: String(x.steps), value: String(x.step) }),
        ` ${x.step}/${x.steps} ${x.status}${x.detail ? `: ${x.detail}` : ''}`,
      ),
    ),
  );
}

// --- commands ------------------------------------------------------------------------------------
function showResult(r, ok) {
  const box = $('#result');
  box.className = ok ? 'ok' : 'bad';
  box.textContent = r;
}
async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { ok: res.ok, body: await res.json() };
}
async function send(ev) {
  ev.preventDefault();
  const custom = $('#command-form details').open;
  const request = custom
    ? {
        device: $('#command-device').value,
        from: $('#command-from').value,
        messageCode: $('#command-code').value,
        payload: $('#command-payload').value,
      }
    : (() => {
        const s = JSON.parse($('#command-step').value);
        return { device: s.device, from: s.from, payload: { default: s.step } };
      })();
  const { ok, body } = await post('/api/command', request);
  if (!ok) return showResult(`${body.error.code}: ${body.error.message}`, false);
  const what =
    body.accepted === false
      ? `refused ${body.reason}: ${body.detail}`
      : body.responseVerified
        ? `response verified (${body.signature === 'valid' ? 'signed' : 'MAC'}), ${body.result}`
        : `response: ${body.result ?? 'none'}${body.problems?.length ? ` (${body.problems.join('; ')})` : ''}`;
  showResult(
    `${body.useCase} to ${body.recipientId}, counter ${body.counter}: ${what}`,
    body.responseVerified && body.result === 'success',
  );
}

// --- start ---------------------------------------------------------------------------------------
async function start() {
  const state = await (await fetch('/api/state')).json();
  const info = state.info;
  $('#info').textContent =
    `${info.kind === 'serve' ? 'served premises' : 'virtual premises'} · seed ${info.seed} · clock ${time(info.clockMs)}`;
  if (!info.defaultSteps) $('#advance-buttons').hidden = true;
  const select = $('#command-step');
  for (const s of info.defaultSteps ?? []) {
    select.append(
      el('option', { value: JSON.stringify(s) }, `${s.useCase ?? ''} ${s.device.toUpperCase()} — ${s.label}`),
    );
  }
  if (!info.defaultSteps) $('#command-form details').open = true;
  showDevices(state.devices);
  for (const t of state.trace) addTrace(t);
  charts.consumption = chart('#chart-consumption', ['import Wh'], series.consumption);
  charts.credit = chart('#chart-credit', ['ESME', 'GSME'], series.credit);
  charts.throughput = chart('#chart-throughput', ['commands/s'], series.throughput);
  addPoints(state.series);
  for (const d of state.drills) showDrill(d);
  $('#command-form').addEventListener('submit', send);
  for (const b of document.querySelectorAll('[data-advance]'))
    b.addEventListener('click', async () => {
      const { ok, body } = await post('/api/advance', { ms: Number(b.dataset.advance) });
      if (ok) $('#info').textContent = `virtual premises · seed ${info.seed} · clock ${time(body.clockMs)}`;
      else showResult(`${body.error.code}: ${body.error.message}`, false);
    });
  $('#reload-timelines').addEventListener('click', loadTimelines);
  await loadTimelines();
  const events = new EventSource('/api/events');
  events.onopen = () => {
    $('#live').textContent = 'live';
    $('#live').classList.add('on');
  };
  events.onerror = () => {
    $('#live').textContent = 'offline';
    $('#live').classList.remove('on');
  };
  events.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === 'trace') addTrace(e.entry);
    else if (e.type === 'devices') showDevices(e.devices);
    else if (e.type === 'series') addPoints(e.points);
    else if (e.type === 'drill') showDrill(e.drill);
  };
  document.body.dataset.ready = 'true';
}
start().catch((e) => showResult(`console failed to start: ${e.message}`, false));
