// The sweeps list: status, progress, best trial so far, elapsed and estimated remaining time; refreshed by live events.
import { api } from '../api.js';
import { h, mount, fmt, statusBadge, debounce } from '../dom.js';

export function progressOf(s) {
  const done = s.succeeded + s.failed + s.cancelled;
  const end = s.finishedAt ? new Date(s.finishedAt) : new Date();
  const elapsed = end - new Date(s.createdAt);
  const remaining = s.finishedAt || done === 0 ? null : elapsed * (s.plannedRuns - done) / done;
  return { done, elapsed, remaining };
}

export async function sweepsPage(main, ctx) {
  const best = new Map();
  const body = h('tbody');
  const table = h('table', { id: 'sweeps-table' },
    h('caption.sr-only', 'Sweeps, newest first'),
    h('thead', h('tr', ['Sweep', 'Status', 'Progress', 'Best trial (test bc, all)', 'Elapsed', 'Remaining (est.)', 'Created'].map(t => h('th', { scope: 'col' }, t)))),
    body);
  mount(main, h('h1', 'Sweeps'),
    h('div.toolbar', h('a.button', { href: '#/submit' }, 'Submit a sweep')),
    table);

  async function load() {
    const sweeps = await api.sweeps();
    const rows = sweeps.map(s => {
      const p = progressOf(s);
      const b = best.get(s.id);
      return h('tr', { dataset: { sweep: s.id } },
        h('td', h('a', { href: `#/sweep/${encodeURIComponent(s.id)}` }, s.name), h('div.muted', s.id)),
        h('td', statusBadge(s.status)),
        h('td', h('progress', { max: s.plannedRuns, value: p.done, 'aria-label': `${p.done} of ${s.plannedRuns} runs finished` }), ` ${p.done}/${s.plannedRuns}`,
          s.failed ? h('span.error', ` ${s.failed} failed`) : null),
        h('td', b ? `${b.parameters?.method ?? ''} #${b.index}: ${fmt.num(b.mean)}` : '–'),
        h('td', fmt.duration(p.elapsed)),
        h('td', s.finishedAt ? 'done' : fmt.duration(p.remaining)),
        h('td', fmt.time(s.createdAt)));
    });
    mount(body, rows.length ? rows : h('tr', h('td', { colspan: 7 }, 'No sweeps yet. Submit one.')));
    // Best trial so far: one small paged request per sweep (the trial table knows the metric's direction).
    for (const s of sweeps.slice(0, 50)) {
      if (best.has(s.id) && s.completed) continue;
      api.trialTable(s.id, { metric: 'bc', level: 'all', split: 'test', limit: 1 }).then(t => {
        if (t.best) { best.set(s.id, t.best); const cell = body.querySelector(`tr[data-sweep="${CSS.escape(s.id)}"] td:nth-child(4)`); if (cell) cell.textContent = `${t.best.parameters?.method ?? ''} #${t.best.index}: ${fmt.num(t.best.mean)}`; }
      }).catch(() => {});
    }
  }
  await load();
  const reload = debounce(() => load().catch(() => {}), 400);
  const off = ctx.on(kind => { if (kind !== 'subscribed' && kind !== 'run-progress') reload(); });
  const timer = setInterval(reload, 5000); // elapsed and remaining time move on between events
  return () => { off(); clearInterval(timer); };
}
