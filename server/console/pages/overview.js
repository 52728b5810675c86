// Overview: the state graph with counts, counts per state and department,
// what falls due within a window, and the last day's breaches and escalations.

import {api, seg, serviceClock} from '../api.js';
import {el, svg, clear, setText, timeEl, countdownEl, reconcile, badge, labelled, ticketLink,
        tableWrap, errorEl, loadingEl, queryValue, formatLocal} from '../dom.js';

const WINDOWS = [['30m', '30 minutes'], ['2h', '2 hours'], ['8h', '8 hours'], ['1d', '1 day']];
const REFRESH_MS = 5000;

// ---------------------------------------------------------------- graph

const DROP = new Set(['script', 'foreignobject', 'iframe', 'object', 'embed', 'style', 'set',
                      'animate', 'animatemotion', 'animatetransform', 'handler', 'listener']);

// Parses Graphviz's SVG and keeps only drawing: no script, no foreignObject, no
// on* attributes, no link that leaves the document, no inline style (CSP).
export function sanitizeSvg(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
    throw new Error('the graph is not valid SVG');
  }
  const walk = (node) => {
    for (const child of Array.from(node.children)) {
      if (DROP.has(child.localName.toLowerCase())) {
        child.remove();
        continue;
      }
      for (const attr of Array.from(child.attributes)) {
        const name = attr.name.toLowerCase();
        const local = (attr.localName || name).toLowerCase();
        if (name.startsWith('on') || name === 'style') {
          child.removeAttributeNode(attr);
        } else if ((local === 'href' || name === 'xlink:href') && !attr.value.trim().startsWith('#')) {
          child.removeAttributeNode(attr);
        } else if (/^\s*(javascript|data|vbscript):/i.test(attr.value) && local !== 'd' && local !== 'points') {
          child.removeAttributeNode(attr);
        }
      }
      walk(child);
    }
  };
  for (const attr of Array.from(root.attributes)) {
    const name = attr.name.toLowerCase();
    if (name.startsWith('on') || name === 'style' || name === 'width' || name === 'height') root.removeAttributeNode(attr);
  }
  walk(root);
  return root;
}

// State nodes by name: g#state-NAME when the graph has such ids, else each
// g.node by its <title> (Graphviz's ids are node1, node2, ...). The start
// point "[*]" is no state.
export function graphNodes(svgRoot) {
  const nodes = new Map();
  for (const g of svgRoot.querySelectorAll('g')) {
    const id = g.getAttribute('id') || '';
    if (id.startsWith('state-')) {
      nodes.set(id.slice('state-'.length), g);
      continue;
    }
    if (!g.classList.contains('node')) continue;
    const title = Array.from(g.children).find((c) => c.localName === 'title');
    const name = title ? title.textContent.trim() : '';
    if (name && name !== '[*]' && !nodes.has(name)) nodes.set(name, g);
  }
  return nodes;
}

// A rounded badge of `k` SVG units per CSS pixel, so that it reads at any zoom.
function pill(x, y, text, cls, k, anchor = 'middle') {
  const width = (10 + 6.6 * String(text).length) * k;
  const height = 18 * k;
  const left = anchor === 'end' ? x - width : anchor === 'start' ? x : x - width / 2;
  return [
    svg('rect', {class: `${cls}-bg`, x: left.toFixed(1), y: (y - height / 2).toFixed(1), rx: (height / 2).toFixed(1),
                 ry: (height / 2).toFixed(1), width: width.toFixed(1), height: height.toFixed(1)}),
    svg('text', {class: cls, x: (left + width / 2).toFixed(1), y: (y + 4 * k).toFixed(1), 'text-anchor': 'middle',
                 'font-size': (11 * k).toFixed(1)}, String(text)),
  ];
}

// SVG units per CSS pixel of the drawn graph (1 at full size).
function unitsPerPixel(svgRoot) {
  const vb = svgRoot.viewBox && svgRoot.viewBox.baseVal;
  const rect = svgRoot.getBoundingClientRect();
  if (!vb || !vb.width || !rect.width) return 1;
  const scale = Math.min(rect.width / vb.width, rect.height ? rect.height / vb.height : Infinity);
  return scale > 0 && Number.isFinite(scale) ? Math.max(1, 1 / scale) : 1;
}

