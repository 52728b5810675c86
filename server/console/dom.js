// Small DOM helpers. Every piece of text goes in through textContent or text
// nodes: nothing here parses markup, so nothing needs escaping.

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyAttrs(node, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      const names = Array.isArray(value) ? value.filter(Boolean) : String(value).split(/\s+/).filter(Boolean);
      for (const name of names) node.classList.add(name);
    } else if (key === 'text') {
      node.textContent = String(value);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined && v !== null) node.dataset[k] = String(v);
      }
    } else if (key === 'style') {
      // CSSOM only: the CSP forbids style attributes.
      for (const [k, v] of Object.entries(value)) node.style.setProperty(k, String(v));
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value' && 'value' in node && !(node instanceof SVGElement)) {
      node.value = String(value);
    } else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'open' ||
               key === 'required' || key === 'hidden' || key === 'multiple') {
      node[key] = Boolean(value);
      if (key !== 'checked' && key !== 'selected') node.toggleAttribute(key, Boolean(value));
    } else if (value === true) {
      node.setAttribute(key, '');
    } else if (key === 'style' || /^on/i.test(key)) {
      // never set inline handlers or styles from strings
    } else {
      node.setAttribute(key, String(value));
    }
  }
}

function appendChildren(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) {
      appendChildren(node, child);
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }
}

// el('a', {href: '#/x', class: 'link'}, 'text', otherNode)
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
  } else {
    applyAttrs(node, attrs);
  }
  appendChildren(node, children);
  return node;
}

// The same for SVG elements (createElementNS).
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
  } else if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
      else if (key === 'text') node.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
      else if (/^on/i.test(key) || key === 'style') continue;
      else node.setAttribute(key, String(value));
    }
  }
  appendChildren(node, children);
  return node;
}

