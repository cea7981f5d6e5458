// Times the dashboard's pages in Chromium against a running silo: node bench/dashboard-pages.mjs <baseUrl> <token> <sweepId> [rounds]
// Uses the Playwright driver that Microsoft.Playwright puts next to the built dashboard tests, and Debian's Chromium.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { chromium } = require(join(root, 'tests/Dashboard.Tests/bin/Release/net10.0/.playwright/package'));
const [base, token, sweep, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 20);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${base}/dashboard/#token=${token}`);
await page.waitForSelector('#sweeps-table tbody tr');

// One in-app navigation: set the hash, resolve when the router says the page is drawn.
async function visit(hash) {
  return page.evaluate(h => new Promise((resolve, reject) => {
    if (location.hash === h) { reject(new Error(`already at ${h}`)); return; }
    const t0 = performance.now();
    window.addEventListener('amber:routed', () => resolve(performance.now() - t0), { once: true });
    location.hash = h;
  }), hash);
}
async function clickAndWait(selector, watched) {
  return page.evaluate(([sel, w]) => new Promise(resolve => {
    const target = document.querySelector(w); const before = target.textContent;
    const t0 = performance.now();
    const obs = new MutationObserver(() => { if (target.textContent !== before) { obs.disconnect(); resolve(performance.now() - t0); } });
    obs.observe(target, { childList: true, subtree: true, characterData: true });
    document.querySelector(sel).click();
  }), [selector, watched]);
}
const p95 = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]; };
const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

let note = '';
const t = { sweeps: [], sweep: [], workers: [], submit: [], next: [], sort: [], parallel: [] };
const firstSweep = await visit(`#/sweep/${sweep}`);          // cold: the silo computes the trial table once
for (let i = 0; i < rounds; i++) {
  t.sweeps.push(await visit('#/sweeps'));
  t.sweep.push(await visit(`#/sweep/${sweep}`));
  t.parallel.push(Number(await page.getAttribute('[data-chart="parallel"]', 'data-ms')));
  note = await page.textContent('#parallel-note');
  t.next.push(await clickAndWait('.pager button:last-child', '#trials-table tbody'));
  t.sort.push(await clickAndWait('button[data-sort="param:lr"]', '#trials-table tbody'));
  t.workers.push(await visit('#/workers'));
  t.submit.push(await visit('#/submit'));
}
await browser.close();
const fmt = v => (v / 1000).toFixed(3);
const all = [...t.sweeps, ...t.sweep, ...t.workers, ...t.submit, ...t.next, ...t.sort];
for (const [k, v] of Object.entries(t)) console.log(`${k}: median_s=${fmt(median(v))} p95_s=${fmt(p95(v))} n=${v.length}`);
console.log(`sweep page, first (cold) load: ${fmt(firstSweep)} s; parallel coordinates: ${note}`);
console.log('reference: the target of issue 12, p95 page time 2 s');
console.log(`dashboard: p95_page_s=${fmt(p95(all))} p95_parallel_s=${fmt(p95(t.parallel))} cold_sweep_page_s=${fmt(firstSweep)} rounds=${rounds} ratio=${(p95(all) / 2000).toFixed(3)}`);
