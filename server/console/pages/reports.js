// Reports: the figures of `docket report --format json` for a period, with
// bar charts drawn with DOM APIs. Only the report's own figures are shown: the
// page computes none itself, so what it shows is what `docket report` says.
// Every member is optional: what the report lacks is left out, never an error.

import {api, serviceClock, pollHealth, ApiError} from '../api.js';
import {el, svg, clear, setText, timeEl, badge, tableWrap, loadingEl, errorEl, fmtPercent, formatSeconds, labelled, shortId,
        localZoneName} from '../dom.js';

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isRatio = (v) => isObj(v) && 'count' in v && 'total' in v;
const isStats = (v) => isObj(v) && ('median_seconds' in v || 'mean_seconds' in v);

export function humanize(key) {
  const s = String(key).replace(/_seconds$/, '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function addDays(ymd, days) {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}

function ratioText(r) {
  if (!isRatio(r)) return null;
  return `${fmtPercent(r.value ?? (r.total ? r.count / r.total : null))} (${r.count}/${r.total})`;
}

// The value of a figure for display: a ratio, duration stats, a number, text.
export function figureText(key, v) {
  if (v === null || v === undefined) return '—';
  if (isRatio(v)) return ratioText(v);
  if (isStats(v)) return v.tickets ? `median ${formatSeconds(v.median_seconds)}` : '—';
  if (typeof v === 'number') {
    if (/_seconds$/.test(key)) return formatSeconds(v);
    if (/percent|pct|_rate$/.test(key)) return fmtPercent(v, v > 1 || /percent|pct/.test(key));
    return v.toLocaleString();
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (isObj(x) ? x.name ?? JSON.stringify(x) : String(x))).join(', ');
  return JSON.stringify(v);
}

// A number for charts: ratios as percentages.
function chartNumber(key, v) {
  if (isRatio(v)) {
    const value = v.value ?? (v.total ? v.count / v.total : null);
    return value === null ? null : value * 100;
  }
  if (typeof v === 'number') {
    if (/percent|pct/.test(key)) return v;
    return v;
  }
  return null;
}

// Horizontal bar chart: items [{label, title, value, text}], built with createElementNS.
export function barChart(title, items, opts = {}) {
  const rows = items.filter((i) => i.value !== null && i.value !== undefined && Number.isFinite(i.value));
  // drawn at the size it is shown (no scaling), so that its text stays readable on a phone
  const width = Math.round(Math.max(280, Math.min(opts.width || 520, 720)));
  const labelW = Math.round(Math.min(170, width * 0.32));
  const barMax = width - labelW - 100;
  const rowH = 26;
  const height = rows.length * rowH + 12;
  const max = opts.max ?? Math.max(1, ...rows.map((r) => r.value));
  const chart = svg('svg', {class: 'chart', viewBox: `0 0 ${width} ${Math.max(height, 30)}`, role: 'img',
                            'aria-label': `${title}: ${rows.map((r) => `${r.label} ${r.text ?? r.value}`).join('; ')}`},
    svg('title', {}, title));
  if (!rows.length) {
    chart.appendChild(svg('text', {x: 8, y: 20, class: 'chart-empty'}, 'no data'));
  }
  rows.forEach((r, index) => {
    const y = 6 + index * rowH;
    const w = Math.max(0, Math.min(1, r.value / max)) * barMax;
    const label = String(r.label);
    const room = Math.max(6, Math.floor(labelW / 8));
    const short = label.length > room ? `${label.slice(0, room - 1)}…` : label;
    chart.append(
      svg('g', {class: ['bar-row', r.cls].filter(Boolean).join(' ')},
        svg('title', {}, `${r.title || label}: ${r.text ?? r.value}`),
        svg('text', {x: labelW - 8, y: y + 16, 'text-anchor': 'end', class: 'bar-label'}, short),
        svg('rect', {x: labelW, y: y + 3, width: barMax, height: rowH - 8, rx: 3, class: 'bar-track'}),
        svg('rect', {x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 8, rx: 3, class: 'bar'}),
        svg('text', {x: labelW + barMax + 8, y: y + 16, class: 'bar-value'}, r.text ?? String(r.value))));
  });
  return el('figure', {class: 'chart-box'}, el('figcaption', {}, title), chart);
}

function pickKey(objects, candidates, test) {
  for (const key of candidates) {
    if (objects.some((o) => isObj(o) && key in o && test(o[key]))) return key;
  }
  return null;
}

// ---------------------------------------------------------------- page

export async function mount(ctx) {
  const root = ctx.root;
  if (!serviceClock.anchor) await pollHealth();
  if (!ctx.alive) return;
  const today = serviceClock.today();
  const valid = (s) => /^\d{4}-\d\d-\d\d$/.test(s || '');
  const toValue = valid(ctx.query.get('to')) ? ctx.query.get('to') : today;
  const fromValue = valid(ctx.query.get('from')) ? ctx.query.get('from') : addDays(toValue, -29);

  const from = el('input', {type: 'date', id: 'report-from', name: 'from', value: fromValue, required: true});
  const to = el('input', {type: 'date', id: 'report-to', name: 'to', value: toValue, required: true});
  const workflow = el('select', {id: 'report-workflow', name: 'workflow'}, el('option', {value: ''}, 'default workflow'));
  const run = el('button', {type: 'submit', id: 'report-run', class: 'button button-primary'}, 'Run report');
  const form = el('form', {class: 'card filters', id: 'report-form'},
    el('label', {class: 'control'}, el('span', {}, 'From'), from),
    el('label', {class: 'control'}, el('span', {}, 'To (inclusive)'), to),
    el('label', {class: 'control'}, el('span', {}, 'Workflow'), workflow),
    el('div', {class: 'control control-buttons'}, run));

  const summary = el('div', {class: 'totals', id: 'report-summary'});
  const deptBody = el('tbody');
  const deptHead = el('thead');
  const deptTable = el('table', {id: 'report-departments', class: 'data', 'aria-label': 'Figures per department'}, deptHead, deptBody);
  const deptNote = el('p', {class: 'muted small', hidden: true});
  const deptSource = el('p', {class: 'muted small'});
  const charts = el('div', {id: 'report-charts', class: 'charts'});
  const details = el('div', {class: 'report-details'});
  const about = el('div', {class: 'report-about'});
  const output = el('div', {class: 'report-output'});
  const resultBox = el('div', {class: 'page-body'},
    summary,
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Departments'), tableWrap(deptTable), deptNote, deptSource),
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Charts'), charts),
    details,
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'About this report'), about));
  clear(root);
  root.append(el('div', {class: 'page-head'}, el('h1', {}, 'Reports')), form, output, resultBox);

  api.get('/v1/workflows').then((answer) => {
    if (!ctx.alive) return;
    const wanted = ctx.query.get('workflow') || '';
    for (const name of (Array.isArray(answer.workflows) ? answer.workflows : []).map((w) => w.name)) {
      workflow.appendChild(el('option', {value: name}, name));
    }
    if (wanted && !Array.from(workflow.options).some((o) => o.value === wanted)) workflow.appendChild(el('option', {value: wanted}, wanted));
    workflow.value = wanted;
  }).catch(() => {});
  if (ctx.query.get('workflow')) {
    workflow.appendChild(el('option', {value: ctx.query.get('workflow')}, ctx.query.get('workflow')));
    workflow.value = ctx.query.get('workflow');
  }

  function total(label, value, cls, id) {
    return el('div', {class: ['total', cls], id}, el('span', {class: 'total-label'}, label), el('span', {class: 'total-value'}, value));
  }

  function renderSummary(r) {
    clear(summary);
    const t = isObj(r.tickets) ? r.tickets : {};
    if (t.created !== undefined) summary.appendChild(total('Tickets created', figureText('created', t.created), null, 'report-created'));
    const ratioTotal = (v) => (isRatio(v)
      ? [fmtPercent(v.value ?? (v.total ? v.count / v.total : null)), el('span', {class: 'total-sub'}, ` ${v.count} of ${v.total}`)]
      : '—');
    if (isObj(r.acceptance)) summary.appendChild(total('Accepted on time', ratioTotal(r.acceptance.timeliness), 'total-ok'));
    if (isObj(r.resolution)) {
      summary.appendChild(total('Resolved', figureText('resolved', r.resolution.resolved)));
      if (isStats(r.resolution.time)) summary.appendChild(total('Median resolution', formatSeconds(r.resolution.time.median_seconds)));
    }
    if (isObj(r.follow_up)) summary.appendChild(total('Follow-up rate', ratioTotal(r.follow_up.rate)));
    if (isObj(r.satisfaction)) summary.appendChild(total('Satisfaction (mean)', r.satisfaction.mean === null || r.satisfaction.mean === undefined ? '—' : Number(r.satisfaction.mean).toFixed(2)));
    if (!summary.children.length) summary.appendChild(el('p', {class: 'muted'}, 'The report has no summary figures.'));
  }

  function departmentsOf(r) {
    for (const key of ['departments', 'by_department', 'department']) {
      const v = r[key];
      if (Array.isArray(v)) return v.filter(isObj);
      if (isObj(v) && Array.isArray(v.rows)) return v.rows.filter(isObj);
      if (isObj(v)) return Object.entries(v).map(([name, figures]) => ({name, ...(isObj(figures) ? figures : {value: figures})}));
    }
    return null;
  }

  // Figures per department, when the report has them (a report of one
  // department's workflow has its figures as a whole, above).
  function renderDepartments(r) {
    clear(deptHead);
    clear(deptBody);
    setText(deptSource, '');
    const depts = departmentsOf(r);
    const card = deptTable.closest('section');
    if (!depts) {
      if (card) card.hidden = true;
      return null;
    }
    if (card) card.hidden = false;
    deptTable.parentElement.hidden = false;
    deptNote.hidden = depts.length > 0;
    setText(deptNote, 'No department has figures in this period.');
    const skip = new Set(['name', 'department', 'label', 'department_label']);
    const keys = [];
    for (const d of depts) for (const k of Object.keys(d)) if (!skip.has(k) && !keys.includes(k)) keys.push(k);
    deptHead.appendChild(el('tr', {}, el('th', {scope: 'col'}, 'Department'),
      keys.map((k) => el('th', {scope: 'col', class: 'num'}, humanize(k)))));
    for (const d of depts) {
      const name = d.name ?? d.department ?? '';
      deptBody.appendChild(el('tr', {dataset: {department: name}},
        el('td', {class: 'label'}, labelled(d.label ?? d.department_label, name)),
        keys.map((k) => el('td', {class: ['num', `fig-${k}`]}, figureText(k, d[k])))));
    }
    return depts;
  }

  function renderCharts(r, depts) {
    clear(charts);
    const made = [];
    const full = charts.clientWidth || 520;
    const cols = full >= 1000 ? 2 : 1;
    charts.style.setProperty('grid-template-columns', `repeat(${cols}, minmax(0, 1fr))`);
    const chartWidth = (full - 24 * (cols - 1)) / cols;
    if (depts && depts.length) {
      const label = (d) => d.label ?? d.department_label ?? d.name ?? d.department ?? '?';
      const countKey = pickKey(depts, ['tickets', 'created', 'count', 'total', 'open'], (v) => typeof v === 'number');
      if (countKey) {
        made.push(barChart(`${humanize(countKey)} per department`, depts.map((d) => ({
          label: label(d), title: d.name, value: chartNumber(countKey, d[countKey]), text: figureText(countKey, d[countKey]),
        })), {width: chartWidth}));
      }
      const onTimeKey = pickKey(depts, ['on_time', 'on_time_percent', 'on_time_pct', 'on_time_rate', 'timeliness', 'met', 'sla_met'],
        (v) => isRatio(v) || typeof v === 'number');
      if (onTimeKey) {
        made.push(barChart('On time per department (%)', depts.map((d) => {
          const value = chartNumber(onTimeKey, d[onTimeKey]);
          const pct = value !== null && !isRatio(d[onTimeKey]) && value <= 1 && !/percent|pct/.test(onTimeKey) ? value * 100 : value;
          return {label: label(d), title: d.name, value: pct, text: pct === null ? '—' : `${pct.toFixed(pct % 1 ? 1 : 0)}%`};
        }), {max: 100, width: chartWidth}));
      }
      const breachKey = pickKey(depts, ['breached', 'breaches'], (v) => typeof v === 'number');
      if (breachKey) {
        made.push(barChart('Breached per department', depts.map((d) => ({
          label: label(d), title: d.name, value: d[breachKey], text: String(d[breachKey] ?? '—'), cls: 'bad',
        })), {width: chartWidth}));
      }
    }
    const sla = Array.isArray(r.sla) ? r.sla.filter(isObj) : [];
    if (sla.length) {
      made.push(barChart('SLA met (%) by clock and priority', sla.map((c) => {
        const v = chartNumber('met', c.met);
        return {label: `${c.priority ?? ''} ${c.metric ?? '?'}`.trim(), title: `${c.metric} ${c.priority_label ?? c.priority ?? ''}`,
                value: v, text: ratioText(c.met) ?? '—'};
      }), {max: 100, width: chartWidth}));
    }
    if (isObj(r.types) && Array.isArray(r.types.shares) && r.types.shares.length) {
      made.push(barChart(`Share by ${r.types.field ?? 'type'} (%)`, r.types.shares.filter(isObj).map((s) => ({
        label: s.label ?? s.type ?? '?', title: s.type, value: chartNumber('share', s.share), text: ratioText(s.share) ?? '—',
      })), {max: 100, width: chartWidth}));
    }
    if (isObj(r.satisfaction) && Array.isArray(r.satisfaction.scores) && r.satisfaction.scores.length) {
      made.push(barChart(`${r.satisfaction.field ?? 'Satisfaction'} scores (%)`, r.satisfaction.scores.filter(isObj).map((s) => ({
        label: s.label ?? String(s.score ?? '?'), title: String(s.score), value: chartNumber('share', s.share), text: ratioText(s.share) ?? '—',
      })), {max: 100, width: chartWidth}));
    }
    if (made.length) charts.append(...made);
    else charts.appendChild(el('p', {class: 'muted'}, 'Nothing to chart in this period.'));
  }

  function simpleTable(caption, headers, rows, id) {
    return el('section', {class: 'card'}, el('h2', {class: 'card-title'}, caption),
      tableWrap(el('table', {class: 'data', id, 'aria-label': caption},
        el('thead', {}, el('tr', {}, headers.map((h, i) => el('th', {scope: 'col', class: i ? 'num' : null}, h)))),
        el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) => el('td', {class: i ? 'num' : 'label'}, c))))))));
  }

  function renderDetails(r) {
    clear(details);
    const cards = [];
    const sla = Array.isArray(r.sla) ? r.sla.filter(isObj) : [];
    if (sla.length) {
      cards.push(simpleTable('SLA met', ['Clock', 'Priority', 'Met'], sla.map((c) => [
        el('code', {}, c.metric ?? '?'), labelled(c.priority_label, c.priority), ratioText(c.met) ?? '—']), 'report-sla'));
    }
    const ext = Array.isArray(r.sla_extensions) ? r.sla_extensions.filter(isObj) : [];
    if (ext.length) {
      cards.push(simpleTable('Extensions', ['Clock', 'Extended', 'Extensions', 'Met after extension'], ext.map((e) => [
        el('code', {}, e.metric ?? '?'), ratioText(e.extended) ?? '—', figureText('extensions', e.extensions), ratioText(e.extended_met) ?? '—'])));
    }
    if (isObj(r.acceptance)) {
      const a = r.acceptance;
      cards.push(simpleTable(`Acceptance (${a.metric ?? 'first response'})`, ['Figure', 'Value'],
        Object.entries(a).filter(([k]) => k !== 'metric').map(([k, v]) => [humanize(k), figureText(k, v)])));
    }
    if (isObj(r.resolution) && Array.isArray(r.resolution.by_type_priority) && r.resolution.by_type_priority.length) {
      cards.push(simpleTable('Resolution time by type and priority', ['Type', 'Priority', 'Tickets', 'Median', 'Mean', 'Max'],
        r.resolution.by_type_priority.filter(isObj).map((c) => {
          const t = isStats(c.time) ? c.time : {};
          return [labelled(c.type_label, c.type), labelled(c.priority_label, c.priority), figureText('tickets', t.tickets ?? 0),
                  formatSeconds(t.median_seconds), formatSeconds(t.mean_seconds), formatSeconds(t.max_seconds)];
        })));
    }
    if (isObj(r.follow_up)) {
      cards.push(simpleTable('Follow-up', ['Figure', 'Value'],
        Object.entries(r.follow_up).map(([k, v]) => [humanize(k), figureText(k, v)])));
    }
    if (isObj(r.satisfaction)) {
      const s = r.satisfaction;
      cards.push(simpleTable(`Satisfaction (${s.field ?? 'survey'})`, ['Figure', 'Value'],
        Object.entries(s).filter(([k]) => k !== 'scores' && k !== 'field').map(([k, v]) => [humanize(k), k === 'mean' && typeof v === 'number' ? v.toFixed(2) : figureText(k, v)])));
    }
    // any other member the report has, shown plainly
    const known = new Set(['about', 'tickets', 'acceptance', 'resolution', 'follow_up', 'types', 'satisfaction', 'sla', 'sla_extensions', 'departments', 'by_department', 'department']);
    const other = Object.entries(r).filter(([k, v]) => !known.has(k) && v !== null && v !== undefined);
    if (other.length) {
      cards.push(simpleTable('Other figures', ['Figure', 'Value'], other.map(([k, v]) => [humanize(k), el('span', {dir: 'auto'}, figureText(k, v))])));
    }
    if (cards.length) details.append(el('div', {class: 'grid grid-2'}, cards));
  }

  function renderAbout(r) {
    clear(about);
    const a = isObj(r.about) ? r.about : {};
    const p = isObj(a.period) ? a.period : {};
    const items = [
      ['Period', `${p.from ?? from.value} – ${p.to && /^\d{4}-\d\d-\d\d$/.test(p.to) ? addDays(p.to, -1) : to.value} inclusive${p.zone ? ` (${p.zone})` : ''}`],
      ['As of', a.as_of ? timeEl(a.as_of) : '—'],
      ['Journal records', figureText('records', a.records)],
      ['Workflow', a.workflow || '—'],
    ];
    about.appendChild(el('dl', {class: 'meta-list'}, items.map(([k, v]) => el('div', {class: 'meta-item'}, el('dt', {}, k), el('dd', {dir: 'auto'}, v)))));
    const rules = Array.isArray(a.rules) ? a.rules.filter(isObj) : [];
    if (rules.length) {
      about.appendChild(el('ul', {class: 'plain small'}, rules.map((x) => el('li', {},
        el('span', {dir: 'auto'}, x.workflow ?? '?'), ' ',
        x.version_id ? el('a', {href: `#/source/${encodeURIComponent(x.version_id)}`, class: 'mono', title: x.version_id}, shortId(x.version_id, 12)) : null,
        x.source ? el('span', {class: 'muted', dir: 'auto'}, ` ${x.source}`) : null,
        x.counted_by ? [' ', badge('counted by', 'info')] : null))));
    }
    const notes = Array.isArray(a.journal_notes) ? a.journal_notes.filter(isObj) : [];
    if (notes.length) {
      about.appendChild(el('ul', {class: 'plain small notes'}, notes.map((n) => el('li', {dir: 'auto'}, badge(n.kind ?? 'note', 'warn'), ' ', n.text ?? ''))));
    }
  }

  // `to` is inclusive here; the service takes the day after the period.
  let sendZone = /\/|^UTC$/.test(localZoneName()) ? localZoneName() : null;
  async function fetchReport() {
    const query = {from: from.value, to: addDays(to.value, 1), workflow: workflow.value || undefined, zone: sendZone || undefined};
    try {
      return await api.get('/v1/report', query);
    } catch (e) {
      if (sendZone && e instanceof ApiError && e.status === 400 && /zone/i.test(e.message)) {
        sendZone = null;  // the service does not know the browser's zone: its default then
        return api.get('/v1/report', {...query, zone: undefined});
      }
      throw e;
    }
  }

  let requestNo = 0;
  async function runReport() {
    const no = ++requestNo;
    ctx.setQuery({from: from.value, to: to.value, workflow: workflow.value}, '/reports');
    clear(output);
    output.appendChild(loadingEl('Computing the report…'));
    resultBox.classList.add('busy');
    run.disabled = true;
    try {
      const data = await fetchReport();
      if (!ctx.alive || no !== requestNo) return;
      const r = isObj(data) ? data : {};
      clear(output);
      resultBox.hidden = false;
      renderSummary(r);
      const depts = renderDepartments(r);
      renderCharts(r, depts);
      renderDetails(r);
      renderAbout(r);
      resultBox.hidden = false;
      ctx.ready();
    } catch (e) {
      if (!ctx.alive || no !== requestNo) return;
      clear(output);
      output.appendChild(errorEl(e, runReport));
      resultBox.hidden = true;
      if (root.dataset.ready !== 'true') ctx.failed(e);
    } finally {
      if (no === requestNo) {
        run.disabled = false;
        resultBox.classList.remove('busy');
      }
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    if (from.value > to.value) {
      clear(output);
      output.appendChild(el('p', {class: 'notice notice-bad', role: 'alert'}, '“From” is after “To”.'));
      return;
    }
    runReport();
  });
  resultBox.hidden = true;
  await runReport();
}
