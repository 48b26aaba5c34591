// The latent explorer: loads a dataset's projection as a binary point
// buffer, draws it with scatter.js and talks to the JSON API for
// everything else (colours, hover details, neighbours, search, jobs,
// models, bookmarks). No framework and no build step.
import { Scatter } from './scatter.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) e.append(k);
  return e;
};

// ---- API ----

// The bearer token comes from the page's #token=... (kept for the tab).
const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get('token')) sessionStorage.setItem('latent-token', hash.get('token'));
const token = sessionStorage.getItem('latent-token') || '';

class APIError extends Error {}

async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (token) headers.Authorization = 'Bearer ' + token;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    opts = Object.assign({}, opts, { body: JSON.stringify(opts.json), method: opts.method || 'POST' });
  }
  const res = await fetch(path, Object.assign({}, opts, { headers }));
  if (!res.ok) {
    let msg = res.status + ' ' + res.statusText;
    try { const e = await res.json(); msg = e.error.code + ': ' + e.error.message; } catch (_) { /* not JSON */ }
    throw new APIError(msg);
  }
  return res;
}
const getJSON = async (path, opts) => (await api(path, opts)).json();

function status(msg, isError = false) {
  const s = $('status');
  s.textContent = msg;
  s.classList.toggle('error', isError);
}

// guard runs an async UI action, reporting its failure in the status bar.
const guard = (fn) => async (...args) => {
  try { await fn(...args); } catch (e) { status(e.message, true); }
};

// ---- state ----

const S = {
  datasets: [], ds: null, projections: [], proj: null, n: 0,
  colorBy: 'label', categories: [], codes: null,
  selection: null, isolate: false, matches: null,
  current: -1, neighbors: [], a: -1, b: -1,
  models: [], job: null,
};