// node.append() that flattens arrays and skips null, undefined and false.
export function add(node, ...children) {
  appendChildren(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function replaceChildren(node, ...children) {
  clear(node);
  appendChildren(node, children);
  return node;
}

// Sets textContent only when it changed (keeps selection and avoids layout work).
export function setText(node, text) {
  const value = text === undefined || text === null ? '' : String(text);
  if (node.textContent !== value) node.textContent = value;
  return node;
}

// ---------------------------------------------------------------- time

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function parseTime(iso) {
  if (iso === null || iso === undefined || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

// 2026-11-23 17:00:05 in the browser's zone.
export function formatLocal(ms, withSeconds = true) {
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${base}:${pad(d.getSeconds())}` : base;
}

export function formatUtc(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
         `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

export function localZoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  } catch {
    return 'local time';
  }
}

// <time datetime=ISO title="UTC: ...">local</time>; '—' for no time.
export function timeEl(iso, opts = {}) {
  const ms = parseTime(iso);
  if (ms === null) {
    return el('span', {class: 'muted'}, iso ? String(iso) : (opts.empty ?? '—'));
  }
  return el('time', {datetime: String(iso), title: `UTC: ${formatUtc(ms)}`, class: opts.class},
            formatLocal(ms, opts.seconds !== false));
}

// 1h 02m, 3d 4h, 45s
export function formatDuration(ms) {
  let s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d > 0) return `${d}d ${h}h ${pad(m)}m`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  return formatDuration(Number(seconds) * 1000);
}

// The text and state of a countdown to `dueMs` at `nowMs`.
export function countdownState(dueMs, nowMs, breached, noneText) {
  if (dueMs === null || dueMs === undefined) {
    return {text: breached ? 'breached' : (noneText || '—'), breached: Boolean(breached), overdue: false};
  }
  const left = dueMs - nowMs;
  // `next_due` is the clock's next threshold (a warning, an escalation step or
  // the limit): passing it is not a breach until the engine says so, which the
  // next poll shows.
  if (left <= 0) {
    if (breached) return {text: `breached · step due ${formatDuration(-left)} ago`, breached: true, overdue: true};
    return {text: `threshold reached ${formatDuration(-left)} ago`, breached: false, overdue: true};
  }
  const soon = left < 30 * 60 * 1000;
  if (breached) return {text: `breached · next step in ${formatDuration(left)}`, breached: true, overdue: false, soon};
  return {text: `in ${formatDuration(left)}`, breached: false, overdue: false, soon};
}

// A live countdown element; updateCountdowns() refreshes every one in a root.
export function countdownEl(dueIso, breached, nowMs, extraClass, noneText) {
  const node = el('span', {class: ['countdown', extraClass], dataset: {due: dueIso ?? '', breached: breached ? 'true' : 'false', none: noneText}});
  if (dueIso) node.title = `due ${formatLocal(parseTime(dueIso) ?? 0)} (UTC: ${formatUtc(parseTime(dueIso) ?? 0)})`;
  updateCountdown(node, nowMs);
  return node;
}

export function updateCountdown(node, nowMs) {
  const due = parseTime(node.dataset.due);
  const state = countdownState(due, nowMs, node.dataset.breached === 'true', node.dataset.none);
  setText(node, state.text);
  node.classList.toggle('breached', state.breached);
  node.classList.toggle('soon', Boolean(state.soon) && !state.breached);
}

export function updateCountdowns(root, nowMs) {
  for (const node of root.querySelectorAll('.countdown[data-due]')) updateCountdown(node, nowMs);
}

// ---------------------------------------------------------------- values

export const CLAMP = 2000;

// User text, at most CLAMP characters with a "show all" toggle.
export function clampText(value, opts = {}) {
  const text = value === null || value === undefined ? '' : String(value);
  const limit = opts.limit ?? CLAMP;
  const tag = opts.tag ?? 'span';
  const cls = ['user-text', opts.class];
  if (text.length <= limit) return el(tag, {class: cls, dir: 'auto'}, text);
  const body = el('span', {dir: 'auto'}, text.slice(0, limit) + '…');
  let open = false;
  const button = el('button', {type: 'button', class: 'link-button show-all'});
  const label = () => setText(button, open ? 'show less' : `show all (${text.length.toLocaleString()} characters)`);
  label();
  button.addEventListener('click', () => {
    open = !open;
    setText(body, open ? text : text.slice(0, limit) + '…');
    label();
  });
  return el(tag, {class: [...cls, 'clamped'], dir: 'auto'}, body, ' ', button);
}

// A JSON value (of a field, a change, a record) for display.
export function valueEl(value, opts = {}) {
  if (value === null || value === undefined) return el('span', {class: 'muted null'}, opts.empty ?? '—');
  if (typeof value === 'boolean') return el('span', {class: 'bool'}, value ? 'true' : 'false');
  if (typeof value === 'number') return el('span', {class: 'num'}, String(value));
  if (typeof value === 'string') {
    if (opts.type === 'timestamp' && parseTime(value) !== null && /^\d{4}-\d\d-\d\dT/.test(value)) {
      return timeEl(value);
    }
    return clampText(value, opts);
  }
  return clampText(JSON.stringify(value), opts);
}

export function badge(text, kind, title) {
  return el('span', {class: ['badge', kind ? `badge-${kind}` : null], title}, text);
}

export function shortId(id, n = 8) {
  if (!id) return '—';
  return String(id).slice(0, n);
}

// ---------------------------------------------------------------- rule positions

// "rules/after_sales.docket:174:3" -> {file, line, col}
export function parseRule(rule) {
  if (!rule || typeof rule !== 'string') return null;
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(rule);
  if (!m || !m[1]) return null;
  return {file: m[1], line: Number(m[2]), col: m[3] ? Number(m[3]) : null};
}

// Percent-encodes what would break a query value; keeps '/' and ':' readable.
export function queryValue(s) {
  return encodeURIComponent(String(s)).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

export function sourceHref(version, file, line) {
  let href = `#/source/${queryValue(version)}?file=${queryValue(file)}`;
  if (line) href += `&line=${line}`;
  return href;
}

// <a class="rule-link" href="#/source/V?file=F&line=L">F:L</a>, or plain text.
export function ruleLink(rule, version) {
  const pos = parseRule(rule);
  if (!pos) return rule ? el('code', {class: 'rule'}, rule) : null;
  const text = `${pos.file}:${pos.line}`;
  if (!version) return el('code', {class: 'rule', title: rule}, text);
  return el('a', {class: 'rule-link', href: sourceHref(version, pos.file, pos.line), title: `rule at ${rule}`}, text);
}

// A ticket id in a hash path: keeps it readable, encodes what would break the URL.
export function ticketHref(id) {
  return '#/tickets/' + String(id).replace(/[%?#]/g, (c) => encodeURIComponent(c));
}

export function ticketLink(id, attrs = {}) {
  return el('a', {href: ticketHref(id), dir: 'auto', ...attrs}, String(id));
}

// ---------------------------------------------------------------- lists

// Brings parent's children in line with items, keyed by key(item), replacing a
// node only when sig(item) changed and moving nodes only when out of place, so
// a refresh does not flicker nor lose focus.
export function reconcile(parent, items, key, sig, render) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) {
    if (child.dataset && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  const keep = new Set();
  items.forEach((item, index) => {
    const k = String(key(item));
    const s = sig(item);
    let node = existing.get(k);
    if (!node || node.dataset.sig !== s) {
      const fresh = render(item);
      fresh.dataset.key = k;
      fresh.dataset.sig = s;
      if (node) {
        parent.replaceChild(fresh, node);
      }
      node = fresh;
    }
    keep.add(node);
    const at = parent.children[index];
    if (at !== node) parent.insertBefore(node, at ?? null);
  });
  for (const child of Array.from(parent.children)) {
    if (child.dataset && child.dataset.key !== undefined && !keep.has(child)) parent.removeChild(child);
  }
}

// ---------------------------------------------------------------- states

export function loadingEl(text = 'Loading…') {
  return el('div', {class: 'loading', role: 'status', 'aria-live': 'polite'}, el('span', {class: 'spinner', 'aria-hidden': 'true'}), text);
}

// The error state: the server's code and message.
export function errorEl(err, retry) {
  const code = err && err.code ? err.code : 'error';
  const status = err && err.status ? `HTTP ${err.status}` : null;
  const message = err && err.message ? err.message : String(err);
  return el('div', {class: 'error-box', role: 'alert', dataset: {code}},
    el('strong', {}, 'Could not load: '),
    el('code', {class: 'error-code'}, code),
    status ? el('span', {class: 'muted'}, ` (${status})`) : null,
    el('p', {class: 'error-message', dir: 'auto'}, message),
    retry ? el('button', {type: 'button', class: 'button', onclick: retry}, 'Try again') : null);
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

// A labelled value (label + name) as two spans.
export function labelled(label, name) {
  if (label && name && label !== name) {
    return [el('span', {class: 'label-text', dir: 'auto'}, label), ' ', el('code', {class: 'name', dir: 'auto'}, name)];
  }
  return [el('span', {class: 'label-text', dir: 'auto'}, label || name || '—')];
}

// A card: <section class="card"><h2>title</h2>...children</section>
export function card(title, attrs, ...children) {
  return el('section', {...attrs, class: ['card', attrs && attrs.class]},
    title ? el('h2', {class: 'card-title'}, title) : null, ...children);
}

// A table whose body scrolls inside its card.
export function tableWrap(table) {
  return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': table.getAttribute('aria-label') || 'table'}, table);
}

// fraction: 0..1 (a report ratio); otherwise value is already a percentage.
export function fmtPercent(value, fraction = true) {
  if (value === null || value === undefined || value === '' || !Number.isFinite(Number(value))) return '—';
  const v = Number(value);
  const pct = fraction ? v * 100 : v;
  return `${pct.toFixed(pct >= 99.95 || pct === 0 ? 0 : 1)}%`;
}
