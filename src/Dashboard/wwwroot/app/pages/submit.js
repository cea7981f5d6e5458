// Submit a sweep: a form that builds the same document the CLI accepts (sent as JSON, which the YAML parser reads), or
// pasted YAML. The API's validation errors (keyed by path: "protocol.folds", "space.lr", …) appear next to their fields.
import { api, ApiError } from '../api.js';
import { h, mount } from '../dom.js';

const METHODS = ['ce', 'soft', 'js_entropy', 'late_fusion', 'amber2_uniform', 'amber2'];
const PARAMS = ['lr', 'weight_decay', 'batch_size', 'max_epochs', 'patience', 'dropout', 'hidden', 'lambda_e', 'beta', 'tau', 'conflict_gate',
  'divergence', 'entropy_weight', 'warmup', 'grad_clip', 'adam_beta1', 'adam_beta2', 'dime_aug', 'dime_aug_ratio', 'dime_aug_k', 'class_weighted'];
const DEFAULT_SPACE = [['lr', 'fixed', '0.002'], ['max_epochs', 'fixed', '8'], ['hidden', 'choice', '64, 128']];

/** "1, 2,3" → [1, 2, 3]; a single number stays a number (a count, for folds and seeds). */
function parseList(text) {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  const nums = parts.map(Number);
  if (parts.length === 1) return Number.isFinite(nums[0]) ? nums[0] : parts[0];
  return parts.map((p, i) => (Number.isFinite(nums[i]) ? nums[i] : p));
}

