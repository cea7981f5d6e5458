// Building DOM nodes without innerHTML: every string becomes a text node, so names such as "<script>…" render as text.

/** h('tag.class', {attr: value, onclick: fn}, ...children) → element. */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs !== undefined && attrs !== null && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of el. */
export function mount(el, ...children) { el.replaceChildren(); append(el, children); return el; }

export const fmt = {
  num(v, digits = 3) { return v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits); },
  pm(mean, std, digits = 3) { return mean === null || mean === undefined ? '–' : `${Number(mean).toFixed(digits)} ± ${Number(std ?? 0).toFixed(digits)}`; },
  duration(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  },
  time(iso) { return iso ? new Date(iso).toLocaleString() : '–'; },
  params(p) {
    if (!p || typeof p !== 'object') return '';
    return Object.entries(p).filter(([k]) => k !== 'method').map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : v}`).join(', ');
  },
};

export function statusBadge(s) { return h('span.status.' + String(s).replace(/[^a-z_-]/gi, ''), s); }

/** Saves rows (array of arrays, first the header) as a CSV file named name. */
export function downloadCsv(name, rows) {
  const esc = v => { const s = v === null || v === undefined ? '' : String(v); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  const blob = new Blob([rows.map(r => r.map(esc).join(',')).join('\n') + '\n'], { type: 'text/csv' });
  saveBlob(name, blob);
}

export function saveBlob(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Calls fn at most once per `ms`, trailing. */
export function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
