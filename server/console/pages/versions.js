// Versions: every workflow version, a diff between any two, the last reload
// and its diagnostics, and (deploy tokens only) a form to install a rule file.

import {api, ApiError} from '../api.js';
import {el, clear, setText, timeEl, reconcile, badge, tableWrap, loadingEl, errorEl, shortId, parseTime, parseRule, sourceHref} from '../dom.js';

const REFRESH_MS = 5000;

// "rules/x.docket:12:3: error: ..." -> [where, rest]
export function splitDiagnostic(line) {
  const m = /^(.+?:\d+(?::\d+)?):\s?(.*)$/s.exec(String(line));
  return m ? [m[1], m[2]] : [null, String(line)];
}

// Fills ul with one li per line; continuation lines take their head's severity.
function fillDiagnostics(ul, lines) {
  let severity = null;
  for (const line of lines) {
    const li = diagnosticItem(line);
    const m = /sev-(\w+)/.exec(li.className);
    if (li.classList.contains('diag-head')) severity = m ? m[1] : null;
    else if (severity) li.classList.add(`sev-${severity}`);
    ul.appendChild(li);
  }
}

function diagnosticItem(line) {
  const [where, rest] = splitDiagnostic(line);
  const severity = /^\s*(error|warning|note|help)/.exec(rest);
  // source excerpts, carets and help lines continue the diagnostic above them
  return el('li', {class: [severity ? `sev-${severity[1]}` : null, where ? 'diag-head' : 'diag-cont']},
    where ? [el('span', {class: 'where'}, where), ': '] : null,
    el('span', {class: 'diag-text', dir: 'auto'}, rest));
}

// The two newest versions of one workflow: the current one's workflow when it
// has two, else any workflow that has.
export function defaultDiffPair(versions) {
  const byWorkflow = new Map();
  for (const v of versions) {
    if (!byWorkflow.has(v.workflow)) byWorkflow.set(v.workflow, []);
    byWorkflow.get(v.workflow).push(v);
  }
  const time = (v) => parseTime(v.added_at) ?? 0;
  let best = null;
  for (const [, list] of byWorkflow) {
    if (list.length < 2) continue;
    list.sort((a, b) => time(b) - time(a));
    const candidate = {from: list[1].id, to: list[0].id, newest: time(list[0]), current: list.some((v) => v.current)};
    if (!best || candidate.newest > best.newest) best = candidate;
  }
  if (best) return best;
  // no workflow has two versions: the newest one on both sides
  const all = versions.slice().sort((a, b) => time(b) - time(a));
  return all.length ? {from: all[0].id, to: all[0].id} : null;
}

