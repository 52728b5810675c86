// The console: sign-in, the top bar, the hash router and the page life cycle.

import {api, ApiError, setCsrf, onUnauthorized, pollHealth, serviceClock} from './api.js';
import {el, clear, setText, updateCountdowns, localZoneName, errorEl, loadingEl} from './dom.js';

const PAGES = {
  overview: () => import('./pages/overview.js'),
  tickets: () => import('./pages/tickets.js'),
  ticket: () => import('./pages/ticket.js'),
  source: () => import('./pages/source.js'),
  versions: () => import('./pages/versions.js'),
  audit: () => import('./pages/audit.js'),
  reports: () => import('./pages/reports.js'),
};

const NAV = [
  ['overview', 'Overview'],
  ['tickets', 'Tickets'],
  ['versions', 'Versions'],
  ['audit', 'Audit'],
  ['reports', 'Reports'],
];

const state = {
  session: null,
  current: null,      // the mounted page's context
  generation: 0,
  topbar: null,
  main: null,
};

// ---------------------------------------------------------------- routing

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// '#/tickets/T-1?x=1' -> {page: 'ticket', params: {id: 'T-1'}, query: URLSearchParams}
export function parseHash(hash) {
  let h = (hash || '').replace(/^#/, '');
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const query = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  const parts = path.replace(/^\/+/, '').split('/');
  const head = parts[0] || '';
  if (head === '' ) return {page: null, redirect: '#/overview', query};
  if (head === 'tickets' && parts.length >= 2 && parts[1] !== '') {
    return {page: 'ticket', nav: 'tickets', params: {id: safeDecode(parts.slice(1).join('/'))}, query};
  }
  if (head === 'source' && parts.length >= 2 && parts[1] !== '') {
    return {page: 'source', nav: 'versions', params: {version: safeDecode(parts[1])}, query};
  }
  if (parts.length === 1 && Object.prototype.hasOwnProperty.call(PAGES, head) && head !== 'ticket' && head !== 'source') {
    return {page: head, nav: head, params: {}, query};
  }
  return {page: 'notfound', nav: null, params: {path}, query};
}

// Rewrites the hash's query without a hashchange (filters kept in the URL).
function replaceQuery(path, values) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  const hash = `#${path}${qs ? `?${qs}` : ''}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

function unmountCurrent() {
  const ctx = state.current;
  state.current = null;
  if (!ctx) return;
  ctx.alive = false;
  for (const timer of ctx.timers) clearTimeout(timer.handle);
  for (const fn of ctx.cleanups.splice(0)) {
    try {
      fn();
    } catch (e) {
      console.error(e);
    }
  }
}

function makeContext(route, root) {
  const ctx = {
    route,
    root,
    params: route.params || {},
    query: route.query,
    session: state.session,
    alive: true,
    timers: [],
    cleanups: [],
    // Runs fn every ms while the page is mounted; never two at once; skipped while
    // the tab is hidden (runs at once when it shows again).
    every(ms, fn) {
      const timer = {handle: null, running: false};
      const tick = async () => {
        if (!ctx.alive) return;
        if (!document.hidden && !timer.running) {
          timer.running = true;
          try {
            await fn();
          } catch (e) {
            if (!(e instanceof ApiError && e.status === 401)) console.warn('refresh failed', e);
          } finally {
            timer.running = false;
          }
        }
        if (ctx.alive) timer.handle = setTimeout(tick, ms);
      };
      timer.handle = setTimeout(tick, ms);
      ctx.timers.push(timer);
      return timer;
    },
    onCleanup(fn) {
      ctx.cleanups.push(fn);
    },
    ready() {
      if (!ctx.alive) return;
      root.dataset.ready = 'true';
      root.removeAttribute('aria-busy');
      delete root.dataset.error;
    },
    failed(err) {
      if (!ctx.alive) return;
      root.dataset.error = err && err.code ? err.code : 'error';
      root.removeAttribute('aria-busy');
    },
    setQuery(values, path) {
      replaceQuery(path || `/${route.page === 'ticket' ? 'tickets' : route.page}`, values);
    },
    // An error card with a retry button in place of `into`'s content.
    showError(into, err, retry) {
      clear(into);
      into.appendChild(errorEl(err, retry));
      ctx.failed(err);
    },
    // A page's first load: `load()`, then `body` shown in place of the `status`
    // placeholder; or the error card there, whose retry loads the page again.
    // Whether the page may go on (loaded, and still the page shown).
    async firstLoad(load, status, body) {
      try {
        await load();
      } catch (e) {
        if (ctx.alive) ctx.showError(status, e, () => window.dispatchEvent(new HashChangeEvent('hashchange')));
        return false;
      }
      if (!ctx.alive) return false;
      status.remove();
      body.hidden = false;
      return true;
    },
  };
  return ctx;
}

async function route() {
  if (!state.session) return;
  const r = parseHash(location.hash);
  if (r.redirect) {
    history.replaceState(history.state, '', r.redirect);
    return route();
  }
  const generation = ++state.generation;
  unmountCurrent();
  markNav(r.nav);
  const main = state.main;
  clear(main);
  const pageName = r.page;
  const id = pageName === 'notfound' ? 'notfound' : pageName;
  const root = el('section', {id, class: ['page', `page-${pageName}`], dataset: {page: pageName}, 'aria-busy': 'true'});
  main.appendChild(root);
  if (pageName === 'notfound') {
    root.appendChild(el('div', {class: 'card'},
      el('h1', {}, 'Page not found'),
      el('p', {}, 'No console page has the address ', el('code', {dir: 'auto'}, location.hash), '.'),
      el('p', {}, el('a', {href: '#/overview'}, 'Go to the overview'))));
    root.dataset.ready = 'true';
    return;
  }
  root.appendChild(loadingEl());
  let mod;
  try {
    mod = await PAGES[pageName]();
  } catch (e) {
    if (generation !== state.generation) return;
    clear(root);
    root.appendChild(errorEl(new ApiError(0, 'module', `The page could not be loaded: ${e.message}`)));
    return;
  }
  if (generation !== state.generation) return;
  const ctx = makeContext(r, root);
  state.current = ctx;
  document.title = `${NAV.find(([n]) => n === r.nav)?.[1] ?? pageName} · docket`;
  try {
    await mod.mount(ctx);
  } catch (e) {
    if (!ctx.alive) return;
    console.error(e);
    clear(root);
    root.appendChild(errorEl(e instanceof ApiError ? e : new ApiError(0, 'script', String(e && e.message ? e.message : e))));
    ctx.failed(e);
  }
}

// ---------------------------------------------------------------- top bar

function markNav(active) {
  if (!state.topbar) return;
  for (const a of state.topbar.querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  state.topbar.classList.remove('nav-open');
}

function renderTopbar() {
  const bar = document.getElementById('topbar');
  state.topbar = bar;
  clear(bar);
  const brand = el('a', {class: 'brand', href: '#/overview', 'aria-label': 'docket, overview'},
    el('span', {class: 'brand-mark', 'aria-hidden': 'true'}, '◆'), 'docket');
  bar.appendChild(brand);
  if (!state.session) return;
  const s = state.session;
  const nav = el('nav', {class: 'nav', 'aria-label': 'Main'},
    NAV.map(([name, label]) => el('a', {href: `#/${name}`, dataset: {nav: name}}, label)));
  const roles = Array.isArray(s.roles) ? s.roles : [];
  const who = el('div', {class: 'who'},
    el('span', {class: 'who-label'}, 'Signed in as '),
    el('span', {id: 'whoami', dir: 'auto', title: roles.length ? `roles: ${roles.join(', ')}` : 'no roles', tabindex: '0'}, String(s.actor ?? '')),
    s.deploy ? el('span', {class: 'badge badge-info', title: 'may deploy workflow versions'}, 'deploy') : null,
    el('button', {type: 'button', id: 'signout', class: 'button button-quiet', onclick: signOut}, 'Sign out'));
  bar.append(nav, who);
}

