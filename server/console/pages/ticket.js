// One ticket: header, fields, clocks, approval, the actions the signed-in actor
// may take (with a form generated from the rules), and the whole journal.

import {api, seg, serviceClock, ApiError} from '../api.js';
import {el, add, clear, setText, timeEl, countdownEl, reconcile, badge, labelled, valueEl, clampText,
        ruleLink, tableWrap, loadingEl, errorEl, shortId} from '../dom.js';
import {workflowMeta, labelMap, ticketClocks} from './tickets.js';

const POLL_MS = 2000;

const KIND_STYLE = {
  transition: 'info', rejection: 'bad', breach: 'bad', escalation: 'warn', warning: 'warn',
  approval: 'ok', approval_timeout: 'warn', timer: 'quiet', migration: 'info',
};

// ---------------------------------------------------------------- helpers

export function fieldsOf(ticket, labels) {
  if (Array.isArray(ticket.field_details)) {
    return ticket.field_details.map((x) => ({...x, label: x.label || labels.get(x.name) || null}));
  }
  const f = ticket.fields;
  if (Array.isArray(f)) return f.map((x) => ({...x, label: x.label ?? labels.get(x.name) ?? null}));
  if (f && typeof f === 'object') {
    return Object.entries(f).map(([name, value]) => ({name, value, label: labels.get(name) ?? null}));
  }
  return [];
}

function approvalOf(ticket) {
  if (ticket.approval !== undefined) return ticket.approval;
  if (ticket.pending_approval !== undefined) return ticket.pending_approval;
  return null;
}

const pad = (n) => String(n).padStart(2, '0');

// datetime-local "2026-11-23T17:00" -> "2026-11-23T17:00:00+08:00" (the browser's offset then)
export function localToIso(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(value || '');
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
  if (Number.isNaN(d.getTime())) return null;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] || '00'}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// The JSON value an input's text stands for, by the field's type.
export function inputValue(type, raw) {
  const text = typeof raw === 'string' ? raw : String(raw ?? '');
  if (text.trim() === '') return undefined;
  switch (type) {
    case 'int':
    case 'number':
    case 'money': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`not a number: ${text}`);
      return n;
    }
    case 'bool':
      return text === 'true';
    case 'timestamp': {
      const iso = localToIso(text);
      if (!iso) throw new Error(`not a date and time: ${text}`);
      return iso;
    }
    default:
      return text;
  }
}