// Count badges and classes on the nodes (g#state-NAME).
function decorateGraph(graph, states, onOpen) {
  if (!graph.svg) return;
  const k = unitsPerPixel(graph.svg);
  const kSig = k.toFixed(2);
  for (const state of states) {
    const g = graph.nodes.get(state.name);
    if (!g) continue;
    if (g.id !== `state-${state.name}`) g.id = `state-${state.name}`;
    g.classList.add('state-node');
    const count = Number(state.count) || 0;
    const breached = Number(state.breached) || 0;
    const sig = `${count}/${breached}/${kSig}`;
    g.classList.toggle('has-tickets', count > 0);
    g.classList.toggle('has-breach', breached > 0);
    g.classList.toggle(`kind-${state.kind}`, Boolean(state.kind));
    if (g.dataset.sig === sig) continue;
    let box = graph.boxes.get(state.name);
    if (!box) {
      try {
        const b = g.getBBox();
        box = {x: b.x, y: b.y, width: b.width, height: b.height};
      } catch {
        box = null;
      }
      if (box && box.width > 0) graph.boxes.set(state.name, box);
    }
    if (!box) continue;
    g.dataset.sig = sig;
    for (const old of g.querySelectorAll('.badge-layer')) old.remove();
    const layer = svg('g', {class: 'badge-layer', 'aria-hidden': 'true'});
    const cx = box.x + box.width - 4 * k;
    layer.append(...pill(cx, box.y + 2 * k, count, 'count', k));
    if (breached > 0) {
      const countHalf = (10 + 6.6 * String(count).length) * k / 2;
      layer.append(...pill(cx + countHalf + 3 * k, box.y + 2 * k, `${breached} breached`, 'breach-count', k, 'start'));
    }
    g.appendChild(layer);
    const label = `${state.label || state.name}: ${count} ticket${count === 1 ? '' : 's'}${breached ? `, ${breached} breached` : ''}`;
    g.setAttribute('aria-label', label);
    if (!g.hasAttribute('tabindex')) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'link');
      g.addEventListener('click', () => onOpen(state.name));
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          onOpen(state.name);
        }
      });
    }
  }
}

// ---------------------------------------------------------------- page