/** A scalar as typed: numbers and booleans as such, the rest as text. */
function scalar(text) {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

function field(id, labelText, control, hint) {
  control.id = id;
  return h('div.field', { dataset: { field: id } }, h('label', { for: id }, labelText), control, hint ? h('div.hint', hint) : null, h('div.error', { id: `${id}-error`, 'aria-live': 'polite' }));
}

export async function submitPage(main, ctx) {
  const el = {
    name: h('input', { type: 'text', name: 'name', value: 'dashboard-sweep', required: true }),
    corpus: h('input', { type: 'text', name: 'corpus', value: 'synthetic', list: 'corpus-options' }),
    features: h('input', { type: 'text', name: 'features', value: 'builtin' }),
    subset: h('select', { name: 'subset' }, h('option', { value: 'consensus4' }, 'consensus4'), h('option', { value: 'any-vote' }, 'any-vote')),
    includeSelf: h('input', { type: 'checkbox', name: 'include_self' }),
    folds: h('input', { type: 'text', name: 'folds', value: '5', inputmode: 'numeric' }),
    seeds: h('input', { type: 'text', name: 'seeds', value: '1' }),
    validation: h('select', { name: 'validation' }, h('option', 'random'), h('option', 'speaker')),
    sampler: h('select', { name: 'sampler' }, h('option', 'grid'), h('option', 'random')),
    samplerSeed: h('input', { type: 'number', name: 'sampler_seed', value: '0', min: '0' }),
    maxTrials: h('input', { type: 'number', name: 'max_trials', value: '4', min: '1' }),
    maxParallel: h('input', { type: 'number', name: 'max_parallel_runs', value: '8', min: '1' }),
    gang: h('input', { type: 'number', name: 'gang_size', value: '1', min: '1' }),
    retries: h('input', { type: 'number', name: 'retries', value: '1', min: '0' }),
  };
  const methodBoxes = METHODS.map(m => h('label', h('input', { type: 'checkbox', name: 'methods', value: m, checked: m === 'ce' || m === 'amber2' }), m));
  const methodsSet = h('fieldset', { id: 'methods', dataset: { field: 'methods' } }, h('legend', 'Methods'), h('div.checks', methodBoxes), h('div.error', { id: 'methods-error', 'aria-live': 'polite' }));

  const spaceRows = h('div', { id: 'space-rows' });
  const spaceSet = h('fieldset', { id: 'space', dataset: { field: 'space' } }, h('legend', 'Search space'),
    h('p.hint.muted', 'A fixed value, a choice (comma-separated values), uniform / log_uniform (low, high) or int (low, high, step).'),
    spaceRows, h('div.error', { id: 'space-error', 'aria-live': 'polite' }),
    h('button.secondary', { type: 'button', onclick: () => addSpaceRow('', 'fixed', '') }, 'Add a hyperparameter'));
  let rowCount = 0;
  function addSpaceRow(name, type, value) {
    const i = rowCount++;
    const nameIn = h('select', { id: `space-name-${i}`, 'aria-label': 'hyperparameter' }, PARAMS.map(p => h('option', { value: p }, p)));
    nameIn.value = name || PARAMS.find(p => !spaceRows.querySelector(`[data-param="${p}"]`)) || 'lr';
    const typeIn = h('select', { id: `space-type-${i}`, 'aria-label': 'distribution' }, ['fixed', 'choice', 'uniform', 'log_uniform', 'int'].map(t => h('option', t)));
    typeIn.value = type;
    const valueIn = h('input', { type: 'text', id: `space-value-${i}`, 'aria-label': 'value or values', value });
    const lowIn = h('input', { type: 'text', id: `space-low-${i}`, 'aria-label': 'low', placeholder: 'low' });
    const highIn = h('input', { type: 'text', id: `space-high-${i}`, 'aria-label': 'high', placeholder: 'high' });
    const stepIn = h('input', { type: 'text', id: `space-step-${i}`, 'aria-label': 'step', placeholder: 'step' });
    const err = h('div.error', { 'aria-live': 'polite' });
    const row = h('div.space-row', { dataset: { param: nameIn.value } }, h('div', h('label', { for: nameIn.id }, 'Hyperparameter'), nameIn), h('div', h('label', { for: typeIn.id }, 'Type'), typeIn),
      h('div', h('label', { for: valueIn.id }, 'Value(s)'), valueIn), lowIn, highIn, stepIn,
      h('button.secondary', { type: 'button', 'aria-label': `remove ${nameIn.value}`, onclick: () => row.remove() }, 'Remove'));
    const wrap = h('div', { dataset: { spaceRow: '' } }, row, err);
    row._get = () => ({ name: nameIn.value, type: typeIn.value, value: valueIn.value, low: lowIn.value, high: highIn.value, step: stepIn.value, err, row });
    const sync = () => { row.dataset.param = nameIn.value; const range = typeIn.value !== 'fixed' && typeIn.value !== 'choice'; valueIn.disabled = range; lowIn.disabled = highIn.disabled = !range; stepIn.disabled = typeIn.value !== 'int'; };
    nameIn.addEventListener('change', sync); typeIn.addEventListener('change', sync); sync();
    spaceRows.append(wrap);
  }
  DEFAULT_SPACE.forEach(r => addSpaceRow(...r));

  function buildSpec() {
    const space = {};
    for (const wrap of spaceRows.querySelectorAll('[data-space-row]')) {
      const r = wrap.firstChild._get();
      if (r.type === 'fixed') space[r.name] = scalar(r.value);
      else if (r.type === 'choice') space[r.name] = r.value.split(',').map(scalar).filter(v => v !== '');
      else {
        const d = { type: r.type, low: scalar(r.low), high: scalar(r.high) };
        if (r.type === 'int' && r.step.trim()) d.step = scalar(r.step);
        space[r.name] = d;
      }
    }
    const spec = {
      name: el.name.value,
      corpus: el.corpus.value,
      features: el.features.value,
      labels: { subset: el.subset.value, include_self: el.includeSelf.checked },
      protocol: { folds: parseList(el.folds.value), seeds: parseList(el.seeds.value), validation: el.validation.value },
      methods: methodBoxes.map(l => l.firstChild).filter(c => c.checked).map(c => c.value),
      space,
      sampler: el.sampler.value === 'random' ? { type: 'random', seed: Number(el.samplerSeed.value) } : 'grid',
      budget: { max_trials: Number(el.maxTrials.value), max_parallel_runs: Number(el.maxParallel.value) },
      gang_size: Number(el.gang.value),
      retries: Number(el.retries.value),
    };
    if (spec.methods.length === 0) delete spec.methods; // the API then says which methods exist
    return spec;
  }

  const general = h('div', { id: 'form-problems', role: 'alert' });
  const preview = h('pre.spec', { id: 'spec-preview', 'aria-label': 'The document the form sends' });
  const submitButton = h('button', { type: 'submit', id: 'submit-sweep' }, 'Submit sweep');

  function clearErrors() {
    for (const e of main.querySelectorAll('.error')) e.textContent = '';
    for (const e of main.querySelectorAll('.has-error')) e.classList.remove('has-error');
    for (const e of main.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
    general.replaceChildren();
  }

  // Where a problem path belongs: a field of the form, a row of the search space, or the general list.
  function targetOf(path) {
    const top = path.split('.')[0];
    const direct = { name: 'name', corpus: 'corpus', features: 'features', 'labels.subset': 'subset', 'labels.include_self': 'includeSelf',
      'protocol.folds': 'folds', 'protocol.fold_count': 'folds', 'protocol.seeds': 'seeds', 'protocol.validation': 'validation', sampler: 'sampler',
      'budget.max_trials': 'maxTrials', 'budget.max_parallel_runs': 'maxParallel', gang_size: 'gang', retries: 'retries' };
    const key = direct[path] ?? direct[path.split('.').slice(0, 2).join('.')] ?? direct[top];
    if (key) { const input = el[key]; return { box: input.closest('.field'), error: input.closest('.field').querySelector('.error'), input }; }
    if (top === 'methods' || top === 'method') return { box: methodsSet, error: methodsSet.querySelector('#methods-error'), input: methodBoxes[0].firstChild };
    if (top === 'space') {
      const param = path.split('.')[1];
      const row = spaceRows.querySelector(`[data-param="${CSS.escape(param ?? '')}"]`);
      if (row) return { box: row.parentElement, error: row.parentElement.querySelector('.error'), input: row.querySelector('select') };
      return { box: spaceSet, error: spaceSet.querySelector('#space-error'), input: null };
    }
    return null;
  }

  function showErrors(e) {
    const list = h('ul');
    let first = null;
    for (const [path, messages] of Object.entries(e.errors)) {
      const t = targetOf(path);
      if (t) {
        t.box.classList.add('has-error');
        t.error.textContent = [t.error.textContent, ...messages.map(m => `${path}: ${m}`)].filter(Boolean).join(' ');
        t.input?.setAttribute('aria-invalid', 'true');
        if (t.input && t.error.id) t.input.setAttribute('aria-describedby', t.error.id);
        first ??= t.input;
      }
      for (const m of messages) list.append(h('li', `${path}: ${m}`));
    }
    mount(general, h('div.problems', h('strong', e.title), list));
    (first ?? general).focus?.();
  }

  async function send(text, type, onError) {
    submitButton.disabled = true;
    try {
      const sweep = await api.submit(text, type);
      ctx.go(`#/sweep/${encodeURIComponent(sweep.id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) onError(e);
      else onError(new ApiError(e.status ?? 0, { title: 'Submission failed', errors: { $: [e.message] } }));
    } finally { submitButton.disabled = false; }
  }

  const form = h('form', { id: 'sweep-form', novalidate: true, onsubmit: ev => { ev.preventDefault(); clearErrors(); send(JSON.stringify(buildSpec()), 'application/json', showErrors); },
    oninput: () => { preview.textContent = JSON.stringify(buildSpec(), null, 2); } },
  general,
  h('fieldset', h('legend', 'Data'),
    h('div.row', field('name', 'Name', el.name), field('corpus', 'Corpus', el.corpus, 'synthetic, synthetic:<dir>, iemocap:<path> or msp:<path>'),
      field('features', 'Features', el.features, 'builtin or npy:<dir>')),
    h('datalist', { id: 'corpus-options' }, h('option', { value: 'synthetic' })),
    h('div.row', field('subset', 'Label subset', el.subset), h('div.field', h('label', { for: 'include_self' }, 'Self-evaluations'), (el.includeSelf.id = 'include_self', el.includeSelf), ' include'))),
  h('fieldset', h('legend', 'Protocol'),
    h('div.row', field('folds', 'Folds', el.folds, 'a count (5) or a list (1, 2)'), field('seeds', 'Seeds', el.seeds, 'a count or a list (1, 2)'), field('validation', 'Validation split', el.validation))),
  methodsSet,
  spaceSet,
  h('fieldset', h('legend', 'Search'),
    h('div.row', field('sampler', 'Sampler', el.sampler), field('sampler_seed', 'Sampler seed', el.samplerSeed), field('max_trials', 'Max trials', el.maxTrials),
      field('max_parallel_runs', 'Max parallel runs', el.maxParallel), field('gang_size', 'Gang size', el.gang), field('retries', 'Retries', el.retries))),
  h('div.toolbar', submitButton, h('a.button.secondary', { href: '#/sweeps' }, 'Cancel')),
  h('details', h('summary', 'The document this form sends'), preview));
  preview.textContent = JSON.stringify(buildSpec(), null, 2);

  // Paste YAML (the same document `amber sweep submit` takes).
  const yaml = h('textarea', { id: 'yaml', rows: 18, 'aria-describedby': 'yaml-error' },
    'name: pasted\ncorpus: synthetic\nfeatures: builtin\nprotocol: {folds: 5, seeds: [1]}\nmethods: [ce, amber2]\nspace:\n  max_epochs: 8\n  hidden: 128\nsampler: grid\nbudget: {max_trials: 2, max_parallel_runs: 8}\n');
  const yamlErrors = h('div', { id: 'yaml-error', role: 'alert' });
  const yamlForm = h('form', { id: 'yaml-form', hidden: true, onsubmit: ev => {
    ev.preventDefault(); yamlErrors.replaceChildren();
    send(yaml.value, 'application/yaml', e => mount(yamlErrors, h('div.problems', h('strong', e.title),
      h('ul', Object.entries(e.errors).flatMap(([p, ms]) => ms.map(m => h('li', `${p}: ${m}`)))))));
  } }, h('label', { for: 'yaml' }, 'Sweep document (YAML or JSON)'), yaml, yamlErrors, h('div.toolbar', h('button', { type: 'submit', id: 'submit-yaml' }, 'Submit YAML')));

  const tabForm = h('button', { type: 'button', role: 'tab', 'aria-selected': 'true', id: 'tab-form' }, 'Form');
  const tabYaml = h('button', { type: 'button', role: 'tab', 'aria-selected': 'false', id: 'tab-yaml' }, 'Paste YAML');
  const select = yamlMode => { form.hidden = yamlMode; yamlForm.hidden = !yamlMode; tabForm.setAttribute('aria-selected', String(!yamlMode)); tabYaml.setAttribute('aria-selected', String(yamlMode)); };
  tabForm.addEventListener('click', () => select(false)); tabYaml.addEventListener('click', () => select(true));

  mount(main, h('h1', 'Submit a sweep'), h('div.tabs', { role: 'tablist', 'aria-label': 'How to give the sweep' }, tabForm, tabYaml), form, yamlForm);
  return null;
}
