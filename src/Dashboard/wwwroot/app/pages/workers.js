// Workers: capabilities, liveness, current runs; and for each waiting run, why it waits.
import { api } from '../api.js';
import { h, mount, fmt, statusBadge, debounce } from '../dom.js';

export async function workersPage(main, ctx) {
  const workersBody = h('tbody'), waitingBody = h('tbody');
  mount(main, h('h1', 'Workers'),
    h('table', { id: 'workers-table' }, h('caption.sr-only', 'Workers'),
      h('thead', h('tr', ['Worker', 'Status', 'Last heartbeat', 'Slots', 'Cores', 'Memory', 'GPUs', 'Current runs'].map(t => h('th', { scope: 'col' }, t)))), workersBody),
    h('h2', 'Waiting runs'),
    h('p.muted', 'Runs of unfinished sweeps that are not running, with the reason the scheduler gives.'),
    h('table', { id: 'waiting-table' }, h('caption.sr-only', 'Waiting runs'),
      h('thead', h('tr', ['Run', 'Sweep', 'Status', 'Why it waits'].map(t => h('th', { scope: 'col' }, t)))), waitingBody));

  async function load() {
    const [workers, sweeps] = await Promise.all([api.workers(), api.sweeps()]);
    const open = sweeps.filter(s => !s.completed);
    // Only the runs this page shows (running, gathering, queued): a sweep of 50,000 runs stays a small answer.
    const runs = (await Promise.all(open.flatMap(s => ['running', 'gathering', 'queued'].map(status =>
      api.runs(s.id, status).then(r => r.map(x => ({ ...x, sweepName: s.name }))))))).flat();
    const byWorker = new Map();
    for (const r of runs.filter(r => r.status === 'running' || r.status === 'gathering')) for (const w of r.workers) {
      if (!byWorker.has(w)) byWorker.set(w, []);
      byWorker.get(w).push(r);
    }
    const now = Date.now();
    mount(workersBody, workers.length ? workers.map(w => h('tr', { dataset: { worker: w.id } },
      h('td', w.name, h('div.muted', w.id)),
      h('td', statusBadge(w.status)),
      h('td', `${fmt.duration(now - new Date(w.lastHeartbeat))} ago`),
      h('td.num', `${w.activeRuns}/${w.slots}`), h('td.num', w.cores), h('td.num', w.memoryMb ? `${w.memoryMb} MB` : '–'), h('td.num', w.gpus),
      h('td', (byWorker.get(w.id) ?? []).map(r => h('div', h('a', { href: `#/sweep/${encodeURIComponent(r.sweepId)}` }, r.id), ` (fold ${r.fold}, seed ${r.seed})`)))))
      : h('tr', h('td', { colspan: 8 }, 'No worker has registered.')));
    const waiting = runs.filter(r => r.status === 'queued' || r.status === 'gathering');
    mount(waitingBody, waiting.length ? waiting.slice(0, 500).map(r => h('tr',
      h('td', r.id), h('td', h('a', { href: `#/sweep/${encodeURIComponent(r.sweepId)}` }, r.sweepName)), h('td', statusBadge(r.status)),
      h('td', r.pendingReason ?? 'next in line')))
      : h('tr', h('td', { colspan: 4 }, 'No run is waiting.')));
  }
  await load();
  const reload = debounce(() => load().catch(() => {}), 500);
  const off = ctx.on(kind => { if (kind !== 'run-progress' && kind !== 'subscribed') reload(); });
  const timer = setInterval(reload, 5000);
  return () => { off(); clearInterval(timer); };
}