export async function mount(ctx) {
  const root = ctx.root;
  const sel = {
    workflow: ctx.query.get('workflow') || '',
    window: WINDOWS.some(([w]) => w === ctx.query.get('window')) ? ctx.query.get('window') : '2h',
  };
  const graph = {version: null, svg: null, nodes: new Map(), boxes: new Map(), loading: null};
  let lastData = null;

  const workflowSelect = el('select', {id: 'workflow-select', name: 'workflow'});
  const windowSelect = el('select', {id: 'due-window', name: 'window'},
    WINDOWS.map(([value, label]) => el('option', {value, selected: value === sel.window}, label)));
  const updated = el('span', {class: 'updated muted', 'aria-live': 'off'});
  const warning = el('div', {class: 'refresh-warning', role: 'status', hidden: true});

  const totals = {};
  const totalCard = (key, label, id, cls) => {
    totals[key] = el('span', {id, class: 'total-value'}, '—');
    return el('div', {class: ['total', cls]}, el('span', {class: 'total-label'}, label), totals[key]);
  };
  const windowLabel = el('span', {}, sel.window);
  const totalsRow = el('div', {class: 'totals'},
    totalCard('open', 'Open tickets', 'total-open'),
    totalCard('breached', 'Breached', 'total-breached', 'total-bad'),
    totalCard('due', 'Due within window', 'total-due', 'total-warn'),
    totalCard('closed', 'Closed', 'total-closed', 'total-quiet'));

  const graphBox = el('div', {id: 'state-graph', class: 'graph fit', role: 'group', 'aria-label': 'State graph of the workflow'}, loadingEl('Drawing the graph…'));
  const graphNote = el('p', {class: 'muted small'}, 'The badge of a state counts its open tickets; a red one says how many breached. Select a state to list its tickets.');
  const zoom = el('button', {type: 'button', id: 'graph-zoom', class: 'button button-quiet', 'aria-pressed': 'false'}, 'Full size');

  const stateBody = el('tbody');
  const stateTable = el('table', {id: 'state-counts', class: 'data', 'aria-label': 'Tickets per state'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'State'), el('th', {scope: 'col'}, 'Kind'),
      el('th', {scope: 'col', class: 'num'}, 'Tickets'), el('th', {scope: 'col', class: 'num'}, 'Breached'),
      el('th', {scope: 'col', class: 'num'}, 'Due'))),
    stateBody);

  const deptBody = el('tbody');
  const deptTable = el('table', {id: 'department-counts', class: 'data', 'aria-label': 'Tickets per department'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'Department'),
      el('th', {scope: 'col', class: 'num'}, 'Tickets'), el('th', {scope: 'col', class: 'num'}, 'Breached'))),
    deptBody);

  const dueBody = el('tbody');
  const dueTable = el('table', {id: 'due-list', class: 'data', 'aria-label': 'Due and breached tickets'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'Ticket'), el('th', {scope: 'col'}, 'State'),
      el('th', {scope: 'col'}, 'Priority'), el('th', {scope: 'col'}, 'Clock'), el('th', {scope: 'col'}, 'Due'),
      el('th', {scope: 'col'}, 'Countdown'))),
    dueBody);
  const dueEmpty = el('p', {class: 'empty muted', hidden: true});
  const dueTitle = el('h2', {class: 'card-title'}, 'Due within ', windowLabel, ' and breached');

  const recentBreaches = el('span', {id: 'recent-breaches', class: 'total-value'}, '—');
  const recentEscalations = el('span', {id: 'recent-escalations', class: 'total-value'}, '—');
  const recentList = el('ul', {id: 'recent-list', class: 'event-list'});
  const recentEmpty = el('p', {class: 'empty muted', hidden: true}, 'No breach nor escalation in the last 24 hours.');
  const recentSince = el('span', {class: 'muted small'});

  const content = el('div', {class: 'page-body', hidden: true},
    totalsRow,
    el('div', {class: 'grid grid-2'},
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Tickets per state'), tableWrap(stateTable)),
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Tickets per department'), tableWrap(deptTable))),
    el('section', {class: 'card'},
      el('div', {class: 'card-head'}, el('h2', {class: 'card-title'}, 'State graph'), zoom),
      graphBox, graphNote),
    el('div', {class: 'grid grid-2'},
      el('section', {class: 'card'}, dueTitle, tableWrap(dueTable), dueEmpty),
      el('section', {class: 'card'},
      el('h2', {class: 'card-title'}, 'Last 24 hours ', recentSince),
      el('div', {class: 'totals totals-small'},
        el('div', {class: 'total total-bad'}, el('span', {class: 'total-label'}, 'Breaches'), recentBreaches),
        el('div', {class: 'total total-warn'}, el('span', {class: 'total-label'}, 'Escalations'), recentEscalations)),
      recentList, recentEmpty)));

  const status = el('div', {class: 'page-status'}, loadingEl());
  clear(root);
  root.append(
    el('div', {class: 'page-head'},
      el('h1', {}, 'Overview'),
      el('div', {class: 'controls'},
        el('label', {class: 'control'}, el('span', {}, 'Workflow'), workflowSelect),
        el('label', {class: 'control'}, el('span', {}, 'Due within'), windowSelect),
        updated)),
    warning, status, content);

  const openState = (name) => {
    const wf = lastData && lastData.workflow ? `&workflow=${queryValue(lastData.workflow)}` : '';
    location.hash = `#/tickets?state=${queryValue(name)}${wf}`;
  };

  async function loadGraph(version) {
    if (!version || graph.version === version) return;
    graph.version = version;
    try {
      const text = await api.text(`/v1/versions/${seg(version)}/graph.svg`);
      if (!ctx.alive || graph.version !== version) return;
      const clean = sanitizeSvg(text);
      const imported = document.importNode(clean, true);
      imported.setAttribute('class', 'state-graph-svg');
      imported.setAttribute('focusable', 'false');
      imported.setAttribute('preserveAspectRatio', 'xMidYMin meet');
      clear(graphBox);
      graphBox.appendChild(imported);
      graph.svg = imported;
      graph.nodes = graphNodes(imported);
      graph.boxes = new Map();
      if (graph.applyZoom) graph.applyZoom();
    } catch (e) {
      if (!ctx.alive) return;
      graph.svg = null;
      clear(graphBox);
      graphBox.appendChild(errorEl(e));
    }
  }

  function fillWorkflows(data) {
    const names = Array.isArray(data.workflows) ? data.workflows : (data.workflow ? [data.workflow] : []);
    const current = Array.from(workflowSelect.options).map((o) => o.value).join('\n');
    if (current !== names.join('\n')) {
      clear(workflowSelect);
      for (const name of names) workflowSelect.appendChild(el('option', {value: name}, name));
    }
    if (data.workflow) workflowSelect.value = data.workflow;
    workflowSelect.disabled = names.length <= 1;
  }

  function render(data) {
    lastData = data;
    fillWorkflows(data);
    setText(windowLabel, WINDOWS.find(([w]) => w === (data.window || sel.window))?.[1] ?? data.window ?? sel.window);
    const t = data.totals || {};
    for (const key of ['open', 'breached', 'due', 'closed']) setText(totals[key], t[key] ?? '—');
    totalsRow.querySelector('.total-bad').classList.toggle('alert', Number(t.breached) > 0);

    const states = Array.isArray(data.states) ? data.states : [];
    reconcile(stateBody, states, (s) => s.name, (s) => JSON.stringify(s), (s) => {
      const breached = Number(s.breached) || 0;
      return el('tr', {dataset: {state: s.name}, class: breached ? 'has-breach' : null},
        el('td', {class: 'label'}, el('a', {href: `#/tickets?state=${queryValue(s.name)}${data.workflow ? `&workflow=${queryValue(data.workflow)}` : ''}`}, labelled(s.label, s.name))),
        el('td', {class: 'kind'}, s.kind && s.kind !== 'normal' ? badge(s.kind, s.kind === 'final' ? 'quiet' : 'info') : el('span', {class: 'muted'}, '—')),
        el('td', {class: 'count num'}, String(s.count ?? 0)),
        el('td', {class: 'breached num'}, breached ? badge(`${breached} breached`, 'bad') : el('span', {class: 'muted'}, '0')),
        el('td', {class: 'due num'}, String(s.due ?? 0)));
    });

    const depts = Array.isArray(data.departments) ? data.departments : [];
    reconcile(deptBody, depts, (d) => d.name, (d) => JSON.stringify(d), (d) => {
      const breached = Number(d.breached) || 0;
      return el('tr', {dataset: {department: d.name}, class: breached ? 'has-breach' : null},
        el('td', {class: 'label'}, el('a', {href: `#/tickets?department=${queryValue(d.name)}`}, labelled(d.label, d.name))),
        el('td', {class: 'count num'}, String(d.count ?? 0)),
        el('td', {class: 'breached num'}, breached ? badge(`${breached} breached`, 'bad') : el('span', {class: 'muted'}, '0')));
    });

    const due = Array.isArray(data.due) ? data.due : [];
    const now = serviceClock.now();
    reconcile(dueBody, due, (d) => `${d.id}|${d.metric}`, (d) => JSON.stringify(d), (d) =>
      el('tr', {dataset: {ticket: d.id}, class: d.breached ? 'breached' : null},
        el('td', {}, ticketLink(d.id)),
        el('td', {}, labelled(d.state_label, d.state)),
        el('td', {}, d.priority ? badge(d.priority, 'priority') : '—'),
        el('td', {}, el('code', {}, d.metric ?? '—')),
        el('td', {}, timeEl(d.due_at)),
        el('td', {}, d.breached ? badge('breached', 'bad') : null, ' ', countdownEl(d.due_at, d.breached, now))));
    dueTable.hidden = due.length === 0;
    dueEmpty.hidden = due.length > 0;
    setText(dueEmpty, `Nothing falls due within ${windowLabel.textContent}, and nothing is breached.`);

    const recent = data.recent || {};
    setText(recentBreaches, recent.breaches ?? 0);
    setText(recentEscalations, recent.escalations ?? 0);
    clear(recentSince);
    if (recent.since) recentSince.append('since ', timeEl(recent.since));
    const items = Array.isArray(recent.items) ? recent.items : [];
    reconcile(recentList, items, (i) => i.seq, (i) => JSON.stringify(i), (i) =>
      el('li', {dataset: {seq: i.seq}, class: `kind-${i.kind}`},
        timeEl(i.at), ' ',
        badge(i.kind, i.kind === 'breach' ? 'bad' : 'warn'), ' ',
        ticketLink(i.ticket), ' ',
        i.metric ? el('code', {}, i.metric) : null, ' ',
        i.rule ? el('code', {class: 'rule muted', title: 'rule'}, i.rule) : null));
    recentEmpty.hidden = items.length > 0;

    decorateGraph(graph, states, openState);
    const nowMs = data.now ? Date.parse(data.now) : NaN;
    setText(updated, `As of ${formatLocal(Number.isFinite(nowMs) ? nowMs : Date.now())}`);
    updated.title = data.now ? `the service's clock, UTC ${data.now}` : '';
  }

  let first = true;
  async function load() {
    try {
      const data = await api.get('/v1/overview', {workflow: sel.workflow || undefined, window: sel.window});
      if (!ctx.alive) return;
      await loadGraph(data.version);
      if (!ctx.alive) return;
      if (first) {
        // shown before rendering: the graph's badges need a laid-out SVG
        status.remove();
        content.hidden = false;
      }
      render(data);
      warning.hidden = true;
      if (first) {
        first = false;
        ctx.ready();
      }
    } catch (e) {
      if (!ctx.alive) return;
      if (first) {
        ctx.showError(status, e, () => {
          clear(status);
          status.appendChild(loadingEl());
          load();
        });
      } else {
        warning.hidden = false;
        setText(warning, `Refresh failed (${e.code}: ${e.message}); showing the last data.`);
      }
    }
  }

  const redraw = () => {
    if (!graph.svg || !lastData) return;
    for (const g of graph.nodes.values()) delete g.dataset.sig;
    decorateGraph(graph, Array.isArray(lastData.states) ? lastData.states : [], openState);
  };
  const applyZoom = () => {
    const full = graphBox.classList.contains('full');
    const svgRoot = graph.svg;
    if (!svgRoot) return;
    const vb = svgRoot.viewBox && svgRoot.viewBox.baseVal;
    if (full && vb && vb.width) {
      svgRoot.style.width = `${Math.round(vb.width * 4 / 3)}px`;  // Graphviz's units are points
    } else {
      svgRoot.style.removeProperty('width');
    }
  };
  graph.applyZoom = applyZoom;
  zoom.addEventListener('click', () => {
    const full = graphBox.classList.toggle('full');
    graphBox.classList.toggle('fit', !full);
    applyZoom();
    zoom.setAttribute('aria-pressed', String(full));
    setText(zoom, full ? 'Fit to width' : 'Full size');
    redraw();
  });
  if (typeof ResizeObserver === 'function') {
    let last = 0;
    const observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (Math.abs(w - last) > 40) {
        last = w;
        redraw();
      }
    });
    observer.observe(graphBox);
    ctx.onCleanup(() => observer.disconnect());
  }

  workflowSelect.addEventListener('change', () => {
    sel.workflow = workflowSelect.value;
    ctx.setQuery({workflow: sel.workflow, window: sel.window !== '2h' ? sel.window : ''}, '/overview');
    load();
  });
  windowSelect.addEventListener('change', () => {
    sel.window = windowSelect.value;
    ctx.setQuery({workflow: sel.workflow, window: sel.window !== '2h' ? sel.window : ''}, '/overview');
    load();
  });

  await load();
  ctx.every(REFRESH_MS, load);
}