export async function mount(ctx) {
  const root = ctx.root;
  const deploy = Boolean(ctx.session && ctx.session.deploy);

  const tbody = el('tbody');
  const table = el('table', {id: 'version-table', class: 'data', 'aria-label': 'Workflow versions'},
    el('thead', {}, el('tr', {}, ['Version', 'Workflow', 'Declared', 'Added', 'Tickets', 'Current', 'Rules']
      .map((h) => el('th', {scope: 'col', class: h === 'Tickets' ? 'num' : null}, h)))),
    tbody);

  const fromSelect = el('select', {id: 'diff-from', name: 'from'});
  const toSelect = el('select', {id: 'diff-to', name: 'to'});
  const runButton = el('button', {type: 'button', id: 'diff-run', class: 'button button-primary'}, 'Show diff');
  const diffOut = el('pre', {id: 'diff-output', class: 'diff', tabindex: '0', 'aria-live': 'polite'});
  const diffMeta = el('p', {class: 'muted small'});

  const reloadStatus = el('div', {id: 'reload-status', class: 'reload-status'});
  const reloadList = el('ul', {id: 'reload-diagnostics', class: 'diagnostics'});

  const status = el('div', {class: 'page-status'}, loadingEl());
  const body = el('div', {class: 'page-body', hidden: true},
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Versions'), tableWrap(table)),
    el('div', {class: 'grid grid-2'},
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Last reload'), reloadStatus, reloadList),
      deploy ? deployCard() : el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Deploy'),
        el('p', {class: 'muted'}, 'Installing rules needs a token with deploy rights.'))),
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Compare two versions'),
      el('div', {class: 'controls'},
        el('label', {class: 'control'}, el('span', {}, 'From'), fromSelect),
        el('label', {class: 'control'}, el('span', {}, 'To'), toSelect),
        el('div', {class: 'control control-buttons'}, runButton)),
      diffMeta, diffOut));
  clear(root);
  root.append(el('div', {class: 'page-head'}, el('h1', {}, 'Workflow versions')), status, body);

  let versions = [];
  let choseDiff = false;

  // ---------------------------------------------------------------- deploy

  function deployCard() {
    const name = el('input', {id: 'deploy-name', name: 'name', type: 'text', required: true, placeholder: 'after_sales.docket',
                              autocomplete: 'off', spellcheck: 'false'});
    const text = el('textarea', {id: 'deploy-text', name: 'text', required: true, rows: '10', spellcheck: 'false', wrap: 'off',
                                 placeholder: 'workflow after_sales "…" version "1.1"\n…'});
    const file = el('input', {id: 'deploy-file', type: 'file', accept: '.docket,text/plain'});
    const submit = el('button', {type: 'submit', id: 'deploy-submit', class: 'button button-primary'}, 'Deploy');
    const result = el('div', {id: 'deploy-result', role: 'status', 'aria-live': 'polite'});
    const diags = el('ul', {id: 'deploy-diagnostics', class: 'diagnostics'});
    const form = el('form', {id: 'deploy-form', class: 'deploy-form'},
      el('div', {class: 'form-field'}, el('label', {for: 'deploy-name'}, 'File name'), name),
      el('div', {class: 'form-field'}, el('label', {for: 'deploy-file'}, 'Read a local .docket file'), file),
      el('div', {class: 'form-field'}, el('label', {for: 'deploy-text'}, 'Rules'), text),
      el('div', {class: 'form-actions'}, submit,
        el('span', {class: 'muted small'}, 'The rules are checked first; with errors nothing changes.')),
      result, diags);
    file.addEventListener('change', () => {
      const f = file.files && file.files[0];
      if (!f) return;
      if (f.size > 1024 * 1024) {
        clear(result);
        result.appendChild(errorEl(new ApiError(0, 'too_large', `${f.name} is larger than 1 MiB.`)));
        return;
      }
      const reader = new FileReader();
      reader.addEventListener('load', () => {
        text.value = String(reader.result ?? '');
        if (!name.value) name.value = f.name;
        clear(result);
        result.appendChild(el('p', {class: 'muted small'}, `Read ${f.name} (${f.size.toLocaleString()} bytes).`));
      });
      reader.addEventListener('error', () => {
        clear(result);
        result.appendChild(errorEl(new ApiError(0, 'read_failed', `${f.name} could not be read.`)));
      });
      reader.readAsText(f);
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!form.reportValidity()) return;
      submit.disabled = true;
      clear(result);
      clear(diags);
      result.appendChild(loadingEl('Checking and installing…'));
      try {
        const answer = await api.post('/v1/versions', {name: name.value.trim(), text: text.value});
        if (!ctx.alive) return;
        clear(result);
        const reload = answer && answer.last_reload ? answer.last_reload : answer;
        const installed = reload && Array.isArray(reload.installed) ? reload.installed : [];
        result.dataset.ok = 'true';
        result.appendChild(el('p', {class: 'notice notice-ok'}, 'Deployed. ',
          installed.length ? ['Installed ', installed.map((v, i) => [i ? ', ' : '', el('code', {title: v}, shortId(v, 12))])] : 'No new version (the rules were already installed).'));
        const warnings = reload && Array.isArray(reload.diagnostics) ? reload.diagnostics : [];
        fillDiagnostics(diags, warnings);
        await load();
      } catch (e) {
        if (!ctx.alive) return;
        clear(result);
        result.dataset.ok = 'false';
        if (e instanceof ApiError && e.diagnostics) {
          result.appendChild(el('p', {class: 'notice notice-bad', dataset: {code: e.code}},
            el('code', {}, e.code), ' ', el('span', {dir: 'auto'}, e.message)));
          fillDiagnostics(diags, e.diagnostics);
        } else {
          result.appendChild(errorEl(e));
        }
      } finally {
        submit.disabled = false;
      }
    });
    return el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Deploy a rule file'), form);
  }

  // ---------------------------------------------------------------- render

  function render(data) {
    // newest first
    versions = (Array.isArray(data.versions) ? data.versions : []).slice()
      .sort((a, b) => (parseTime(b.added_at) ?? 0) - (parseTime(a.added_at) ?? 0));
    reconcile(tbody, versions, (v) => v.id, (v) => JSON.stringify(v), (v) =>
      el('tr', {dataset: {version: v.id}, class: v.current ? 'current' : null},
        el('td', {class: 'mono'}, el('a', {href: `#/source/${encodeURIComponent(v.id)}`, title: v.id}, shortId(v.id, 12))),
        el('td', {class: 'workflow', dir: 'auto'}, v.workflow ?? '—'),
        el('td', {class: 'declared', dir: 'auto'}, v.declared ?? '—'),
        el('td', {class: 'added'}, timeEl(v.added_at)),
        el('td', {class: 'tickets num'}, String(v.tickets ?? 0)),
        el('td', {class: 'current-cell'}, v.current ? badge('current', 'ok') : el('span', {class: 'muted'}, 'no')),
        el('td', {}, el('a', {href: `#/source/${encodeURIComponent(v.id)}`}, 'source'))));

    const options = versions.map((v) => [v.id, `${v.workflow} ${v.declared ?? ''} · ${shortId(v.id)}${v.current ? ' (current)' : ''}`]);
    const sig = JSON.stringify(options);
    if (fromSelect.dataset.sig !== sig) {
      const keepFrom = fromSelect.value;
      const keepTo = toSelect.value;
      for (const select of [fromSelect, toSelect]) {
        clear(select);
        for (const [value, label] of options) select.appendChild(el('option', {value}, label));
        select.dataset.sig = sig;
      }
      const pair = defaultDiffPair(versions);
      if (!choseDiff && pair) {
        fromSelect.value = pair.from;
        toSelect.value = pair.to;
      } else {
        if (keepFrom) fromSelect.value = keepFrom;
        if (keepTo) toSelect.value = keepTo;
      }
      runButton.disabled = versions.length === 0;
    }

    const r = data.last_reload;
    const rsig = JSON.stringify(r);
    if (reloadStatus.dataset.sig !== rsig) {
      reloadStatus.dataset.sig = rsig;
      clear(reloadStatus);
      clear(reloadList);
      if (!r) {
        reloadStatus.appendChild(el('p', {class: 'muted'}, 'No reload yet.'));
      } else {
        reloadStatus.dataset.ok = String(Boolean(r.ok));
        const installed = Array.isArray(r.installed) ? r.installed : [];
        reloadStatus.append(
          el('p', {}, r.ok ? badge('succeeded', 'ok') : badge('failed', 'bad'), ' ',
            el('span', {}, `from ${r.source ?? 'unknown'}`), r.at ? [' at ', timeEl(r.at)] : null),
          el('p', {class: 'small'}, installed.length
            ? ['Installed: ', installed.map((v, i) => [i ? ', ' : '', el('a', {href: `#/source/${encodeURIComponent(v)}`, title: v, class: 'mono'}, shortId(v, 12))])]
            : el('span', {class: 'muted'}, 'Nothing new installed.')));
        const diags = Array.isArray(r.diagnostics) ? r.diagnostics : [];
        fillDiagnostics(reloadList, diags);
        if (!r.ok && !diags.length) {
          reloadStatus.appendChild(el('p', {class: 'muted small'}, deploy ? 'No diagnostics were given.' : 'The diagnostics are shown to deploy tokens only.'));
        }
      }
    }
  }

  async function runDiff() {
    const from = fromSelect.value;
    const to = toSelect.value;
    if (!from || !to) return;
    runButton.disabled = true;
    diffOut.setAttribute('aria-busy', 'true');
    setText(diffMeta, 'Comparing…');
    try {
      const data = await api.get('/v1/versions/diff', {from, to});
      if (!ctx.alive) return;
      clear(diffOut);
      const text = String(data.text ?? '');
      if (!text.trim()) {
        diffOut.appendChild(document.createTextNode(from === to ? 'The same version: nothing to compare.' : 'No difference.'));
      } else {
        for (const line of text.split('\n')) {
          const cls = /^\s*\+/.test(line) ? 'add' : /^\s*-/.test(line) ? 'del' : /^\s*[~*!]/.test(line) ? 'chg' : /^\S/.test(line) ? 'hdr' : null;
          // "(file:line)" at the end: a link into the version the line is in
          const m = /^(.*\()([^()\s]+:\d+(?::\d+)?)(\)\s*)$/.exec(line);
          const span = el('span', {class: cls ? `diff-${cls}` : null});
          if (m) {
            const pos = parseRule(m[2]);
            span.append(m[1], pos ? el('a', {class: 'rule-link', href: sourceHref(cls === 'del' ? from : to, pos.file, pos.line)}, m[2]) : m[2], m[3]);
          } else {
            span.append(line);
          }
          diffOut.appendChild(span);
          diffOut.appendChild(document.createTextNode('\n'));
        }
      }
      const changes = Array.isArray(data.changes) ? data.changes.length : null;
      const sum = data.summary && typeof data.summary === 'object' ? data.summary : null;
      const counts = sum
        ? ` · ${sum.total ?? changes ?? 0} change${(sum.total ?? changes) === 1 ? '' : 's'}: ${sum.added ?? 0} added, ${sum.changed ?? 0} changed, ${sum.removed ?? 0} removed`
        : changes !== null ? ` · ${changes} change${changes === 1 ? '' : 's'}` : '';
      setText(diffMeta, `${shortId(data.from ?? from)} → ${shortId(data.to ?? to)}${counts}`);
    } catch (e) {
      if (!ctx.alive) return;
      clear(diffOut);
      setText(diffMeta, '');
      diffOut.appendChild(errorEl(e));
    } finally {
      runButton.disabled = false;
      diffOut.removeAttribute('aria-busy');
    }
  }

  fromSelect.addEventListener('change', () => { choseDiff = true; });
  toSelect.addEventListener('change', () => { choseDiff = true; });
  runButton.addEventListener('click', runDiff);

  async function load() {
    const data = await api.get('/v1/versions');
    if (!ctx.alive) return;
    render(data);
  }

  if (!await ctx.firstLoad(load, status, body)) return;
  ctx.ready();
  if (fromSelect.value && toSelect.value && fromSelect.value !== toSelect.value) runDiff();
  ctx.every(REFRESH_MS, load);
}
