// Tickets: filters kept in the hash, cursor paging, one page rendered at a time.

import {api, serviceClock} from '../api.js';
import {el, clear, setText, timeEl, countdownEl, reconcile, badge, labelled, ticketLink,
        tableWrap, loadingEl, errorEl, debounce, parseTime} from '../dom.js';

const PAGE_SIZE = 50;
const REFRESH_MS = 5000;
const DUE = [['', 'any time'], ['30m', '30 minutes'], ['2h', '2 hours'], ['8h', '8 hours'], ['1d', '1 day'], ['3d', '3 days']];
const FILTERS = ['workflow', 'state', 'department', 'category', 'priority', 'due_within', 'breached', 'q'];

// ---------------------------------------------------------------- what a workflow names

const metaCache = new Map();

// States, departments, categories, priorities and fields of a workflow (its
// current version) with their labels, as GET /v1/workflows gives them: the
// service's compiled rules, never the rule text read again here.
export async function workflowMeta(workflow) {
  const key = workflow || '';
  const cached = metaCache.get(key);
  if (cached && Date.now() - cached.at < 60000) return cached.promise;
  const promise = (async () => {
    const answer = await api.get('/v1/workflows');
    const all = Array.isArray(answer.workflows) ? answer.workflows : [];
    const chosen = all.find((w) => w.name === workflow) || all[0] || {};
    const list = (v) => (Array.isArray(v) ? v : []);
    return {
      workflow: chosen.name ?? workflow ?? '',
      workflows: all.map((w) => w.name),
      version: chosen.version ?? null,
      states: list(chosen.states),
      departments: list(chosen.departments),
      categories: list(chosen.categories),
      priorities: list(chosen.priorities),
      fields: list(chosen.fields),
    };
  })();
  metaCache.set(key, {at: Date.now(), promise});
  promise.catch(() => metaCache.delete(key));
  return promise;
}

export function labelMap(list) {
  const map = new Map();
  for (const item of list || []) if (item && item.name) map.set(item.name, item.label || null);
  return map;
}

// The clocks of a ticket, whatever the server calls them.
export function ticketClocks(t) {
  if (Array.isArray(t.clocks)) return t.clocks;
  if (Array.isArray(t.sla)) return t.sla;
  return [];
}

// The soonest next_due of a ticket's clocks, and whether one breached.
export function nextDue(t) {
  let soonest = null;
  let breached = false;
  for (const c of ticketClocks(t)) {
    if (c.breached) breached = true;
    const ms = parseTime(c.next_due);
    if (ms !== null && (c.status === undefined || c.status === 'running') && (soonest === null || ms < soonest.ms)) {
      soonest = {ms, iso: c.next_due, metric: c.metric, breached: Boolean(c.breached)};
    }
  }
  return {soonest, breached};
}

// ---------------------------------------------------------------- page