// ---------------------------------------------------------------- sign-in

function showSignin(message) {
  unmountCurrent();
  state.generation++;
  state.session = null;
  setCsrf(null);
  renderTopbar();
  const main = state.main;
  clear(main);
  const error = el('p', {id: 'signin-error', class: 'form-error', role: 'alert', 'aria-live': 'assertive'});
  if (message) error.textContent = message;
  else error.hidden = true;
  const input = el('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
                             spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'signin-help'});
  const submit = el('button', {id: 'signin-submit', type: 'submit', class: 'button button-primary'}, 'Sign in');
  const form = el('form', {id: 'signin', class: 'card signin', 'aria-labelledby': 'signin-title', novalidate: true},
    el('h1', {id: 'signin-title'}, 'Sign in to docket'),
    el('label', {for: 'token'}, 'Access token'),
    input,
    el('p', {id: 'signin-help', class: 'muted small'}, 'The token your administrator gave you. It is sent once; the session is kept in a cookie.'),
    error,
    el('div', {class: 'form-actions'}, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.hidden = false;
      error.textContent = 'Enter your access token.';
      input.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    try {
      const session = await api.post('/v1/session', {token}, {auth401: false});
      input.value = '';
      startSession(session);
    } catch (e) {
      error.hidden = false;
      error.textContent = e.status === 401 ? 'That token was not accepted.' : `${e.code}: ${e.message}`;
      error.dataset.code = e.code;
      submit.disabled = false;
      input.select();
      input.focus();
    }
  });
  main.appendChild(el('div', {class: 'signin-wrap', dataset: {page: 'signin'}}, form));
  input.focus();
}

function startSession(session) {
  state.session = session;
  setCsrf(session.csrf);
  renderTopbar();
  route();
}

async function signOut() {
  try {
    await api.del('/v1/session', {auth401: false});
  } catch (e) {
    console.warn('sign-out', e);
  }
  showSignin('You are signed out.');
}

// ---------------------------------------------------------------- start

let unauthorizedPending = false;
onUnauthorized(() => {
  if (!state.session || unauthorizedPending) return;
  unauthorizedPending = true;
  queueMicrotask(() => {
    unauthorizedPending = false;
    if (state.session) showSignin('Your session has ended. Sign in again.');
  });
});

function startTickers() {
  // One ticker for every live countdown of the page, on the service's clock.
  setInterval(() => {
    if (!document.hidden) updateCountdowns(document.body, serviceClock.now());
  }, 1000);
  const health = async () => {
    await pollHealth();
    setTimeout(health, document.hidden ? 10000 : 2000);
  };
  health();
}

async function boot() {
  state.main = document.getElementById('main');
  const zone = document.getElementById('zone');
  if (zone) setText(zone, `Times in ${localZoneName()}; UTC on hover.`);
  window.addEventListener('hashchange', () => route());
  startTickers();
  const bar = document.getElementById('topbar');
  bar.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('a[data-nav]')) bar.classList.remove('nav-open');
  });
  const skip = document.querySelector('.skip-link');
  if (skip) {
    skip.addEventListener('click', (ev) => {
      ev.preventDefault();
      state.main.focus();
    });
  }
  clear(state.main);
  state.main.appendChild(loadingEl('Checking your session…'));
  try {
    const session = await api.get('/v1/session', null, {auth401: false});
    startSession(session);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showSignin();
    else if (e instanceof ApiError && e.status === 404) showSignin();
    else {
      showSignin(`The service could not be reached (${e.code || 'error'}: ${e.message}).`);
    }
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
}
