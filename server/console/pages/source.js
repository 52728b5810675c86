// Source: a version's rule files with line numbers, the requested line
// highlighted and scrolled into view.

import {api, seg} from '../api.js';
import {el, clear, setText, loadingEl, shortId, queryValue} from '../dom.js';

const KEYWORDS = new Set(('workflow version field enum text bool int number money timestamp date duration required range ' +
  'calendar zone hours holidays workdays department roles category owner classify when priority warn at of do ' +
  'escalate to on breach by columns chain level any all not participants approval require state initial final auto ' +
  'after every in enter notify assign set route stop start pause resume emit await extends override report clock ' +
  'survey declined event types and or as proposer raise extend within timeout none is').split(' '));

// Splits one line into [class, text] tokens: strings, comments, keywords, numbers.
export function tokenize(line) {
  const out = [];
  let i = 0;
  let plain = '';
  const flush = () => {
    if (plain) out.push(['', plain]);
    plain = '';
  };
  while (i < line.length) {
    const c = line[i];
    if (c === '#') {
      flush();
      out.push(['tok-com', line.slice(i)]);
      return out;
    }
    if (c === '"') {
      flush();
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      out.push(['tok-str', line.slice(i, Math.min(j + 1, line.length))]);
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i, i + 64));
    if (word && (i === 0 || !/[A-Za-z0-9_.]/.test(line[i - 1]))) {
      if (KEYWORDS.has(word[0])) {
        flush();
        out.push(['tok-kw', word[0]]);
      } else {
        plain += word[0];
      }
      i += word[0].length;
      continue;
    }
    const num = /^\d[\w.:%]*/.exec(line.slice(i, i + 32));
    if (num && (i === 0 || !/[A-Za-z0-9_]/.test(line[i - 1]))) {
      flush();
      out.push(['tok-num', num[0]]);
      i += num[0].length;
      continue;
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

export async function mount(ctx) {
  const root = ctx.root;
  const version = ctx.params.version;
  root.dataset.version = version;
  const wantFile = ctx.query.get('file') || '';
  const wantLine = Number(ctx.query.get('line')) || 0;

  const back = el('button', {type: 'button', class: 'button', id: 'source-back'}, '← Back');
  back.addEventListener('click', () => {
    if (history.length > 1) history.back();
    else location.hash = '#/versions';
  });
  const title = el('h1', {}, 'Source');
  const sub = el('p', {class: 'muted'});
  const fileSelect = el('select', {id: 'source-file', name: 'file'});
  const fileName = el('h2', {class: 'card-title mono', id: 'source-file-name', dir: 'auto'});
  const lines = el('ol', {id: 'source-lines', class: 'source-lines'});
  const note = el('p', {class: 'notice', hidden: true, role: 'status'});
  const status = el('div', {class: 'page-status'}, loadingEl());
  const body = el('div', {class: 'page-body', hidden: true},
    el('div', {class: 'controls'}, el('label', {class: 'control'}, el('span', {}, 'File'), fileSelect)),
    note,
    el('section', {class: 'card source-card'}, fileName, el('div', {class: 'source-scroll', tabindex: '0', role: 'region', 'aria-label': 'Source lines'}, lines)));
  clear(root);
  root.append(
    el('div', {class: 'page-head'}, el('div', {}, title, sub),
      el('div', {class: 'controls'}, back, el('a', {href: '#/versions', class: 'button button-quiet'}, 'All versions'))),
    status, body);

  let files = [];
  let highlighted = null;

  function highlight(n, scroll) {
    if (highlighted) highlighted.classList.remove('highlight');
    highlighted = null;
    if (!n) return;
    const li = lines.children[n - 1];
    if (!li) return;
    li.classList.add('highlight');
    li.setAttribute('aria-current', 'location');
    highlighted = li;
    if (scroll) {
      requestAnimationFrame(() => {
        // centre the line in the code box, then bring the box's line into the window
        const box = lines.parentElement;
        box.scrollTop = Math.max(0, li.offsetTop - box.clientHeight / 2);
        li.scrollIntoView({block: 'nearest'});
      });
    }
  }

  // The file a rule position names: the same name, else the same path tail
  // (positions may be written from another directory than the version's names).
  function findFile(name) {
    if (!name) return null;
    const exact = files.find((f) => f.name === name || f.path === name);
    if (exact) return exact;
    const tail = (n) => String(n).split('/').filter(Boolean);
    const want = tail(name);
    let best = null;
    let bestLen = 0;
    for (const f of files) {
      for (const candidate of [f.name, f.path]) {
        if (!candidate) continue;
        const have = tail(candidate);
        let k = 0;
        while (k < want.length && k < have.length && want[want.length - 1 - k] === have[have.length - 1 - k]) k++;
        if (k > bestLen) {
          best = f;
          bestLen = k;
        }
      }
    }
    return best;
  }

  function show(name, line) {
    const file = findFile(name) || files[0];
    if (!file) {
      clear(lines);
      setText(fileName, 'This version has no file.');
      return;
    }
    fileSelect.value = file.name;
    setText(fileName, file.name);
    const text = String(file.text ?? '');
    const rows = text.split('\n');
    if (rows.length > 1 && rows[rows.length - 1] === '') rows.pop();
    const frag = document.createDocumentFragment();
    rows.forEach((row, index) => {
      const code = el('code', {class: 'src'});
      for (const [cls, piece] of tokenize(row)) code.appendChild(cls ? el('span', {class: cls}, piece) : document.createTextNode(piece));
      if (!row) code.appendChild(document.createTextNode(' '));
      frag.appendChild(el('li', {dataset: {line: index + 1}, id: `L${index + 1}`}, code));
    });
    clear(lines);
    lines.appendChild(frag);
    highlighted = null;
    if (line > rows.length) {
      note.hidden = false;
      setText(note, `Line ${line} is past the end of ${file.name} (${rows.length} lines).`);
    }
    highlight(line, true);
  }

  try {
    const data = await api.get(`/v1/versions/${seg(version)}/source`);
    if (!ctx.alive) return;
    files = Array.isArray(data.files) ? data.files : [];
    setText(title, `Source of ${data.workflow ?? 'version'}`);
    clear(sub);
    sub.append('Version ', el('code', {title: data.version ?? version}, shortId(data.version ?? version, 12)),
      data.declared ? ` (declared ${data.declared})` : '',
      ` · ${files.length} file${files.length === 1 ? '' : 's'}`,
      ...(data.source_root ? [' · from ', el('code', {dir: 'auto'}, data.source_root)] : []));
    for (const f of files) fileSelect.appendChild(el('option', {value: f.name}, f.name));
    fileSelect.disabled = files.length <= 1;
    if (wantFile && !findFile(wantFile)) {
      note.hidden = false;
      setText(note, `This version has no file ${wantFile}; showing ${files[0] ? files[0].name : 'nothing'}.`);
    }
    status.remove();
    body.hidden = false;
    show(wantFile, wantLine);
    ctx.ready();
  } catch (e) {
    if (!ctx.alive) return;
    ctx.showError(status, e, () => window.dispatchEvent(new HashChangeEvent('hashchange')));
    return;
  }

  fileSelect.addEventListener('change', () => {
    note.hidden = true;
    ctx.setQuery({file: fileSelect.value}, `/source/${queryValue(version)}`);
    show(fileSelect.value, 0);
  });
  lines.addEventListener('click', (ev) => {
    const li = ev.target.closest('li[data-line]');
    if (!li || (window.getSelection && String(window.getSelection()).length)) return;
    const n = Number(li.dataset.line);
    ctx.setQuery({file: fileSelect.value, line: n}, `/source/${queryValue(version)}`);
    highlight(n, false);
  });
}
