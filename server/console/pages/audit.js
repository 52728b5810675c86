// Audit: the chain head, the last checkpoint, a verification with its
// progress, and the export of the audit bundle.

import {api, ApiError} from '../api.js';
import {el, add, clear, setText, timeEl, badge, loadingEl, errorEl} from '../dom.js';

const IDLE_MS = 5000;
const RUNNING_MS = 1000;

export async function mount(ctx) {
  const root = ctx.root;

  const lastSeq = el('span', {id: 'audit-last-seq', class: 'total-value'}, '—');
  const durableSeq = el('span', {id: 'audit-durable-seq', class: 'total-value'}, '—');
  const chainHead = el('code', {id: 'audit-chain-head', class: 'hash'}, '—');
  const cpSeq = el('span', {id: 'audit-checkpoint-seq', class: 'total-value'}, '—');
  const cpKey = el('code', {id: 'audit-key-id', class: 'hash'}, '—');
  const cpSigned = el('span', {id: 'audit-checkpoint-signed'});
  const cpAt = el('span', {id: 'audit-checkpoint-at'});
  const verifyButton = el('button', {type: 'button', id: 'audit-verify', class: 'button button-primary'}, 'Verify the journal');
  const progress = el('progress', {id: 'audit-progress', max: '1', value: '0', 'aria-label': 'Verification progress'});
  const progressText = el('span', {class: 'muted small', 'aria-live': 'polite'});
  const result = el('div', {id: 'audit-result', class: 'audit-result', role: 'status', 'aria-live': 'polite', hidden: true});
  const verifyError = el('div', {hidden: true});
  const mayExport = Boolean(ctx.session && ctx.session.deploy);
  // The bundle holds customers' data: only deploy tokens may export it (403 otherwise).
  const exportLink = mayExport
    ? el('a', {id: 'audit-export', href: '/v1/audit/export', download: '', class: 'button'}, 'Download the audit bundle')
    : el('a', {id: 'audit-export', class: 'button is-disabled', 'aria-disabled': 'true', role: 'link'}, 'Download the audit bundle');
  const exportNote = mayExport ? el('p', {class: 'muted small'}, 'A tar file; it may take a moment to start.')
    : el('p', {class: 'muted small'}, 'Exporting needs a token with deploy rights.');
  const signing = el('span', {id: 'audit-signing'});
  const cpHash = el('code', {id: 'audit-checkpoint-hash', class: 'hash'}, '—');

  const status = el('div', {class: 'page-status'}, loadingEl());
  const body = el('div', {class: 'page-body', hidden: true},
    el('div', {class: 'grid grid-2'},
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Journal'),
        el('div', {class: 'totals totals-small'},
          el('div', {class: 'total'}, el('span', {class: 'total-label'}, 'Last record'), lastSeq),
          el('div', {class: 'total total-quiet'}, el('span', {class: 'total-label'}, 'Durable'), durableSeq)),
        el('dl', {class: 'meta-list'},
          el('div', {class: 'meta-item meta-wide'}, el('dt', {}, 'Chain head'), el('dd', {}, chainHead)),
          el('div', {class: 'meta-item'}, el('dt', {}, 'Checkpoint signing'), el('dd', {}, signing)))),
      el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Last checkpoint'),
        el('div', {class: 'totals totals-small'},
          el('div', {class: 'total'}, el('span', {class: 'total-label'}, 'Covers up to record'), cpSeq)),
        el('dl', {class: 'meta-list'},
          el('div', {class: 'meta-item'}, el('dt', {}, 'Signed'), el('dd', {}, cpSigned)),
          el('div', {class: 'meta-item'}, el('dt', {}, 'At'), el('dd', {}, cpAt)),
          el('div', {class: 'meta-item meta-wide'}, el('dt', {}, 'Key id'), el('dd', {}, cpKey)),
          el('div', {class: 'meta-item meta-wide'}, el('dt', {}, 'Hash'), el('dd', {}, cpHash))))),
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Verify'),
      el('p', {class: 'muted'}, 'Checks the hash chain, the checkpoints and their signatures, and replays the records through the rules.'),
      el('div', {class: 'verify-row'}, verifyButton, progress, progressText),
      verifyError, result),
    el('section', {class: 'card'}, el('h2', {class: 'card-title'}, 'Export'),
      el('p', {class: 'muted'}, 'The bundle holds the journal, the versions, the checkpoints and the public keys, for an independent verifier.'),
      exportLink, exportNote));
  clear(root);
  root.append(el('div', {class: 'page-head'}, el('h1', {}, 'Audit trail')), status, body);

  let running = false;
  let pollTimer = null;

  function renderVerify(v) {
    if (!v || typeof v !== 'object') return;
    const state = v.state || 'idle';
    running = state === 'running';
    verifyButton.disabled = running;
    setText(verifyButton, running ? 'Verifying…' : 'Verify the journal');
    const total = Number(v.total) || 0;
    const checked = Number(v.checked) || 0;
    if (running || state === 'done' || state === 'failed') {
      progress.max = Math.max(total, 1);
      progress.value = Math.min(checked, Math.max(total, 1));
      if (state !== 'running' && total === 0) progress.value = progress.max;
      setText(progressText, total ? `${checked.toLocaleString()} of ${total.toLocaleString()} records` : running ? 'starting…' : '');
    } else {
      progress.max = 1;
      progress.value = 0;
      setText(progressText, 'not run yet');
    }
    progress.dataset.state = state;
    if (state === 'done' || state === 'failed') {
      const ok = state === 'done' && v.ok !== false;
      const sig = JSON.stringify(v);
      if (result.dataset.sig === sig) return;
      result.dataset.sig = sig;
      result.hidden = false;
      result.dataset.ok = String(ok);
      result.className = `audit-result ${ok ? 'is-ok' : 'is-bad'}`;
      clear(result);
      const problems = Array.isArray(v.problems) ? v.problems.slice() : [];
      if (v.finding && typeof v.finding === 'object') problems.unshift(v.finding);
      const extra = [];
      if (v.signed_through) extra.push(`signed through record ${v.signed_through}`);
      if (v.checkpoints_verified !== undefined && v.checkpoints_verified !== null) extra.push(`${v.checkpoints_verified} checkpoint${v.checkpoints_verified === 1 ? '' : 's'} verified`);
      if (v.versions) extra.push(`${v.versions} version${v.versions === 1 ? '' : 's'}`);
      if (v.tickets) extra.push(`${v.tickets} ticket${v.tickets === 1 ? '' : 's'}`);
      add(result,
        el('p', {class: 'result-line'}, ok ? badge('verified', 'ok') : badge(state === 'failed' ? 'could not verify' : 'problems found', 'bad'), ' ',
          el('span', {class: 'summary', dir: 'auto'}, v.summary ?? (ok ? 'The journal verifies.' : 'The journal does not verify.'))),
        el('p', {class: 'muted small'},
          v.started_at ? ['started ', timeEl(v.started_at)] : null,
          v.finished_at ? [' · finished ', timeEl(v.finished_at)] : null,
          total ? ` · ${checked.toLocaleString()} records checked` : null,
          extra.length ? ` · ${extra.join(' · ')}` : null),
        problems.length
          ? el('ul', {id: 'audit-problems', class: 'problems'}, problems.map((p) => el('li', {dir: 'auto'},
            typeof p === 'string' ? p : [p.seq !== undefined && p.seq !== null ? el('code', {}, `record #${p.seq} `) : null,
              p.problem || p.code || p.kind ? el('strong', {}, `${p.problem || p.code || p.kind} `) : null,
              el('span', {}, p.detail ?? p.message ?? p.text ?? (p.problem ? '' : JSON.stringify(p)))])))
          : (ok ? null : el('p', {class: 'muted small'}, 'No individual problem was listed.')));
    } else if (!running) {
      result.hidden = true;
    }
  }

  function render(data) {
    setText(lastSeq, data.last_seq ?? '—');
    setText(durableSeq, data.durable_seq ?? '—');
    setText(chainHead, data.chain_head ?? '—');
    chainHead.title = data.chain_head ?? '';
    clear(signing);
    if (data.signing !== undefined) signing.appendChild(data.signing ? badge('on', 'ok') : badge('off: checkpoints are not signed', 'warn'));
    else signing.appendChild(el('span', {class: 'muted'}, '—'));
    const cp = data.checkpoint;
    setText(cpHash, cp && cp.hash ? cp.hash : '—');
    if (cp) {
      setText(cpSeq, cp.seq ?? '—');
      setText(cpKey, cp.key_id ?? '—');
      clear(cpSigned);
      cpSigned.appendChild(cp.signed ? badge('signed', 'ok') : badge('unsigned', 'warn'));
      clear(cpAt);
      cpAt.appendChild(timeEl(cp.at));
    } else {
      setText(cpSeq, 'none');
      setText(cpKey, '—');
      clear(cpSigned);
      cpSigned.appendChild(el('span', {class: 'muted'}, 'no checkpoint yet'));
      clear(cpAt);
      cpAt.appendChild(el('span', {class: 'muted'}, '—'));
    }
    renderVerify(data.verify);
  }

  async function load() {
    const data = await api.get('/v1/audit');
    if (!ctx.alive) return;
    render(data);
  }

  function schedule() {
    clearTimeout(pollTimer);
    if (!ctx.alive) return;
    pollTimer = setTimeout(async () => {
      try {
        if (!document.hidden || running) await load();
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) console.warn('audit refresh', e);
      }
      schedule();
    }, running ? RUNNING_MS : IDLE_MS);
  }
  ctx.onCleanup(() => clearTimeout(pollTimer));

  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true;
    verifyError.hidden = true;
    result.hidden = true;
    delete result.dataset.sig;
    try {
      const v = await api.post('/v1/audit/verify', {});
      if (!ctx.alive) return;
      renderVerify(v && v.verify ? v.verify : v);
      running = !(v && (v.state === 'done' || v.state === 'failed'));
      if (running) {
        verifyButton.disabled = true;
        setText(verifyButton, 'Verifying…');
      }
    } catch (e) {
      if (!ctx.alive) return;
      verifyButton.disabled = false;
      if (e instanceof ApiError && e.status === 409) {
        running = true;  // one is under way already: follow it
      } else {
        clear(verifyError);
        verifyError.appendChild(errorEl(e));
        verifyError.hidden = false;
      }
    }
    schedule();
  });

  if (!await ctx.firstLoad(load, status, body)) return;
  ctx.ready();
  schedule();
}