export async function mount(ctx) {
  const root = ctx.root;
  const filters = {};
  for (const name of FILTERS) filters[name] = ctx.query.get(name) || '';
  if (filters.breached && filters.breached !== 'true') filters.breached = '';

  let cursors = [null];   // the cursor of each page shown so far; the last is this page's
  let lastPage = null;
  let requestNo = 0;
  let meta = null;

  const selects = {};
  const mkSelect = (name, label) => {
    selects[name] = el('select', {name, id: `filter-${name}`});
    return el('label', {class: 'control'}, el('span', {}, label), selects[name]);
  };
  const breachedBox = el('input', {type: 'checkbox', name: 'breached', id: 'filter-breached', value: 'true', checked: filters.breached === 'true'});
  const search = el('input', {type: 'search', name: 'q', id: 'filter-q', placeholder: 'Id or text', value: filters.q, autocomplete: 'off', dir: 'auto'});
  const clearButton = el('button', {type: 'button', class: 'button button-quiet', id: 'filter-clear'}, 'Clear filters');
  const form = el('form', {id: 'ticket-filters', class: 'filters card', role: 'search', 'aria-label': 'Ticket filters'},
    el('label', {class: 'control control-wide'}, el('span', {}, 'Search'), search),
    mkSelect('workflow', 'Workflow'),
    mkSelect('state', 'State'),
    mkSelect('department', 'Department'),
    mkSelect('category', 'Category'),
    mkSelect('priority', 'Priority'),
    mkSelect('due_within', 'Due within'),
    el('label', {class: 'control control-check'}, breachedBox, el('span', {}, 'Breached only')),
    el('div', {class: 'control control-buttons'}, clearButton));

  const total = el('span', {id: 'ticket-total'}, '—');
  const range = el('span', {class: 'muted'});
  const prev = el('button', {type: 'button', id: 'prev-page', class: 'button', disabled: true}, '← Previous');
  const next = el('button', {type: 'button', id: 'next-page', class: 'button', disabled: true}, 'Next →');
  const tbody = el('tbody');
  const table = el('table', {id: 'ticket-table', class: 'data', 'aria-label': 'Tickets'},
    el('thead', {}, el('tr', {},
      ['Ticket', 'State', 'Priority', 'Category', 'Departments', 'Next due', 'Breached', 'Updated']
        .map((h) => el('th', {scope: 'col'}, h)))),
    tbody);
  const empty = el('p', {class: 'empty muted', hidden: true}, 'No ticket matches these filters.');
  const tableError = el('div', {hidden: true});
  const listCard = el('section', {class: 'card'},
    el('div', {class: 'card-head'},
      el('h2', {class: 'card-title'}, total, ' ', el('span', {class: 'total-unit'}, 'tickets'), ' ', range),
      el('div', {class: 'pager'}, prev, next)),
    tableError, tableWrap(table), empty);

  clear(root);
  root.append(el('div', {class: 'page-head'}, el('h1', {}, 'Tickets')), form, listCard);

  function fillSelect(name, items, anyLabel, labels) {
    const select = selects[name];
    const value = filters[name];
    clear(select);
    select.appendChild(el('option', {value: ''}, anyLabel));
    let found = value === '';
    for (const item of items) {
      const v = typeof item === 'string' ? item : item.name;
      const label = typeof item === 'string' ? (labels && labels.get(item)) : item.label;
      if (v === value) found = true;
      select.appendChild(el('option', {value: v}, label && label !== v ? `${label} (${v})` : v));
    }
    if (!found) select.appendChild(el('option', {value}, value));
    select.value = value;
  }

  async function loadMeta() {
    try {
      meta = await workflowMeta(filters.workflow);
    } catch {
      meta = {workflows: [], states: [], departments: [], categories: [], priorities: []};
    }
    if (!ctx.alive) return;
    fillSelect('workflow', meta.workflows, 'All workflows');
    fillSelect('state', meta.states, 'Any state');
    fillSelect('department', meta.departments, 'Any department');
    fillSelect('category', meta.categories, 'Any category');
    fillSelect('priority', meta.priorities, 'Any priority');
    fillSelect('due_within', DUE.slice(1).map(([name, label]) => ({name, label})), 'Any time');
    const dueSelect = selects.due_within;
    for (const o of dueSelect.options) if (o.value) o.textContent = DUE.find(([v]) => v === o.value)?.[1] ?? o.value;
  }

  const stateLabels = () => labelMap(meta && meta.states);
  const catLabels = () => labelMap(meta && meta.categories);
  const deptLabels = () => labelMap(meta && meta.departments);
  const prioLabels = () => labelMap(meta && meta.priorities);

  function row(t) {
    const {soonest, breached} = nextDue(t);
    const depts = Array.isArray(t.departments) ? t.departments : [];
    const dl = deptLabels();
    const pl = prioLabels();
    const cl = catLabels();
    return el('tr', {dataset: {ticket: t.id}, class: [breached ? 'breached' : null, t.closed ? 'closed' : null]},
      el('td', {class: 'id'}, ticketLink(t.id)),
      el('td', {class: 'state'}, labelled(t.state_label || stateLabels().get(t.state), t.state),
        t.closed ? [' ', badge('closed', 'quiet')] : null),
      el('td', {}, t.priority ? badge(t.priority, 'priority', pl.get(t.priority) || undefined) : el('span', {class: 'muted'}, '—')),
      el('td', {}, t.category ? labelled(cl.get(t.category), t.category) : el('span', {class: 'muted'}, '—')),
      el('td', {class: 'departments'}, depts.length
        ? depts.map((d, i) => [i ? ', ' : '', el('span', {dir: 'auto', title: d}, dl.get(d) || d)])
        : el('span', {class: 'muted'}, '—')),
      el('td', {class: 'due'}, soonest
        ? [countdownEl(soonest.iso, soonest.breached, serviceClock.now()), el('span', {class: 'muted small'}, ` ${soonest.metric ?? ''}`)]
        : el('span', {class: 'muted'}, '—')),
      el('td', {class: 'breach'}, breached ? badge('breached', 'bad') : el('span', {class: 'muted'}, 'no')),
      el('td', {}, timeEl(t.updated_at)));
  }

  function query(after) {
    const q = {limit: PAGE_SIZE};
    for (const name of FILTERS) if (filters[name]) q[name] = filters[name];
    if (after) q.after = after;
    return q;
  }

  const metaDone = loadMeta();
  let readyOnce = false;
  async function load({quiet = false} = {}) {
    const no = ++requestNo;
    const after = cursors[cursors.length - 1];
    if (!quiet) listCard.classList.add('busy');
    listCard.setAttribute('aria-busy', 'true');
    try {
      const data = await api.get('/v1/tickets', query(after));
      await metaDone;  // labels first, so that rows are drawn once
      if (!ctx.alive || no !== requestNo) return;
      lastPage = data;
      const tickets = Array.isArray(data.tickets) ? data.tickets : [];
      tableError.hidden = true;
      reconcile(tbody, tickets, (t) => t.id, (t) => JSON.stringify(t), row);
      table.hidden = tickets.length === 0;
      empty.hidden = tickets.length > 0;
      const count = data.total ?? data.count ?? tickets.length;
      setText(total, count);
      const start = (cursors.length - 1) * PAGE_SIZE;
      setText(range, tickets.length ? `· showing ${start + 1}–${start + tickets.length}, page ${cursors.length}` : '');
      prev.disabled = cursors.length <= 1;
      next.disabled = !data.next;
      if (!readyOnce) {
        readyOnce = true;
        ctx.ready();
      }
    } catch (e) {
      if (!ctx.alive || no !== requestNo) return;
      if (quiet && lastPage) return;
      clear(tableError);
      tableError.appendChild(errorEl(e, () => load()));
      tableError.hidden = false;
      table.hidden = true;
      empty.hidden = true;
      if (!readyOnce) ctx.failed(e);
    } finally {
      if (no === requestNo) {
        listCard.classList.remove('busy');
        listCard.removeAttribute('aria-busy');
      }
    }
  }

  function apply() {
    cursors = [null];
    ctx.setQuery(filters, '/tickets');
    load();
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    runSearch.cancel();
    filters.q = search.value.trim();
    apply();
  });
  form.addEventListener('change', async (ev) => {
    const t = ev.target;
    if (t === search) return;
    if (t === breachedBox) {
      filters.breached = breachedBox.checked ? 'true' : '';
    } else if (t.name && t.name in filters) {
      filters[t.name] = t.value;
      // another workflow names other states, departments, ...: keep what was
      // chosen (the server answers for values it does not know)
      if (t.name === 'workflow') await loadMeta();
    }
    apply();
  });
  const runSearch = debounce(() => {
    const value = search.value.trim();
    if (value === filters.q) return;
    filters.q = value;
    apply();
  }, 300);
  search.addEventListener('input', runSearch);
  clearButton.addEventListener('click', async () => {
    for (const name of FILTERS) filters[name] = '';
    search.value = '';
    breachedBox.checked = false;
    await loadMeta();
    apply();
  });
  prev.addEventListener('click', () => {
    if (cursors.length > 1) {
      cursors.pop();
      load();
    }
  });
  next.addEventListener('click', () => {
    if (lastPage && lastPage.next) {
      cursors.push(lastPage.next);
      load();
    }
  });
  ctx.onCleanup(() => runSearch.cancel());

  tbody.appendChild(el('tr', {class: 'loading-row'}, el('td', {colspan: '8'}, loadingEl())));
  await load();
  for (const r of tbody.querySelectorAll('tr.loading-row')) r.remove();
  ctx.every(REFRESH_MS, () => load({quiet: true}));
}