function describeValue(v) {
  if (v === null || v === undefined) return 'unset';
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 60)}…` : v;
  return String(v);
}

// ---------------------------------------------------------------- page

export async function mount(ctx) {
  const id = ctx.params.id;
  const root = ctx.root;
  root.dataset.ticket = id;

  let ticket = null;
  let records = [];
  let actions = null;
  let meta = null;
  let openForm = null;  // {event, form, button}
  let lastSeq = 0;

  const fieldLabels = new Map();
  const stateLabels = () => labelMap(meta && meta.states);

  // header
  const title = el('h1', {class: 'ticket-id', dir: 'auto'}, id);
  const stateEl = el('span', {id: 'ticket-state', class: 'state-chip'});
  const closedEl = el('span', {class: 'closed-slot'});
  const metaList = el('dl', {class: 'meta-list'});
  const header = el('section', {class: 'card ticket-head'},
    el('div', {class: 'ticket-title'}, title, stateEl, closedEl), metaList);

  // actions
  const actionsBox = el('div', {id: 'ticket-actions', class: 'action-buttons', role: 'group', 'aria-label': 'Actions'});
  const actionsNote = el('p', {class: 'muted small'});
  const formSlot = el('div', {class: 'form-slot'});
  const notice = el('p', {id: 'event-result', class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true});
  const actionsCard = el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Actions'), actionsBox, actionsNote, notice, formSlot);

  // fields, clocks, approval
  const fieldsBody = el('tbody');
  const fieldsTable = el('table', {id: 'ticket-fields', class: 'data fields', 'aria-label': 'Fields'},
    el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'Field'), el('th', {scope: 'col'}, 'Value'))), fieldsBody);
  const clocksBox = el('div', {id: 'ticket-clocks', class: 'clocks'});
  const approvalBox = el('div', {id: 'ticket-approval', class: 'approval'});

  // timeline
  const timeline = el('ol', {id: 'timeline', class: 'timeline'});
  const timelineCount = el('span', {class: 'muted small'});

  const status = el('div', {class: 'page-status'}, loadingEl());
  const pollWarning = el('div', {class: 'refresh-warning', role: 'status', hidden: true});
  const body = el('div', {class: 'page-body', hidden: true},
    header,
    actionsCard,
    el('div', {class: 'grid grid-ticket'},
      el('div', {class: 'stack'},
        el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'SLA clocks'), clocksBox),
        el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Approval'), approvalBox)),
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Fields'), tableWrap(fieldsTable))),
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Timeline ', timelineCount), timeline));

  clear(root);
  root.append(
    el('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'}, el('a', {href: '#/tickets'}, 'Tickets'), ' / ', el('span', {dir: 'auto'}, id)),
    pollWarning, status, body);

  // ---------------------------------------------------------------- render: header

  function renderHeader(t) {
    stateEl.dataset.state = t.state ?? '';
    clear(stateEl);
    stateEl.append(...labelled(t.state_label || stateLabels().get(t.state), t.state));
    stateEl.classList.toggle('is-closed', Boolean(t.closed));
    clear(closedEl);
    if (t.closed) closedEl.appendChild(badge('closed', 'quiet'));
    const departments = Array.isArray(t.departments) ? t.departments : [];
    const dl = labelMap(meta && meta.departments);
    const pl = labelMap(meta && meta.priorities);
    const cl = labelMap(meta && meta.categories);
    const rows = [
      ['Workflow', el('span', {dir: 'auto'}, t.workflow ?? '—')],
      ['Version', t.version ? el('a', {href: `#/source/${encodeURIComponent(t.version)}`, title: `version ${t.version}: its rules`, class: 'mono'}, shortId(t.version, 12)) : '—'],
      ['Priority', t.priority ? [badge(t.priority, 'priority'), pl.get(t.priority) ? el('span', {dir: 'auto'}, ` ${pl.get(t.priority)}`) : null] : el('span', {class: 'muted'}, 'not yet')],
      ['Category', t.category ? labelled(cl.get(t.category), t.category) : el('span', {class: 'muted'}, 'not yet')],
      ['Assignee', t.assignee ? el('code', {dir: 'auto'}, t.assignee) : el('span', {class: 'muted'}, '—')],
      ['Departments', departments.length ? departments.map((d, i) => [i ? ', ' : '', el('span', {dir: 'auto', title: d}, dl.get(d) || d)]) : el('span', {class: 'muted'}, '—')],
      ['Requester', t.requester ? el('span', {dir: 'auto'}, t.requester) : el('span', {class: 'muted'}, '—')],
      ['Created', timeEl(t.created_at)],
      ['Updated', timeEl(t.updated_at)],
    ];
    const sig = JSON.stringify([t.workflow, t.version, t.priority, t.category, t.assignee, departments, t.requester, t.created_at, t.updated_at, Boolean(meta)]);
    if (metaList.dataset.sig === sig) return;
    metaList.dataset.sig = sig;
    clear(metaList);
    for (const [label, value] of rows) {
      metaList.append(el('div', {class: 'meta-item'}, el('dt', {}, label), el('dd', {}, value)));
    }
  }

  // ---------------------------------------------------------------- render: fields

  function fieldValue(f) {
    if (f.type === 'enum' && f.value !== null && f.value !== undefined) {
      const label = f.value_label;
      return label && label !== String(f.value)
        ? [el('span', {class: 'label-text', dir: 'auto'}, label), ' ', el('code', {class: 'name', dir: 'auto'}, String(f.value))]
        : [el('code', {class: 'name', dir: 'auto'}, String(f.value))];
    }
    if (f.type === 'bool' && typeof f.value === 'boolean') return el('span', {class: 'bool'}, f.value ? 'yes (true)' : 'no (false)');
    const looksTime = typeof f.value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(f.value);
    return valueEl(f.value, {type: f.type === 'timestamp' || (!f.type && looksTime) ? 'timestamp' : f.type, empty: 'unset'});
  }

  function renderFields(t) {
    const fields = fieldsOf(t, fieldLabels);
    reconcile(fieldsBody, fields, (f) => f.name, (f) => JSON.stringify([f.label, f.value, f.value_label, f.type]), (f) =>
      el('tr', {dataset: {field: f.name}, class: f.value === null || f.value === undefined ? 'unset' : null},
        el('td', {class: 'label'}, labelled(f.label, f.name), f.type ? el('span', {class: 'type muted small'}, ` ${f.type}`) : null),
        el('td', {class: 'value'}, fieldValue(f))));
  }

  // ---------------------------------------------------------------- render: clocks

  function renderClocks(t) {
    const clocks = ticketClocks(t);
    const now = serviceClock.now();
    reconcile(clocksBox, clocks, (c) => c.metric, (c) => JSON.stringify(c), (c) => {
      const statusKind = {running: 'info', paused: 'warn', stopped: 'quiet', idle: 'quiet'}[c.status] || 'quiet';
      const none = {paused: 'paused', stopped: 'stopped', idle: 'not started'}[c.status] || 'no time due';
      return el('div', {class: ['clock', c.breached ? 'is-breached' : null], dataset: {metric: c.metric}},
        el('div', {class: 'clock-head'},
          el('code', {class: 'metric'}, c.metric),
          badge(c.status ?? 'unknown', statusKind),
          c.breached ? badge('breached', 'bad') : null),
        el('div', {class: 'clock-due'},
          countdownEl(c.next_due, c.breached, now, (c.status === 'running' && c.next_due) || c.breached ? 'big' : 'quiet', none),
          c.next_due ? el('span', {class: 'muted small'}, ' next threshold ', timeEl(c.next_due)) : null),
        c.explanation ? el('pre', {class: 'explanation', dir: 'auto'}, String(c.explanation)) : el('pre', {class: 'explanation muted'}, 'no explanation'));
    });
    if (!clocks.length && !clocksBox.querySelector('.empty')) clocksBox.appendChild(el('p', {class: 'empty muted'}, 'This workflow measures no SLA clock.'));
    if (clocks.length) for (const e of clocksBox.querySelectorAll('.empty')) e.remove();
  }

  // ---------------------------------------------------------------- render: approval

  function people(list, empty = 'nobody') {
    if (!Array.isArray(list) || !list.length) return el('span', {class: 'muted'}, empty);
    return list.map((p, i) => [i ? ', ' : '', el('span', {class: 'person', dir: 'auto'}, typeof p === 'string' ? p : JSON.stringify(p))]);
  }

  function renderApproval(t) {
    const a = approvalOf(t);
    const sig = JSON.stringify(a);
    if (approvalBox.dataset.sig === sig) return;
    approvalBox.dataset.sig = sig;
    clear(approvalBox);
    if (!a) {
      approvalBox.appendChild(el('p', {class: 'muted'}, 'No approval is pending.'));
      return;
    }
    const votes = Array.isArray(a.votes) ? a.votes : [];
    const rows = [
      ['Chain', el('code', {dir: 'auto'}, a.chain ?? '—')],
      ['Level', [a.level_name ? el('code', {dir: 'auto'}, a.level_name) : null, a.level !== undefined && a.level !== null ? el('span', {class: 'muted'}, ` (level ${a.level})`) : null]],
      ['Proposed by', a.requester ? el('span', {dir: 'auto'}, a.requester) : el('span', {class: 'muted'}, '—')],
      ['Votes', votes.length
        ? el('ul', {class: 'plain'}, votes.map((v) => el('li', {}, el('span', {dir: 'auto'}, v.approver ?? '?'),
          v.level !== undefined ? el('span', {class: 'muted'}, ` at level ${v.level}`) : null)))
        : el('span', {class: 'muted'}, 'none yet')],
      ['Deadline', a.deadline ? [timeEl(a.deadline), ' ', countdownEl(a.deadline, false, serviceClock.now())] : el('span', {class: 'muted'}, 'none')],
    ];
    if (a.roles !== undefined) rows.push(['Roles that may vote', people(a.roles, 'none')]);
    if (a.may_vote !== undefined || a.eligible !== undefined) rows.push(['May still vote', people(a.may_vote ?? a.eligible)]);
    if (a.excluded !== undefined) rows.push(['Excluded', people(a.excluded)]);
    approvalBox.appendChild(el('dl', {class: 'meta-list approval-list'},
      rows.map(([k, v]) => el('div', {class: 'meta-item'}, el('dt', {}, k), el('dd', {}, v)))));
  }

  // ---------------------------------------------------------------- render: timeline

  function stateName(name) {
    if (name === null || name === undefined) return el('span', {class: 'muted'}, '∅');
    const label = stateLabels().get(name);
    return el('span', {class: 'state-ref', title: label ? `${label} (${name})` : name, dir: 'auto'}, label && label !== name ? `${label} ` : '', el('code', {}, name));
  }

  function recordEl(r) {
    const kind = r.kind || 'record';
    const actor = r.actor && typeof r.actor === 'object'
      ? el('span', {class: 'actor'}, el('span', {dir: 'auto'}, r.actor.id ?? '?'),
        Array.isArray(r.actor.roles) && r.actor.roles.length ? el('span', {class: 'muted small'}, ` [${r.actor.roles.join(', ')}]`) : null)
      : el('span', {class: 'actor muted'}, 'system');
    const move = r.kind === 'rejection' || r.to === null || r.to === undefined
      ? [el('span', {class: 'muted'}, 'in '), stateName(r.from)]
      : r.from === r.to ? [el('span', {class: 'muted'}, 'stays in '), stateName(r.to)]
        : [stateName(r.from), el('span', {class: 'arrow', 'aria-label': 'to'}, ' → '), stateName(r.to)];
    const head = el('div', {class: 'rec-head'},
      el('span', {class: 'seq muted'}, `#${r.seq}`),
      timeEl(r.at),
      badge(kind, KIND_STYLE[kind] || 'quiet'),
      actor,
      el('span', {class: 'cause'}, r.cause ? el('span', {class: 'muted'}, `${r.cause}`) : null,
        r.event ? [r.cause ? ' ' : '', el('code', {dir: 'auto'}, r.event)] : null),
      el('span', {class: 'move'}, move),
      r.rule ? ruleLink(r.rule, r.version) : null);
    const parts = [head];
    if (r.rejected || r.kind === 'rejection') {
      parts.push(el('p', {class: 'reason'},
        el('span', {class: 'reason-text', dir: 'auto'}, r.reason ?? 'refused'),
        r.reason_code ? [' ', el('code', {class: 'reason-code'}, r.reason_code)] : null));
    }
    if (r.sla && typeof r.sla === 'object') {
      const s = r.sla;
      parts.push(el('p', {class: 'sla'}, el('code', {}, s.metric ?? 'sla'),
        s.priority ? [' under ', badge(s.priority, 'priority')] : null,
        s.percent !== undefined && s.percent !== null ? ` · ${s.percent}%` : null,
        s.limit ? ` of ${s.limit}` : null,
        s.calendar ? ` in ${s.calendar}` : null,
        s.due ? [' · due ', timeEl(s.due)] : null));
    }
    const changes = Array.isArray(r.changes) ? r.changes : [];
    if (changes.length) {
      parts.push(el('div', {class: 'rec-section'},
        el('span', {class: 'rec-label muted small'}, r.rejected ? 'Would have changed (not applied)' : 'Changes'),
        el('ul', {class: 'changes'}, changes.map((c) => el('li', {},
          el('code', {class: 'field', dir: 'auto'}, c.field), ' ',
          el('span', {class: 'before'}, valueEl(c.before, {limit: 300, type: c.type, empty: 'unset'})),
          el('span', {class: 'arrow', 'aria-label': 'to'}, ' → '),
          el('span', {class: 'after'}, valueEl(c.after, {limit: 300, type: c.type, empty: 'unset'})))))));
    }
    const acts = Array.isArray(r.actions) ? r.actions : [];
    if (acts.length) {
      parts.push(el('div', {class: 'rec-section'},
        el('span', {class: 'rec-label muted small'}, 'Actions'),
        el('ul', {class: 'actions'}, acts.map((a) => el('li', {},
          badge(a.kind ?? 'action', 'quiet'), ' ',
          el('span', {class: 'action-text', dir: 'auto'}, clampText(a.action ?? '', {limit: 300})),
          a.value !== null && a.value !== undefined && a.value !== '' ? [el('span', {class: 'muted'}, ' · '), el('span', {dir: 'auto'}, clampText(String(a.value), {limit: 300}))] : null,
          a.detail ? [el('span', {class: 'muted'}, ' · '), el('span', {class: 'muted', dir: 'auto'}, clampText(String(a.detail), {limit: 300}))] : null,
          a.rule ? [' ', ruleLink(a.rule, r.version)] : null)))));
    }
    const data = Array.isArray(r.data) ? r.data : [];
    if (data.length) {
      const list = el('ul', {class: 'sent'}, data.map((d) => el('li', {},
        el('code', {class: 'field', dir: 'auto'}, d.field), ' = ', valueEl(d.value, {limit: 300}))));
      parts.push(r.rejected
        ? el('div', {class: 'rec-section'}, el('span', {class: 'rec-label muted small'}, 'Sent'), list)
        : el('details', {class: 'rec-section'}, el('summary', {}, `Sent ${data.length} value${data.length === 1 ? '' : 's'}`), list));
    }
    return el('li', {dataset: {seq: r.seq, kind}, class: ['rec', `kind-${kind}`, r.rejected ? 'rejected' : null]}, parts);
  }

  function renderTimeline(list) {
    const sorted = list.slice().sort((a, b) => Number(a.seq) - Number(b.seq));
    const maxSeq = sorted.length ? Number(sorted[sorted.length - 1].seq) : 0;
    const shown = timeline.children.length;
    if (sorted.length < shown || maxSeq < lastSeq) {
      clear(timeline);
      lastSeq = 0;
    }
    const frag = document.createDocumentFragment();
    for (const r of sorted) {
      if (Number(r.seq) > lastSeq) frag.appendChild(recordEl(r));
    }
    timeline.appendChild(frag);
    lastSeq = Math.max(lastSeq, maxSeq);
    setText(timelineCount, `${sorted.length} record${sorted.length === 1 ? '' : 's'}, oldest first`);
  }

  // ---------------------------------------------------------------- actions and the event form

  // The events to offer: `approved` / `rejected` are the chain's own decision
  // while an approval is pending (the engine refuses them as approval_only).
  function offered(data) {
    const events = data && Array.isArray(data.events) ? data.events : [];
    if (!ticket || !approvalOf(ticket)) return events;
    return events.filter((e) => e.event !== 'approved' && e.event !== 'rejected');
  }

  function renderActions(data, err) {
    if (err) {
      clear(actionsBox);
      actionsBox.appendChild(errorEl(err));
      setText(actionsNote, '');
      return;
    }
    const events = offered(data);
    const sl = stateLabels();
    reconcile(actionsBox, events, (e) => e.event, (e) => JSON.stringify([e.label, e.to, e.to_label, e.guard, e.rule]), (e) => {
      const toLabel = e.to_label || (e.to ? sl.get(e.to) : null);
      const button = el('button', {type: 'button', class: 'button action', dataset: {event: e.event},
                                   title: e.guard ? `when ${e.guard}` : undefined, 'aria-controls': 'event-form', 'aria-expanded': 'false'},
        el('span', {class: 'action-name', dir: 'auto'}, e.label && e.label !== e.event ? `${e.label}` : e.event),
        e.label && e.label !== e.event ? el('code', {class: 'small'}, ` ${e.event}`) : null,
        e.to ? el('span', {class: 'action-to small', dir: 'auto'}, ` → ${toLabel || e.to}`) : null);
      button.addEventListener('click', () => showForm(e.event, button));
      return button;
    });
    for (const b of actionsBox.querySelectorAll(':scope > :not([data-key])')) b.remove();
    if (!events.length) {
      setText(actionsNote, ticket && ticket.closed ? 'The ticket is closed.' : 'No event is open to you in this state: your roles take no transition from here.');
    } else {
      setText(actionsNote, 'Choose an event to send; the form asks for what its rule reads first.');
    }
    if (openForm) {
      const still = events.some((e) => e.event === openForm.event);
      openForm.form.classList.toggle('stale', !still);
      setText(openForm.staleNote, still ? '' : 'This event is no longer offered in the ticket\'s state; sending it will most likely be refused.');
    }
  }

  function closeForm(focusButton = true) {
    if (!openForm) return;
    const {event, form} = openForm;
    form.remove();
    openForm = null;
    for (const b of actionsBox.querySelectorAll('button[data-event]')) b.setAttribute('aria-expanded', 'false');
    if (focusButton) {
      const button = Array.from(actionsBox.querySelectorAll('button[data-event]')).find((b) => b.dataset.event === event);
      if (button) button.focus();
    }
  }

  function fieldInput(f) {
    const idFor = `event-field-${f.name}`;
    const current = f.value;
    const required = Boolean(f.required) && (current === null || current === undefined || current === '');
    const common = {name: f.name, id: idFor, required, 'aria-describedby': `${idFor}-hint`, dir: 'auto'};
    let input;
    switch (f.type) {
      case 'enum': {
        const options = Array.isArray(f.enum) ? f.enum : [];
        input = el('select', common,
          el('option', {value: ''}, required ? '— choose —' : '— leave as is —'),
          options.map((o) => {
            const v = typeof o === 'object' && o !== null ? o.value : o;
            const label = typeof o === 'object' && o !== null ? o.label : null;
            return el('option', {value: String(v)}, label && label !== String(v) ? `${label} (${v})` : String(v));
          }));
        break;
      }
      case 'bool':
        input = el('select', common,
          el('option', {value: ''}, required ? '— choose —' : '— leave as is —'),
          el('option', {value: 'true'}, 'yes (true)'),
          el('option', {value: 'false'}, 'no (false)'));
        break;
      case 'int':
      case 'number':
      case 'money':
        input = el('input', {...common, type: 'number', inputmode: f.type === 'int' ? 'numeric' : 'decimal',
                             step: f.type === 'int' ? '1' : f.type === 'money' ? '0.01' : 'any',
                             min: f.min ?? undefined, max: f.max ?? undefined});
        break;
      case 'timestamp':
        input = el('input', {...common, type: 'datetime-local', step: '1'});
        break;
      case 'date':
        input = el('input', {...common, type: 'date'});
        break;
      case 'duration':
        input = el('input', {...common, type: 'text', placeholder: 'e.g. 1h30m', autocomplete: 'off', spellcheck: 'false'});
        break;
      default:
        input = el('input', {...common, type: 'text', autocomplete: 'off'});
    }
    input.dataset.type = f.type || 'text';
    const hint = [];
    hint.push(f.type || 'text');
    if (f.min !== undefined && f.min !== null) hint.push(`min ${f.min}`);
    if (f.max !== undefined && f.max !== null) hint.push(`max ${f.max}`);
    if (f.type === 'timestamp') hint.push('your time zone');
    hint.push(`now: ${describeValue(current)}`);
    return el('div', {class: ['form-field', required ? 'is-required' : null], dataset: {field: f.name}},
      el('label', {for: idFor}, labelled(f.label, f.name),
        required ? el('span', {class: 'required-mark'}, ' required') : f.required ? el('span', {class: 'muted small'}, ' (required, set)') : null),
      input,
      el('span', {id: `${idFor}-hint`, class: 'hint muted small', dir: 'auto'}, hint.join(' · ')));
  }

  function showForm(eventName, button) {
    const spec = actions && Array.isArray(actions.events) ? actions.events.find((e) => e.event === eventName) : null;
    if (!spec) return;
    if (openForm && openForm.event === eventName) {
      const first = openForm.form.querySelector('input, select, textarea, button');
      if (first) first.focus();
      return;
    }
    closeForm(false);
    notice.hidden = true;
    const fields = Array.isArray(spec.fields) ? spec.fields : [];
    const suggested = fields.filter((f) => f.suggested);
    const others = fields.filter((f) => !f.suggested);
    const error = el('div', {id: 'event-error', class: 'event-error', role: 'alert', hidden: true});
    const staleNote = el('p', {class: 'muted small stale-note', role: 'status'});
    const submit = el('button', {type: 'submit', id: 'event-submit', class: 'button button-primary'}, 'Send ', el('code', {}, eventName));
    const cancel = el('button', {type: 'button', id: 'event-cancel', class: 'button'}, 'Cancel');
    const formTitleId = 'event-form-title';
    const form = el('form', {id: 'event-form', class: 'event-form', dataset: {event: eventName}, novalidate: false,
                             'aria-labelledby': formTitleId},
      el('h3', {id: formTitleId}, 'Send ', el('code', {dir: 'auto'}, eventName),
        spec.label && spec.label !== eventName ? el('span', {dir: 'auto'}, ` (${spec.label})`) : null,
        spec.to ? el('span', {class: 'muted', dir: 'auto'}, ` → ${spec.to_label || spec.to}`) : null),
      spec.guard ? el('p', {class: 'guard small'}, 'Allowed when ', el('code', {dir: 'auto'}, spec.guard)) : null,
      spec.rule ? el('p', {class: 'small muted'}, 'Rule ', ruleLink(spec.rule, ticket && ticket.version)) : null,
      staleNote,
      suggested.length ? el('div', {class: 'form-grid'}, suggested.map(fieldInput))
        : (fields.length ? null : el('p', {class: 'muted small'}, 'This event takes no field.')),
      others.length
        ? el('details', {class: 'more-fields', open: suggested.length === 0},
          el('summary', {}, `More fields (${others.length})`),
          el('div', {class: 'form-grid'}, others.map(fieldInput)))
        : null,
      error,
      el('div', {class: 'form-actions'}, submit, cancel, el('span', {class: 'muted small'}, 'Esc closes the form. Only the fields you fill are sent.')));
    cancel.addEventListener('click', () => closeForm());
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        closeForm();
      }
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send(spec, form, submit, error);
    });
    openForm = {event: eventName, form, button, staleNote};
    for (const b of actionsBox.querySelectorAll('button[data-event]')) b.setAttribute('aria-expanded', String(b.dataset.event === eventName));
    formSlot.appendChild(form);
    const first = form.querySelector('input, select, textarea');
    (first || submit).focus();
  }

  function showRefusal(errorBox, err, record) {
    clear(errorBox);
    const code = err.reasonCode || err.code || 'error';
    errorBox.dataset.code = code;
    errorBox.hidden = false;
    add(errorBox,
      el('strong', {}, err.reasonCode ? 'Refused: ' : 'Not sent: '),
      el('span', {class: 'error-message', dir: 'auto'}, err.message),
      el('div', {class: 'error-meta small'},
        el('span', {}, 'code '), el('code', {class: 'reason-code'}, code),
        err.status ? el('span', {class: 'muted'}, ` · HTTP ${err.status}`) : null,
        err.code && err.reasonCode && err.code !== err.reasonCode ? el('span', {class: 'muted'}, ` · ${err.code}`) : null,
        record && record.rule ? [el('span', {class: 'muted'}, ' · rule '), ruleLink(record.rule, record.version || (ticket && ticket.version))] : null));
  }

  async function send(spec, form, submit, errorBox) {
    const data = {};
    errorBox.hidden = true;
    try {
      for (const input of form.querySelectorAll('[name]')) {
        if (!input.name || input.disabled) continue;
        const v = inputValue(input.dataset.type, input.value);
        if (v !== undefined) data[input.name] = v;
      }
    } catch (e) {
      showRefusal(errorBox, new ApiError(0, 'invalid_input', e.message), null);
      return;
    }
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    submit.disabled = true;
    const seqBefore = lastSeq;
    try {
      const answer = await api.post(`/v1/tickets/${seg(id)}/events`, {event: spec.event, data});
      if (!ctx.alive) return;
      closeForm();
      notice.hidden = false;
      notice.className = 'notice notice-ok';
      setText(notice, `${spec.event} accepted${answer && answer.state ? `: the ticket is now in ${answer.state}` : ''}${answer && answer.duplicate ? ' (duplicate)' : ''}.`);
      refresh().catch(() => {});  // the 2 s poll tries again
    } catch (e) {
      if (!ctx.alive) return;
      submit.disabled = false;
      if (!(e instanceof ApiError)) {
        showRefusal(errorBox, new ApiError(0, 'script', String(e)), null);
        return;
      }
      if (e.status === 401) return;
      let record = null;
      if (e.reasonCode) {
        try {
          const tr = await api.get(`/v1/tickets/${seg(id)}/transitions`);
          const list = Array.isArray(tr.records) ? tr.records : [];
          for (let i = list.length - 1; i >= 0; i--) {
            const r = list[i];
            if (r.kind === 'rejection' && Number(r.seq) > seqBefore && (!r.event || r.event === spec.event)) {
              record = r;
              break;
            }
          }
          if (!record) record = list.slice().reverse().find((r) => r.kind === 'rejection') || null;
          if (ctx.alive) renderTimeline(list);
        } catch {
          record = null;
        }
      }
      if (!ctx.alive) return;
      showRefusal(errorBox, e, record);
      errorBox.scrollIntoView({block: 'nearest'});
    }
  }

  document.addEventListener('keydown', onDocKey);
  ctx.onCleanup(() => document.removeEventListener('keydown', onDocKey));
  function onDocKey(ev) {
    if (ev.key === 'Escape' && openForm && !ev.defaultPrevented) {
      ev.preventDefault();
      closeForm();
    }
  }

  // ---------------------------------------------------------------- loading

  let refreshNo = 0;
  let renderedNo = 0;
  async function refresh() {
    const no = ++refreshNo;
    const [t, tr, ac] = await Promise.allSettled([
      api.get(`/v1/tickets/${seg(id)}`),
      api.get(`/v1/tickets/${seg(id)}/transitions`),
      api.get(`/v1/tickets/${seg(id)}/actions`),
    ]);
    if (!ctx.alive || no < renderedNo) return;  // a later answer is drawn already
    if (t.status === 'rejected') throw t.reason;
    renderedNo = no;
    ticket = t.value;
    if (!meta) {
      try {
        meta = await workflowMeta(ticket.workflow);
        for (const f of meta.fields || []) if (!fieldLabels.has(f.name)) fieldLabels.set(f.name, f.label);
      } catch {
        meta = null;
      }
      if (!ctx.alive) return;
    }
    if (ac.status === 'fulfilled') {
      actions = ac.value;
      for (const e of actions.events || []) {
        for (const f of e.fields || []) if (f.label) fieldLabels.set(f.name, f.label);
      }
    }
    renderHeader(ticket);
    renderFields(ticket);
    renderClocks(ticket);
    renderApproval(ticket);
    if (tr.status === 'fulfilled') {
      records = Array.isArray(tr.value.records) ? tr.value.records : [];
      renderTimeline(records);
    } else if (!timeline.children.length) {
      timeline.appendChild(el('li', {class: 'rec'}, errorEl(tr.reason)));
    }
    renderActions(ac.status === 'fulfilled' ? ac.value : null, ac.status === 'rejected' ? ac.reason : null);
  }

  if (!await ctx.firstLoad(refresh, status, body)) return;
  document.title = `${id} · docket`;
  ctx.ready();
  ctx.every(POLL_MS, async () => {
    try {
      await refresh();
      pollWarning.hidden = true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      pollWarning.hidden = false;
      setText(pollWarning, `Refresh failed (${e.code || 'error'}: ${e.message}); showing the last data.`);
    }
  });
}