// Colours: ten well-separated ones, then a golden-angle sweep.
const BASE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const palette = [];
for (let i = 0; i < 256; i++) {
  if (i < BASE.length) {
    const h = BASE[i];
    palette.push([1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16) / 255));
  } else {
    const hue = (i * 137.508) % 360, l = 0.45 + 0.15 * ((i >> 1) % 2), s = 0.65;
    const k = (n) => (n + hue / 30) % 12, a = s * Math.min(l, 1 - l);
    palette.push([0, 8, 4].map((n) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  }
}
const css = (c) => `rgb(${c.map((v) => Math.round(v * 255)).join(',')})`;

const scatter = new Scatter($('canvas'), {
  onHover: (i, e) => hover(i, e),
  onClick: (i) => { if (i >= 0) selectPoint(i); },
  onLasso: (path) => {
    const idx = scatter.inPolygon(path);
    S.selection = new Uint8Array(S.n);
    for (const i of idx) S.selection[i] = 1;
    status(`${idx.length} points selected`);
    $('lasso').classList.remove('on'); scatter.lassoMode = false;
    updateState();
  },
});
scatter.setPalette(palette);

// updateState recomputes every point's state byte: hidden when isolating
// and outside the selection, highlighted for the current point, its
// neighbours and A/B, dimmed when a search or a selection leaves it out.
function updateState() {
  if (!S.n) return;
  const st = new Uint8Array(S.n);
  const sel = S.selection, m = S.matches;
  for (let i = 0; i < S.n; i++) {
    if (sel && !sel[i]) st[i] = S.isolate ? 3 : 2;
    else if (m && !m[i]) st[i] = 2;
  }
  const hl = [S.current, S.a, S.b, ...S.neighbors].filter((i) => i >= 0 && st[i] !== 3);
  for (const i of hl) st[i] = 1;
  scatter.highlighted = hl;
  scatter.setState(st);
}

// ---- thumbnails ----

const thumbs = new Map();
async function thumb(row, scale = 2) {
  const key = row + '/' + scale;
  if (thumbs.has(key)) return thumbs.get(key);
  const p = api(`/api/datasets/${S.ds.id}/rows/${row}/image?scale=${scale}`).then((r) => r.blob()).then((b) => URL.createObjectURL(b));
  thumbs.set(key, p);
  if (thumbs.size > 600) {
    const [k, old] = thumbs.entries().next().value;
    thumbs.delete(k);
    old.then((u) => URL.revokeObjectURL(u), () => {});
  }
  return p;
}

// sized returns an img element with the size of a thumbnail at scale, so
// that the layout does not move when it loads.
function sized(scale) {
  return el('img', { width: S.ds.image.Width * scale, height: S.ds.image.Height * scale });
}

function metaTable(info) {
  const t = el('table', { className: 'meta' });
  if (info.label) t.append(el('tr', {}, el('td', { textContent: 'label' }), el('td', { textContent: info.label })));
  for (const [k, v] of Object.entries(info.meta || {}).slice(0, 12)) {
    t.append(el('tr', {}, el('td', { textContent: k }), el('td', { textContent: v })));
  }
  return t;
}

// ---- hover ----

let hoverRow = -1, hoverSeq = 0;
async function hover(i, e) {
  const box = $('hover');
  if (i < 0) { box.hidden = true; hoverRow = -1; return; }
  const r = $('plot').getBoundingClientRect();
  box.style.left = Math.min(e.clientX - r.left + 14, r.width - 200) + 'px';
  box.style.top = Math.min(e.clientY - r.top + 14, r.height - 120) + 'px';
  if (i === hoverRow) return;
  hoverRow = i;
  const seq = ++hoverSeq;
  try {
    const info = await getJSON(`/api/datasets/${S.ds.id}/rows/${i}`);
    const kids = [el('div', { textContent: '#' + i })];
    if (info.image) {
      const img = sized(3);
      img.src = await thumb(i, 3);
      kids.unshift(img);
    }
    if (seq !== hoverSeq) return;
    box.replaceChildren(...kids, metaTable(info));
    box.hidden = false;
  } catch (err) { status(err.message, true); }
}

// ---- selection and neighbours ----

async function selectPoint(i) {
  S.current = i;
  $('current-box').hidden = false;
  $('current-index').textContent = '#' + i;
  const info = await getJSON(`/api/datasets/${S.ds.id}/rows/${i}`);
  const kids = [];
  if (info.image) { const img = sized(4); img.src = await thumb(i, 4); kids.push(img); }
  $('current').replaceChildren(...kids, metaTable(info));
  await loadNeighbors();
}

async function loadNeighbors() {
  if (S.current < 0) return;
  const k = Math.max(1, Math.min(100, parseInt($('k').value, 10) || 10));
  const q = `/api/datasets/${S.ds.id}/neighbors?row=${S.current}&k=${k}&metric=${$('metric').value}`;
  const res = await getJSON(q);
  S.neighbors = res.rows;
  $('neighbors-info').textContent = `${res.rows.length} nearest in the original space (${res.metric}, ${res.method})`;
  const items = await Promise.all(res.rows.map(async (r, j) => {
    const li = el('li', { title: 'distance ' + res.distances[j].toPrecision(4) });
    li.dataset.row = r;
    if (S.ds.image.Height > 0) { const img = sized(1); img.src = await thumb(r, 1); li.append(img); }
    li.append(`#${r} ${labelOf(r)} · ${res.distances[j].toPrecision(3)}`);
    li.addEventListener('click', guard(() => selectPoint(r)));
    return li;
  }));
  $('neighbors').replaceChildren(...items);
  updateState();
}

function labelOf(i) {
  if (!S.codes || S.codes[i] < 0) return '';
  return S.categories[S.codes[i]] || '';
}

// ---- interpolation and samples ----

async function setEnd(which) {
  if (S.current < 0) return;
  S[which] = S.current;
  $(which + '-label').textContent = '#' + S.current;
  updateState();
  await interpolate();
}

async function interpolate() {
  const model = $('model').value;
  if (!model || S.a < 0 || S.b < 0) return;
  const res = await api(`/api/models/${model}/interpolate`, { json: { dataset: S.ds.id, a: S.a, b: S.b, steps: 8, mode: $('interp-mode').value } });
  const img = el('img', { alt: `interpolation from #${S.a} to #${S.b}` });
  img.src = URL.createObjectURL(await res.blob());
  $('strip').replaceChildren(img);
}

async function sample() {
  const model = $('model').value;
  if (!model) { status('choose a model first', true); return; }
  const seed = Math.floor(Math.random() * 1e9);
  const res = await api(`/api/models/${model}/sample`, { json: { dataset: S.ds.id, n: 16, seed } });
  const img = el('img', { alt: 'samples, seed ' + seed });
  img.src = URL.createObjectURL(await res.blob());
  $('samples').replaceChildren(img);
}

// ---- colours, legend and search ----

async function applyColors() {
  const by = S.colorBy;
  const codes = new Float32Array(S.n).fill(-1);
  S.categories = [];
  if (by) {
    const cat = await getJSON(`/api/datasets/${S.ds.id}/categories?by=${encodeURIComponent(by)}`);
    const res = await api(`/api/datasets/${S.ds.id}/codes?by=${encodeURIComponent(by)}`);
    const buf = await res.arrayBuffer();
    const wide = res.headers.get('X-Latent-Code-Width') === '4';
    const raw = wide ? new Uint32Array(buf) : new Uint16Array(buf);
    const none = wide ? 0xFFFFFFFF : 0xFFFF;
    for (let i = 0; i < S.n; i++) codes[i] = raw[i] === none ? -1 : raw[i];
    S.categories = cat.categories;
    const items = cat.categories.slice(0, 60).map((c, j) => {
      const li = el('li', {}, el('span', { className: 'swatch' }), `${c} (${cat.counts[j]})`);
      li.firstChild.style.background = css(palette[j % 256]);
      li.addEventListener('click', () => { $('search').value = c; $('regex').checked = false; runSearch(); });
      return li;
    });
    if (cat.categories.length > 60) items.push(el('li', { textContent: `… ${cat.categories.length - 60} more` }));
    $('legend').replaceChildren(...items);
  } else {
    $('legend').replaceChildren();
  }
  S.codes = codes;
  scatter.setCodes(codes);
}

let searchTimer = 0;
function scheduleSearch() { clearTimeout(searchTimer); searchTimer = setTimeout(guard(runSearch), 250); }

async function runSearch() {
  const q = $('search').value;
  if (!q) { S.matches = null; updateState(); status(`${S.n} points`); return; }
  const res = await getJSON(`/api/datasets/${S.ds.id}/search?q=${encodeURIComponent(q)}&regex=${$('regex').checked ? 1 : 0}&limit=${S.n}`);
  S.matches = new Uint8Array(S.n);
  for (const i of res.rows) S.matches[i] = 1;
  status(`${res.count} points match “${q}”`);
  updateState();
}

// ---- datasets and projections ----

function fillSelect(sel, items, value, label) {
  sel.replaceChildren(...items.map((it) => el('option', { value: it.id ?? it, textContent: label(it) })));
  if (value !== undefined) sel.value = value;
}

async function loadDatasets(want) {
  const { datasets } = await getJSON('/api/datasets');
  S.datasets = datasets;
  fillSelect($('dataset'), datasets, undefined, (d) => `${d.name} (${d.rows.toLocaleString()}×${d.dim})`);
  if (!datasets.length) { showEmpty('The workspace is empty: upload a file, or run "latent import FILE".'); return; }
  const d = datasets.find((x) => x.id === want || x.name === want) || datasets[0];
  $('dataset').value = d.id;
  await selectDataset(d.id);
}

function showEmpty(msg) {
  const e = $('empty');
  e.textContent = msg;
  e.hidden = !msg;
}

async function selectDataset(id, wantProj) {
  S.ds = await getJSON(`/api/datasets/${id}`);
  // A collection in a vector database answers in its index's metric.
  if (S.ds.metric) $('metric').value = S.ds.metric;
  S.current = -1; S.neighbors = []; S.a = -1; S.b = -1; S.selection = null; S.matches = null; S.isolate = false;
  thumbs.clear();
  $('current-box').hidden = true; $('neighbors').replaceChildren(); $('strip').replaceChildren();
  $('a-label').textContent = '–'; $('b-label').textContent = '–';
  const cols = [];
  if (S.ds.labelled) cols.push({ id: 'label', name: 'label' });
  for (const m of S.ds.meta) cols.push({ id: 'meta:' + m, name: m });
  cols.push({ id: '', name: 'none' });
  fillSelect($('colorby'), cols, cols[0].id, (c) => c.name);
  S.colorBy = cols[0].id;
  const { models } = await getJSON('/api/models');
  S.models = models.filter((m) => m.dataset_id === S.ds.id || !m.dataset_id);
  fillSelect($('model'), [{ id: '', name: 'no model' }, ...S.models], S.models.length ? S.models[0].id : '', (m) => m.id ? `${m.name} (${m.kind})` : m.name);
  await loadBookmarks();
  await loadProjections(wantProj);
}

async function loadProjections(want) {
  const { projections } = await getJSON(`/api/datasets/${S.ds.id}/projections`);
  S.projections = projections;
  fillSelect($('projection'), projections, undefined, (p) => `${p.name} (${p.dims}-D)`);
  if (!projections.length) {
    S.n = 0; scatter.setPoints(new Float32Array(0), 2);
    showEmpty('No projection of this dataset yet: choose a method on the left and press "project".');
    status(`${S.ds.name}: ${S.ds.rows} rows, no projection`);
    return;
  }
  const p = projections.find((x) => x.id === want) || projections[0];
  $('projection').value = p.id;
  await selectProjection(p.id);
}

async function selectProjection(id) {
  showEmpty('');
  const t0 = performance.now();
  const res = await api(`/api/projections/${id}/points`);
  const dims = parseInt(res.headers.get('X-Latent-Dims'), 10);
  const coords = new Float32Array(await res.arrayBuffer());
  S.proj = S.projections.find((p) => p.id === id);
  S.n = coords.length / dims;
  scatter.setPoints(coords, dims);
  $('mode3d').disabled = dims !== 3;
  $('mode3d').classList.toggle('on', false);
  if (dims === 3) { scatter.set3d(true); $('mode3d').classList.add('on'); }
  await applyColors();
  updateState();
  status(`${S.ds.name} · ${S.proj.name}: ${S.n.toLocaleString()} points loaded in ${Math.round(performance.now() - t0)} ms`);
}

// ---- jobs ----

// runJob starts a job, shows its progress and returns the final job.
async function runJob(kind, params) {
  const job = await getJSON('/api/jobs', { json: { kind, dataset: S.ds.id, params } });
  S.job = job.id;
  $('job').hidden = false;
  $('job-text').textContent = kind + ' queued';
  try {
    return await followJob(job.id, (p) => {
      $('job-progress').max = p.total || 1;
      $('job-progress').value = p.total ? p.done : 0;
      $('job-text').textContent = `${p.stage}${p.message ? ' · ' + p.message : ''}`;
    });
  } finally {
    $('job').hidden = true;
    S.job = null;
  }
}

function jobFailed(end) {
  if (end.state === 'done') return false;
  status(`${end.kind} job ${end.state}${end.error ? ': ' + end.error : ''}`, end.state === 'failed');
  return true;
}

async function runProjection(embedding, name) {
  const params = { method: $('method').value, dims: parseInt($('dims').value, 10) };
  if (embedding) { params.embedding = embedding; params.name = name; }
  const end = await runJob('project', params);
  if (!jobFailed(end)) await loadProjections(end.result.projection);
}

// encodeAndMap encodes every row with the chosen model and projects the
// codes: the map of the model's latent space.
async function encodeAndMap() {
  const model = $('model').value;
  if (!model) { status('choose a model first', true); return; }
  const end = await runJob('encode', { model });
  if (jobFailed(end)) return;
  const m = S.models.find((x) => x.id === model);
  await runProjection(end.result.embedding, `${$('method').value} of ${m ? m.name : model} codes`);
}

async function trainModel() {
  const kind = $('train-kind').value, latent = parseInt($('train-latent').value, 10) || 16;
  const name = `${kind}-${latent}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
  const params = { kind, name, latent };
  if (kind !== 'pca') params.epochs = 10;
  const end = await runJob('train', params);
  if (jobFailed(end)) return;
  const { models } = await getJSON('/api/models');
  S.models = models.filter((m) => m.dataset_id === S.ds.id || !m.dataset_id);
  fillSelect($('model'), [{ id: '', name: 'no model' }, ...S.models], end.result.model, (m) => m.id ? `${m.name} (${m.kind})` : m.name);
  status(`trained ${name}`);
  await interpolate();
}

// followJob reads the job's server-sent events through fetch (so the
// bearer token goes in a header) until its end event.
async function followJob(id, onProgress) {
  const res = await api(`/api/jobs/${id}/events`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '', end = null;
  while (!end) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, k); buf = buf.slice(k + 2);
      let event = '', data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (event === 'progress') onProgress(JSON.parse(data));
      else if (event === 'end') end = JSON.parse(data);
    }
  }
  reader.cancel().catch(() => {});
  return end || getJSON(`/api/jobs/${id}`);
}

// ---- uploads, exports, bookmarks ----

async function upload(file) {
  status(`uploading ${file.name}…`);
  const form = new FormData();
  form.append('file', file, file.name);
  const info = await getJSON('/api/datasets', { method: 'POST', body: form });
  status(`imported ${info.name}: ${info.rows} × ${info.dim}`);
  await loadDatasets(info.id);
}

function download(href, name) {
  const a = el('a', { href, download: name });
  document.body.append(a); a.click(); a.remove();
}

async function exportProjection(format) {
  if (!S.proj) return;
  const blob = await (await api(`/api/projections/${S.proj.id}/export?format=${format}`)).blob();
  const url = URL.createObjectURL(blob);
  download(url, `${S.ds.name}-${S.proj.name}.${format}`);
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function viewState() {
  const sel = [];
  if (S.selection) for (let i = 0; i < S.n && sel.length < 5000; i++) if (S.selection[i]) sel.push(i);
  return {
    projection: S.proj && S.proj.id, colorBy: S.colorBy, search: $('search').value, regex: $('regex').checked,
    view: scatter.view, mode3d: scatter.mode3d, current: S.current, isolate: S.isolate, selection: sel,
  };
}

async function loadBookmarks() {
  const { bookmarks } = await getJSON(`/api/datasets/${S.ds.id}/bookmarks`);
  S.bookmarks = bookmarks;
  fillSelect($('bookmarks'), [{ id: '', name: 'restore a view…' }, ...bookmarks], '', (b) => b.name);
}

async function saveBookmark() {
  const name = $('bookmark-name').value.trim() || `view ${new Date().toLocaleString()}`;
  await getJSON(`/api/datasets/${S.ds.id}/bookmarks`, { json: { name, state: viewState() } });
  $('bookmark-name').value = '';
  await loadBookmarks();
  status(`saved view “${name}”`);
}

async function restoreBookmark(id) {
  const b = S.bookmarks.find((x) => x.id === id);
  if (!b) return;
  const st = b.state;
  if (st.projection && (!S.proj || st.projection !== S.proj.id)) {
    $('projection').value = st.projection;
    await selectProjection(st.projection);
  }
  if (st.colorBy !== undefined && st.colorBy !== S.colorBy) { $('colorby').value = st.colorBy; S.colorBy = st.colorBy; await applyColors(); }
  $('search').value = st.search || ''; $('regex').checked = !!st.regex;
  await runSearch();
  S.selection = null;
  if (st.selection && st.selection.length) { S.selection = new Uint8Array(S.n); for (const i of st.selection) if (i < S.n) S.selection[i] = 1; }
  S.isolate = !!st.isolate; $('isolate').classList.toggle('on', S.isolate);
  if (st.mode3d !== undefined) scatter.set3d(st.mode3d);
  if (st.view) Object.assign(scatter.view, st.view);
  scatter.viewChanged();
  if (st.current >= 0) await selectPoint(st.current); else updateState();
  status(`restored “${b.name}”`);
}

// ---- wiring ----

$('dataset').addEventListener('change', guard((e) => selectDataset(e.target.value)));
$('projection').addEventListener('change', guard((e) => selectProjection(e.target.value)));
$('colorby').addEventListener('change', guard(async (e) => { S.colorBy = e.target.value; await applyColors(); }));
$('search').addEventListener('input', scheduleSearch);
$('regex').addEventListener('change', scheduleSearch);
$('mode3d').addEventListener('click', () => { scatter.set3d(!scatter.mode3d); $('mode3d').classList.toggle('on', scatter.mode3d); });
$('lasso').addEventListener('click', () => { scatter.lassoMode = !scatter.lassoMode; $('lasso').classList.toggle('on', scatter.lassoMode); });
$('isolate').addEventListener('click', () => {
  if (!S.selection) { status('select points with the lasso first (shift-drag)', true); return; }
  S.isolate = !S.isolate; $('isolate').classList.toggle('on', S.isolate); updateState();
});
$('clear').addEventListener('click', () => {
  S.selection = null; S.matches = null; S.isolate = false; S.current = -1; S.neighbors = [];
  $('search').value = ''; $('isolate').classList.remove('on'); $('current-box').hidden = true;
  $('neighbors').replaceChildren(); $('neighbors-info').textContent = 'click a point';
  updateState(); status(`${S.n} points`);
});
$('reset').addEventListener('click', () => scatter.resetView());
$('k').addEventListener('change', guard(loadNeighbors));
$('metric').addEventListener('change', guard(loadNeighbors));
$('use-a').addEventListener('click', guard(() => setEnd('a')));
$('use-b').addEventListener('click', guard(() => setEnd('b')));
$('interp-mode').addEventListener('change', guard(interpolate));
$('model').addEventListener('change', guard(interpolate));
$('sample').addEventListener('click', guard(sample));
$('run').addEventListener('click', guard(() => runProjection()));
$('encode').addEventListener('click', guard(encodeAndMap));
$('train').addEventListener('click', guard(trainModel));
$('job-cancel').addEventListener('click', guard(async () => { if (S.job) await api(`/api/jobs/${S.job}/cancel`, { method: 'POST' }); }));
$('upload').addEventListener('change', guard(async (e) => { if (e.target.files[0]) await upload(e.target.files[0]); e.target.value = ''; }));
$('export-csv').addEventListener('click', guard(() => exportProjection('csv')));
$('export-npy').addEventListener('click', guard(() => exportProjection('npy')));
$('export-png').addEventListener('click', () => download(scatter.snapshot(), `${S.ds ? S.ds.name : 'latent'}.png`));
$('bookmark-save').addEventListener('click', guard(saveBookmark));
$('bookmarks').addEventListener('change', guard((e) => restoreBookmark(e.target.value)));

// A small handle for scripts and tests: the renderer, the state and a
// promise that settles when the first projection is on screen.
window.latent = { scatter, state: S, ready: false, screenPos: (i) => scatter.screenPos(i) };

const params = new URLSearchParams(location.search);
(async () => {
  try {
    const health = await getJSON('/api/health');
    const kinds = health.model_kinds || ['pca'];
    fillSelect($('train-kind'), kinds, kinds.includes('vae') ? 'vae' : kinds[0], (k) => k);
    await loadDatasets(params.get('dataset'));
    if (params.get('projection') && S.ds && S.proj && params.get('projection') !== S.proj.id) {
      $('projection').value = params.get('projection');
      await selectProjection(params.get('projection'));
    }
  } catch (e) {
    status(e.message, true);
  }
  window.latent.ready = true;
})();
