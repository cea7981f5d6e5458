// Entry point: token hand-over from the URL, sign-in, a hash router and one live event stream shared by the pages.
import { auth, openOrleansDashboardSession, probe, subscribe } from './api.js';
import { h, mount } from './dom.js';
import { sweepsPage } from './pages/sweeps.js';
import { submitPage } from './pages/submit.js';
import { sweepPage } from './pages/sweep.js';
import { workersPage } from './pages/workers.js';

const main = document.getElementById('main');
const live = document.getElementById('live');
const listeners = new Set();
let stopEvents = null;
let leavePage = null;

/** Pages register for live events while they are shown: ctx.on(fn) → fn(kind, event). */
const ctx = {
  on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  go(hash) { location.hash = hash; },
};

// `amber run --dashboard` prints …/dashboard/#token=…: take the token, then drop it from the address bar and history.
function takeTokenFromUrl() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + '#/sweeps');
  return decodeURIComponent(m[1]);
}

function startEvents() {
  stopEvents?.();
  stopEvents = subscribe((kind, e) => { for (const fn of listeners) fn(kind, e); }, on => {
    live.textContent = on ? 'live' : 'offline';
    live.classList.toggle('on', on);
  });
}

function signInPage(message) {
  leavePage?.(); leavePage = null;
  document.getElementById('sign-out').hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true, size: 40 });
  const error = h('p.error', { id: 'token-error', role: 'alert' }, message ?? '');
  const form = h('form', {
    onsubmit: async ev => {
      ev.preventDefault();
      error.textContent = '';
      if (await probe(input.value.trim())) { auth.set(input.value.trim()); await start(); }
      else error.textContent = 'That token is not accepted by the silo.';
    },
  },
  h('div.field', h('label', { for: 'token' }, 'Access token'), input,
    h('p.hint', 'The user token of the silo (AMBER_USER_TOKENS), or open the URL that "amber run --dashboard" printed.')),
  error,
  h('button', { type: 'submit' }, 'Sign in'));
  mount(main, h('section.signin.card', h('h1', 'Sign in'), form));
  input.setAttribute('aria-describedby', 'token-error');
  input.focus();
}

async function route() {
  if (!auth.token) return signInPage();
  leavePage?.(); leavePage = null;
  const [, page, id] = location.hash.split('/');
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === (page || 'sweeps')) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  mount(main, h('p', 'Loading…'));
  try {
    switch (page) {
      case 'submit': leavePage = await submitPage(main, ctx); break;
      case 'sweep': leavePage = await sweepPage(main, ctx, decodeURIComponent(id ?? '')); break;
      case 'workers': leavePage = await workersPage(main, ctx); break;
      default: leavePage = await sweepsPage(main, ctx);
    }
  } catch (e) {
    if (e.status === 401) return;
    mount(main, h('div.problems', { role: 'alert' }, h('h1', 'Something went wrong'), h('p', e.message)));
  }
  main.focus({ preventScroll: true });
  // The page is drawn: benchmarks and tests time navigations by this event.
  window.dispatchEvent(new CustomEvent('amber:routed', { detail: page || 'sweeps' }));
}

async function start() {
  document.getElementById('sign-out').hidden = false;
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', location.pathname + '#/sweeps');
  startEvents();
  await route();
}

window.addEventListener('amber:unauthorized', () => {
  auth.clear(); stopEvents?.(); stopEvents = null;
  signInPage('The silo refused the token (401). Sign in again.');
});
window.addEventListener('hashchange', () => { if (auth.token) route(); });
// The Orleans dashboard cannot send the bearer header: open a cookie session for its path first, then go there.
document.getElementById('orleans-link').addEventListener('click', async (e) => {
  if (!auth.token) return;
  const href = e.currentTarget.href;
  e.preventDefault();
  await openOrleansDashboardSession();
  window.location.href = href;
});
document.getElementById('sign-out').addEventListener('click', () => {
  auth.clear(); stopEvents?.(); stopEvents = null; live.textContent = 'offline'; live.classList.remove('on');
  signInPage('Signed out.');
});

(async () => {
  const token = takeTokenFromUrl();
  if (token) {
    if (await probe(token)) auth.set(token);
    else { auth.clear(); return signInPage('The token in the URL is not accepted by the silo.'); }
  }
  if (auth.token && !(await probe(auth.token))) { auth.clear(); return signInPage('The saved token is no longer accepted.'); }
  if (!auth.token) return signInPage();
  await start();
})();
