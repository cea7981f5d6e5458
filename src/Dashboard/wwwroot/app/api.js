// The only way the dashboard reaches the silo: its HTTP API with the user's bearer token, and its server-sent events.
// The token lives in sessionStorage (this tab only) and goes in the Authorization header. No cookie is ever used, so a
// page on another site cannot make the browser send an authenticated request: that is the dashboard's CSRF protection.

const KEY = 'amber.token';

export const auth = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
};

/** An API error: status, title and the validation errors by field path (problem details). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem?.title ?? `HTTP ${status}`;
    this.errors = problem?.errors ?? {};
  }
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  if (auth.token) h.Authorization = `Bearer ${auth.token}`;
  return h;
}

async function check(res) {
  if (res.ok) return res;
  let problem = null;
  try { problem = await res.json(); } catch { /* not JSON */ }
  if (res.status === 401) window.dispatchEvent(new CustomEvent('amber:unauthorized'));
  throw new ApiError(res.status, problem);
}

export async function get(path) { return (await check(await fetch(path, { headers: headers() }))).json(); }

export async function post(path, body, contentType = 'application/json') {
  const res = await fetch(path, { method: 'POST', headers: headers(body === undefined ? {} : { 'Content-Type': contentType }), body });
  return (await check(res)).json();
}

/** Exchanges the token for the Orleans dashboard's session cookie (HttpOnly, limited to /orleans-dashboard). */
export async function openOrleansDashboardSession() {
  await check(await fetch('/api/session/orleans-dashboard', { method: 'POST', headers: headers() }));
}

export async function getBytes(path) { return (await check(await fetch(path, { headers: headers({ Accept: '*/*' }) }))).arrayBuffer(); }

/** True when the token opens the API. */
export async function probe(token) {
  const res = await fetch('/api/sweeps', { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
  return res.ok;
}

export const api = {
  sweeps: () => get('/api/sweeps'),
  sweep: id => get(`/api/sweeps/${encodeURIComponent(id)}`),
  submit: (text, type) => post('/api/sweeps', text, type),
  cancel: id => post(`/api/sweeps/${encodeURIComponent(id)}/cancel`),
  trials: id => get(`/api/sweeps/${encodeURIComponent(id)}/trials`),
  runs: (id, status) => get(`/api/sweeps/${encodeURIComponent(id)}/runs${status ? `?status=${encodeURIComponent(status)}` : ''}`),
  results: id => get(`/api/sweeps/${encodeURIComponent(id)}/results`),
  files: (id, trial) => get(`/api/sweeps/${encodeURIComponent(id)}/files${trial ? `?trial=${encodeURIComponent(trial)}` : ''}`),
  trialDetail: (id, trial) => get(`/api/sweeps/${encodeURIComponent(id)}/trials/${encodeURIComponent(trial)}/detail`),
  fileUrl: (id, path) => `/api/sweeps/${encodeURIComponent(id)}/files/${path.split('/').map(encodeURIComponent).join('/')}`,
  trialTable: (id, q) => get(`/api/sweeps/${encodeURIComponent(id)}/trial-table?${new URLSearchParams(q)}`),
  runMetrics: id => get(`/api/runs/${encodeURIComponent(id)}/metrics`),
  runCurves: id => get(`/api/runs/${encodeURIComponent(id)}/curves`),
  workers: () => get('/api/workers'),
};

/**
 * Server-sent events from /api/events, read with fetch (EventSource cannot send an Authorization header).
 * onEvent(kind, data) for every event; reconnects after a drop; returns a function that stops it.
 */
export function subscribe(onEvent, onState) {
  const ctl = new AbortController();
  let stopped = false;
  (async () => {
    while (!stopped) {
      try {
        const res = await fetch('/api/events', { headers: headers({ Accept: 'text/event-stream' }), signal: ctl.signal });
        await check(res);
        onState?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
            let kind = 'message'; const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) kind = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) { try { onEvent(kind, JSON.parse(data.join('\n'))); } catch (e) { console.error('bad event', e); } }
          }
        }
      } catch (e) {
        if (stopped || e.name === 'AbortError') return;
        if (e instanceof ApiError && e.status === 401) { onState?.(false); return; }
      }
      onState?.(false);
      if (!stopped) await new Promise(r => setTimeout(r, 2000));
    }
  })();
  return () => { stopped = true; ctl.abort(); };
}
