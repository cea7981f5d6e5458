// One sweep: header and downloads, the method comparison per ambiguity level, the trials table (server-side paging and
// sorting), the parallel-coordinates plot, and for a chosen trial its fold results, learning curves (live), confusion
// matrix and a few utterances' distributions read from the run's predictions.parquet.
import { api, getBytes } from '../api.js';
import { h, mount, fmt, statusBadge, debounce, saveBlob } from '../dom.js';
import { chartBlock, lineOption, barsWithErrorsOption, parallelOption, heatmapOption, distributionOption } from '../charts.js';
import { progressOf } from './sweeps.js';

const LEVELS = ['all', 'low', 'medium', 'high'];
const LOWER_IS_BETTER = new Set(['js', 'kl', 'ece']);
const PAGE = 25;

export async function sweepPage(main, ctx, id) {
  const state = {
    metric: 'bc', sort: 'metric', desc: null, offset: 0, trial: null, run: null,
    curveName: 'val_js', liveCurves: new Map(), // runId → Map(name → [[epoch, value]])
  };
  const charts = [];
  const block = (...args) => { const c = chartBlock(...args); charts.push(c); return c; };

  const header = h('section', { id: 'sweep-header' });
  const files = h('section', { id: 'downloads' });
  const metricSelect = h('select', { id: 'metric-select' });
  const comparison = block('comparison', 'Method comparison per ambiguity level', { description: 'Bars: mean over runs; whiskers: ± one standard deviation across folds.' });
  const comparisonTable = h('div', { id: 'comparison-table' });
  const trialsBody = h('tbody'), trialsHead = h('thead'), pager = h('div.pager');
  const parallel = block('parallel', 'Hyperparameters against the metric (parallel coordinates)', { tall: true });
  const parallelNote = h('p.muted', { id: 'parallel-note' });
  const detail = h('section', { id: 'trial-detail' });
  const live = block('curves', 'Learning curves (live)', { description: 'One line per run and epoch.' });
  const curveSelect = h('select', { id: 'curve-select' }, ['val_js', 'val_loss', 'val_bc', 'val_accuracy', 'train_loss', 'learning_rate'].map(n => h('option', n)));
  curveSelect.addEventListener('change', () => { state.curveName = curveSelect.value; drawCurves(); });
  metricSelect.addEventListener('change', () => { state.metric = metricSelect.value; state.offset = 0; refreshResults(); refreshTrials(); });

  mount(main, header, files,
    h('h2', 'Method comparison'),
    h('div.toolbar', h('label', { for: 'metric-select' }, 'Metric'), metricSelect,
      h('span.muted', 'Every metric per ambiguity level (low, medium, high tertiles of the reference entropy) is in the table.')),
    comparison.el, h('div.table-scroll', comparisonTable),
    h('h2', 'Trials'),
    h('div.table-scroll', h('table', { id: 'trials-table' }, h('caption.sr-only', 'Trials; sortable by the column buttons'), trialsHead, trialsBody)), pager,
    parallel.el, parallelNote,
    h('h2', 'Learning curves'),
    h('div.toolbar', h('label', { for: 'curve-select' }, 'Curve'), curveSelect, h('span.muted', 'Runs that are training now, or the runs of the selected trial.')),
    live.el,
    detail);

  // ---- header, progress, cancel, downloads
  async function refreshHeader() {
    const s = await api.sweep(id);
    const p = progressOf(s);
    const cancel = h('button.danger', { type: 'button', id: 'cancel-sweep', onclick: async () => {
      if (!confirm(`Cancel sweep ${s.name}?`)) return;
      await api.cancel(id); refreshHeader();
    } }, 'Cancel sweep');
    mount(header, h('h1', 'Sweep ', h('span', { id: 'sweep-name' }, s.name)),
      h('dl.kv',
        h('dt', 'Id'), h('dd', s.id),
        h('dt', 'Status'), h('dd', { id: 'sweep-status' }, statusBadge(s.status), s.completed ? ' (results written)' : ''),
        h('dt', 'Runs'), h('dd', h('progress', { max: s.plannedRuns, value: p.done, 'aria-label': 'runs finished' }),
          ` ${p.done} of ${s.plannedRuns} finished: ${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled, ${s.activeRuns} running`),
        h('dt', 'Elapsed'), h('dd', fmt.duration(p.elapsed), s.finishedAt ? '' : ` (about ${fmt.duration(p.remaining)} left)`),
        s.completionError ? [h('dt', 'Completion error'), h('dd.error', s.completionError)] : null),
      s.status === 'running' ? h('div.toolbar', cancel) : null);
    return s;
  }

  const fileLink = f => h('li', h('a', { href: api.fileUrl(id, f.path), 'data-file': f.path, onclick: async ev => {
    ev.preventDefault();
    saveBlob(f.path.replaceAll('/', '_'), new Blob([await getBytes(api.fileUrl(id, f.path))], { type: 'application/vnd.apache.parquet' }));
  } }, f.path), ` (${(f.length / 1024).toFixed(1)} KB)`);

  async function refreshFiles() {
    const list = await api.files(id);
    mount(files, h('h2', 'Downloads (Parquet)'),
      list.length ? h('ul', list.map(fileLink)) : h('p.muted', 'The summary appears when the sweep has finished.'),
      h('p.muted', 'Each run\'s metrics, predictions and curves are under the selected trial below.'));
    return list;
  }

  // ---- method comparison: per method its best trial, mean ± std per level; the table has every metric per level
  async function refreshResults() {
    const page = await api.trialTable(id, { metric: state.metric, level: 'all', split: 'test', limit: 1 });
    const chosen = await Promise.all(page.bestByMethod.map(async b => [b.parameters?.method ?? '?', b, await api.trialDetail(id, b.id)]));
    const metrics = [...new Set(chosen.flatMap(([, , d]) => d.metrics.filter(m => m.split === 'test').map(m => m.name)))].sort();
    if (metrics.length && !metrics.includes(state.metric)) { state.metric = metrics.includes('bc') ? 'bc' : metrics[0]; return refreshResults(); }
    mount(metricSelect, (metrics.length ? metrics : ['bc', 'js', 'kl', 'r2', 'accuracy', 'f1_macro', 'ece']).map(m => h('option', { value: m, selected: m === state.metric }, m)));
    metricSelect.value = state.metric;
    const value = (d, level, name) => d.metrics.find(m => m.split === 'test' && m.level === level && m.name === name);
    const label = (m, b) => (page.total > chosen.length ? `${m} (#${b.index})` : m);
    const groups = chosen.map(([m, b, d]) => ({ name: label(m, b), values: LEVELS.map(l => value(d, l, state.metric) ?? null) }));
    comparison.set(barsWithErrorsOption(LEVELS, groups, `${state.metric} (test)`),
      [['method', 'trial', 'level', 'metric', 'mean', 'std', 'n'], ...chosen.flatMap(([m, b, d]) => LEVELS.map(l => { const v = value(d, l, state.metric); return [m, b.id, l, state.metric, v?.mean, v?.std, v?.n]; }))]);
    const shown = metrics.filter(m => !m.startsWith('n_'));
    mount(comparisonTable, chosen.length === 0 ? h('p.muted', 'No finished runs yet.') :
      h('table', { id: 'levels-table' }, h('caption', `Test metrics per ambiguity level, mean ± std over runs (best trial of each method by ${state.metric})`),
        h('thead', h('tr', h('th', { scope: 'col' }, 'method'), h('th', { scope: 'col' }, 'level'), shown.map(m => h('th.num', { scope: 'col' }, m)))),
        h('tbody', chosen.flatMap(([m, b, d]) => LEVELS.map(l => h('tr', h('td', label(m, b)), h('td', l),
          shown.map(name => { const v = value(d, l, name); return h('td.num.pm', v ? fmt.pm(v.mean, v.std) : '–'); })))))));
  }

  // ---- trials table (server-side paging and sorting) and parallel coordinates (all trials, compact rows)
  let paramNames = [];
  function sortButton(key, text) {
    const active = state.sort === key;
    return h('th', { scope: 'col', 'aria-sort': active ? (state.desc ? 'descending' : 'ascending') : 'none' },
      h('button.sort', { type: 'button', dataset: { sort: key }, onclick: () => {
        state.desc = state.sort === key ? !state.desc : key === 'metric' ? !LOWER_IS_BETTER.has(state.metric) : false;
        state.sort = key; state.offset = 0; refreshTrials();
      } }, text, active ? (state.desc ? ' ▼' : ' ▲') : ''));
  }
  async function refreshTrials() {
    const page = await api.trialTable(id, { metric: state.metric, level: 'all', split: 'test', sort: state.sort, ...(state.desc === null ? {} : { desc: state.desc }), offset: state.offset, limit: PAGE });
    if (state.desc === null) state.desc = state.sort === 'metric' ? page.higherIsBetter : false;
    paramNames = [...new Set(page.rows.flatMap(r => Object.keys(r.parameters ?? {})))].filter(n => n !== 'method').sort();
    mount(trialsHead, h('tr', sortButton('index', '#'), h('th', { scope: 'col' }, 'method'), paramNames.map(n => sortButton(`param:${n}`, n)),
      sortButton('status', 'status'), h('th.num', { scope: 'col' }, 'runs ok/failed/all'), sortButton('metric', `${state.metric} (test, all)`)));
    mount(trialsBody, page.rows.map(r => h('tr', { dataset: { trial: r.id }, class: r.id === state.trial ? 'selected' : null },
      h('td', h('a', { href: `#/sweep/${encodeURIComponent(id)}`, onclick: ev => { ev.preventDefault(); selectTrial(r.id); } }, `#${r.index}`)),
      h('td', r.parameters?.method ?? ''),
      paramNames.map(n => h('td.num', r.parameters?.[n] === undefined ? '' : String(r.parameters[n]))),
      h('td', statusBadge(r.status)), h('td.num', `${r.succeeded}/${r.failed}/${r.runs}`),
      h('td.num.pm', fmt.pm(r.mean, r.std)))));
    const last = Math.min(page.total, page.offset + page.rows.length);
    mount(pager,
      h('button.secondary', { type: 'button', disabled: page.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); refreshTrials(); } }, 'Previous'),
      h('span', { id: 'trials-range' }, `${page.total ? page.offset + 1 : 0}–${last} of ${page.total} trials`),
      h('button.secondary', { type: 'button', disabled: last >= page.total, onclick: () => { state.offset += PAGE; refreshTrials(); } }, 'Next'));
    if (!state.trial && page.best) selectTrial(page.best.id);
    else if (!state.trial && page.rows.length) selectTrial(page.rows[0].id);
  }

  async function refreshParallel() {
    const t0 = performance.now();
    const all = await api.trialTable(id, { metric: state.metric, level: 'all', split: 'test', sort: 'index', desc: false, limit: 20000 });
    const names = [...new Set(all.rows.flatMap(r => Object.keys(r.parameters ?? {})))].sort((a, b) => (a === 'method' ? -1 : b === 'method' ? 1 : a.localeCompare(b)));
    const dims = names.map(n => {
      const vals = all.rows.map(r => r.parameters?.[n]);
      const numeric = vals.every(v => typeof v === 'number' || v === undefined);
      return numeric ? { name: n } : { name: n, categories: [...new Set(vals.map(v => String(v)))] };
    });
    dims.push({ name: `${state.metric} (test)` });
    const rows = all.rows.filter(r => r.mean !== null).map(r => [...names.map((n, i) => (dims[i].categories ? String(r.parameters?.[n]) : r.parameters?.[n] ?? null)), r.mean]);
    const chart = parallel.set(parallelOption(dims, rows, all.higherIsBetter), [[...names, state.metric], ...rows]);
    // 10,000 lines are drawn progressively over several frames: the time counts until ECharts says it has finished.
    if (chart) await new Promise(resolve => { const done = () => { chart.off('finished', done); resolve(); }; chart.on('finished', done); setTimeout(done, 10000); });
    const ms = performance.now() - t0;
    parallel.el.dataset.ms = String(Math.round(ms));
    parallelNote.textContent = `${rows.length} trials with a value (of ${all.total}); fetched and drawn in ${Math.round(ms)} ms.`;
  }

  // ---- one trial: fold results, curves, confusion matrix, utterances
  let trialRuns = [];
  async function selectTrial(trialId) {
    state.trial = trialId;
    for (const tr of trialsBody.querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.trial === trialId);
    const [detailData, trialFiles] = await Promise.all([api.trialDetail(id, trialId), api.files(id, trialId)]);
    const runs = detailData.runs;
    trialRuns = runs;
    const metricsByRun = new Map(await Promise.all(runs.filter(r => r.status === 'succeeded').map(async r => [r.id, await api.runMetrics(r.id)])));
    const cols = ['bc', 'js', 'r2', 'accuracy', 'f1_macro', 'ece'];
    const cell = (r, name, level = 'all') => metricsByRun.get(r.id)?.find(m => m.split === 'test' && m.level === level && m.name === name)?.value;
    const confusion = block('confusion', 'Confusion matrix (test, selected run)');
    const utterances = h('div', { id: 'utterances' });
    const runSelect = h('select', { id: 'run-select' }, runs.filter(r => r.status === 'succeeded').map(r => h('option', { value: r.id }, `fold ${r.fold}, seed ${r.seed}`)));
    for (const old of charts.filter(c => c.el.dataset.chart === 'confusion' && c !== confusion)) { old.dispose(); charts.splice(charts.indexOf(old), 1); }
    mount(detail,
      h('h2', `Trial ${runs[0]?.trialIndex !== undefined ? '#' + runs[0].trialIndex : trialId}: results per fold`),
      h('table', { id: 'folds-table' }, h('caption.sr-only', 'Test metrics per fold (level all)'),
        h('thead', h('tr', ['fold', 'seed', 'status', 'attempt'].map(t => h('th', { scope: 'col' }, t)), cols.map(c => h('th.num', { scope: 'col' }, c)), h('th', { scope: 'col' }, 'note'))),
        h('tbody', runs.map(r => h('tr', h('td', r.fold), h('td', r.seed), h('td', statusBadge(r.status)), h('td.num', r.attempt),
          cols.map(c => h('td.num', fmt.num(cell(r, c)))), h('td', r.lastError ?? r.pendingReason ?? ''))))),
      baselineTable(detailData.vsBaseline),
      h('details', { id: 'trial-files' }, h('summary', `${trialFiles.length} result files of this trial (Parquet)`), h('ul', trialFiles.map(fileLink))),
      h('h2', 'Predictions of one run'),
      runs.some(r => r.status === 'succeeded')
        ? h('div', h('div.toolbar', h('label', { for: 'run-select' }, 'Run'), runSelect), h('div.grid2', confusion.el, h('div', { id: 'confusion-table' })), h('h3', 'Utterances: predicted vs reference, with the two experts'), utterances)
        : h('p.muted', 'No run of this trial has finished yet.'));
    runSelect.addEventListener('change', () => showPredictions(runs.find(r => r.id === runSelect.value), trialFiles, confusion, utterances));
    const first = runs.find(r => r.status === 'succeeded');
    if (first) showPredictions(first, trialFiles, confusion, utterances).catch(e => mount(utterances, h('p.error', `Could not read the predictions: ${e.message}`)));
    await loadCurves(runs.filter(r => r.status !== 'queued').slice(0, 12));
  }

  // The trial against its ce baseline trial (same other parameters), paired over folds × seeds: test split, main metrics.
  function baselineTable(vs) {
    if (!vs || vs.length === 0) return null;
    const shown = ['bc', 'js', 'accuracy', 'f1_macro'];
    const rows = vs.filter(c => c.split === 'test' && shown.includes(c.name))
      .sort((a, b) => shown.indexOf(a.name) - shown.indexOf(b.name) || ['all', 'low', 'medium', 'high'].indexOf(a.level) - ['all', 'low', 'medium', 'high'].indexOf(b.level));
    const signed = v => (v >= 0 ? '+' : '') + fmt.num(v);
    return h('div',
      h('h2', 'Against the ce baseline'),
      h('table', { id: 'vs-baseline' },
        h('caption', `Difference this trial − baseline trial ${vs[0].baseline}, paired over folds × seeds (test split); significant: paired t p < 0.05`),
        h('thead', h('tr', ['metric', 'level'].map(t => h('th', { scope: 'col' }, t)),
          ['pairs', 'Δ mean', '95 % CI', 'p (paired t)', 'p (Wilcoxon)'].map(t => h('th.num', { scope: 'col' }, t)), h('th', { scope: 'col' }, 'significant'))),
        h('tbody', rows.map(c => h('tr', h('td', c.name), h('td', c.level), h('td.num', c.pairs), h('td.num', signed(c.meanDifference)),
          h('td.num', `${signed(c.ciLow)} … ${signed(c.ciHigh)}`), h('td.num', fmt.num(c.pairedTP)), h('td.num', fmt.num(c.wilcoxonP)),
          h('td', c.significant ? 'yes' : 'no'))))));
  }

  async function showPredictions(run, list, confusion, utterances) {
    const file = list.find(f => f.path.endsWith(`/${run.fold}-${run.seed}/predictions.parquet`) && f.path.startsWith(`${run.trialId}/`))
      ?? list.find(f => Object.values(run.artifacts ?? {}).some(a => a.endsWith(f.path)) && f.path.endsWith('predictions.parquet'));
    if (!file) { mount(utterances, h('p.muted', 'This run has no predictions file.')); return; }
    const { parquetMetadata, parquetReadObjects } = await import('../../vendor/hyparquet/index.js'); // vendored from npm
    const bytes = await getBytes(api.fileUrl(id, file.path));
    const meta = parquetMetadata(bytes);
    const classesKv = meta.key_value_metadata?.find(kv => kv.key === 'amber.classes')?.value;
    const rows = await parquetReadObjects({ file: bytes, metadata: meta });
    const classes = classesKv ? classesKv.split(',') : Object.keys(rows[0] ?? {}).filter(k => k.startsWith('pred_')).map(k => k.slice(5));
    const argmax = (r, prefix) => { let best = 0; classes.forEach((c, i) => { if (r[prefix + c] > r[prefix + classes[best]]) best = i; }); return best; };
    const matrix = classes.map(() => classes.map(() => 0));
    for (const r of rows) {
      const ref = r.reference_label ? classes.indexOf(r.reference_label) : -1;
      matrix[ref >= 0 ? ref : argmax(r, 'ref_')][argmax(r, 'pred_')]++;
    }
    confusion.set(heatmapOption(classes, matrix), [['reference \\ predicted', ...classes], ...matrix.map((row, i) => [classes[i], ...row])]);
    mount(detail.querySelector('#confusion-table'), h('table', h('caption', `${rows.length} test utterances; rows: reference, columns: predicted`),
      h('thead', h('tr', h('th', { scope: 'col' }, 'reference'), classes.map(c => h('th.num', { scope: 'col' }, c)))),
      h('tbody', matrix.map((row, i) => h('tr', h('th', { scope: 'row' }, classes[i]), row.map(v => h('td.num', v)))))));
    // Two utterances of each ambiguity level: the most ambiguous of each tertile.
    const picks = ['low', 'medium', 'high'].flatMap(level => rows.filter(r => r.ambiguity_level === level)
      .sort((a, b) => b.normalized_entropy - a.normalized_entropy).slice(0, 2));
    for (const c of charts.filter(c => c.el.dataset.chart?.startsWith('utterance-'))) c.dispose();
    const blocks = picks.map((r, i) => {
      const b = chartBlock(`utterance-${i}`, `${r.utterance_id} (${r.ambiguity_level} ambiguity)`);
      charts.push(b);
      return { b, r };
    });
    const hasExperts = picks.some(r => r.expert_speech_neutral !== null && r.expert_speech_neutral !== undefined || r[`expert_speech_${classes[0]}`] != null);
    mount(utterances, hasExperts ? null : h('p.muted', 'This method has no expert heads, so only the student prediction is shown; choose an amber2 trial above to see the speech and text experts.'),
      h('div.dist-grid', blocks.map(x => x.b.el)));
    for (const { b, r } of blocks) {
      const series = [['reference', 'ref_'], ['predicted', 'pred_'], ['speech expert', 'expert_speech_'], ['text expert', 'expert_text_']]
        .filter(([, p]) => r[p + classes[0]] !== null && r[p + classes[0]] !== undefined)
        .map(([name, p]) => ({ name, values: classes.map(c => +Number(r[p + c]).toFixed(4)) }));
      b.set(distributionOption(classes, series), [['distribution', ...classes], ...series.map(s => [s.name, ...s.values])]);
    }
  }

  async function loadCurves(runs) {
    state.liveCurves.clear();
    await Promise.all(runs.map(async r => {
      const points = await api.runCurves(r.id);
      const byName = new Map();
      for (const p of points) { if (!byName.has(p.name)) byName.set(p.name, []); byName.get(p.name).push([p.epoch, p.value]); }
      state.liveCurves.set(r.id, { label: `fold ${r.fold} seed ${r.seed}`, byName });
    }));
    drawCurves();
  }

  function drawCurves() {
    const series = [...state.liveCurves.values()].map(c => ({ name: c.label, points: c.byName.get(state.curveName) ?? [] }));
    live.set(lineOption(series, 'epoch', state.curveName),
      [['run', 'epoch', state.curveName], ...series.flatMap(s => s.points.map(p => [s.name, p[0], p[1]]))]);
  }
  const drawCurvesSoon = debounce(drawCurves, 250);

  // ---- live updates: progress appends to the curves; finished runs refresh tables and charts
  const refreshAll = debounce(async () => {
    await Promise.allSettled([refreshHeader(), refreshFiles(), refreshResults(), refreshTrials()]);
  }, 600);
  const refreshParallelSoon = debounce(() => refreshParallel().catch(() => {}), 3000);
  const off = ctx.on((kind, e) => {
    if (e.sweepId !== id) return;
    if (kind === 'run-progress' && e.progress) {
      let c = state.liveCurves.get(e.runId);
      if (!c) {
        const run = trialRuns.find(r => r.id === e.runId);
        if (state.liveCurves.size >= 12 && !run) return;
        c = { label: run ? `fold ${run.fold} seed ${run.seed}` : e.runId, byName: new Map() };
        state.liveCurves.set(e.runId, c);
      }
      for (const [name, value] of Object.entries(e.progress.values ?? {})) {
        if (!c.byName.has(name)) c.byName.set(name, []);
        c.byName.get(name).push([e.progress.epoch, value]);
      }
      drawCurvesSoon();
    } else if (kind !== 'subscribed') {
      refreshAll();
      if (kind === 'trial-finished' || kind === 'sweep-completed') { refreshParallelSoon(); if (state.trial) selectTrial(state.trial); }
    }
  });

  const s = await refreshHeader();
  await Promise.all([refreshFiles(), refreshResults()]);
  await refreshTrials();
  await refreshParallel();
  const timer = setInterval(() => { if (s.status === 'running') refreshHeader().catch(() => {}); }, 5000);
  return () => { off(); clearInterval(timer); charts.forEach(c => c.dispose()); };
}
