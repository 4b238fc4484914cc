// The Review tab: the service's review queue (GET /v1/review, least certain first), one item at a
// time — the dialogue or the image, the model's top labels — answered from the keyboard:
//   1–9 pick one of the model's labels, Enter sends the picked label, s skips, u (or Backspace) undoes
//   the last answer. Needs a service started with --feedback-db. Plain browser JavaScript, no
//   dependencies; it reads the API key from the page's key box, like the classify panels.
import { authHeaders, request } from './api.js';
import { el } from './dom.js';

const TEXT = {
  zh: {
    tabTry: '识别', tabReview: '人工审核', intent: '对话意图', scene: '图片场景', done: '本次已标注', waiting: '待审核',
    skipped: '已跳过', send: '提交 (Enter)', skip: '跳过 (s)', undo: '撤销 (u)', other: '其他标签…', model: '模型判断',
    empty: '审核队列已清空：暂无待标注的预测。', loading: '加载中…', user: '用户', agent: '客服', sent: '已提交',
    keys: '快捷键：1–9 选择标签，Enter 提交，s 跳过，u 撤销', confidence: '置信度', undone: '已撤销',
    loadFailed: '审核队列未能加载（原因见上方）。',
  },
  en: {
    tabTry: 'Classify', tabReview: 'Review', intent: 'Dialogue intent', scene: 'Image scene', done: 'labelled this session',
    waiting: 'waiting', skipped: 'skipped', send: 'Send (Enter)', skip: 'Skip (s)', undo: 'Undo (u)', other: 'Another label…',
    model: 'model says', empty: 'The review queue is empty: no prediction waits for a label.', loading: 'Loading…', user: 'User',
    agent: 'Agent', sent: 'sent', keys: 'Keys: 1–9 pick a label, Enter sends, s skips, u undoes', confidence: 'confidence', undone: 'undone',
    loadFailed: 'The review queue could not be loaded (see why above).',
  },
};

const $ = (selector) => document.querySelector(selector);
const t = (key, vars = {}) => (TEXT[document.documentElement.lang === 'en' ? 'en' : 'zh'][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));

/** An image the API serves behind the key: fetched with it, shown from a blob: URL (the CSP allows blob:). */
const blobUrls = [];
function protectedImage(url, className) {
  const img = el('img', { class: className, alt: '' });
  fetch(url, { headers: authHeaders() })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((blob) => {
      const src = URL.createObjectURL(blob);
      blobUrls.push(src);
      img.src = src;
    })
    .catch((err) => setStatus(err.message));
  return img;
}

function releaseImages() {
  while (blobUrls.length) URL.revokeObjectURL(blobUrls.pop());
}

// ---- state ----
const state = {
  task: 'intent',
  queue: [],
  labels: [],
  counts: null,
  picked: null,
  done: 0,
  skipped: new Set(),
  history: [], // [{ item, label }] answers of this session, for undo
  loading: false,
  /** A correction or an undo is on its way: the keys and buttons wait for it (a second Enter sent the same label again and skipped the next item). */
  busy: false,
  /** Why the queue could not be loaded (shown instead of "the queue is empty"). */
  error: null,
};

function setStatus(message) {
  const status = $('#review-status');
  if (status) status.textContent = message ?? '';
}

async function load() {
  state.loading = true;
  render();
  try {
    const limit = Math.min(100, 20 + state.skipped.size);
    const answer = await request('GET', `/v1/review?task=${state.task}&limit=${limit}`);
    state.queue = answer.items.filter((item) => !state.skipped.has(item.requestId));
    state.labels = answer.labels;
    state.counts = answer.counts;
    state.picked = state.queue[0]?.prediction.ranked[0]?.label ?? null;
    state.error = null;
    setStatus('');
  } catch (err) {
    state.queue = [];
    state.error = err.message;
    setStatus(err.message);
  } finally {
    state.loading = false;
    render();
  }
}

function current() {
  return state.queue[0];
}

/** Runs one change of the stored labels at a time, the buttons disabled meanwhile. */
async function exclusive(work) {
  if (state.busy) return;
  state.busy = true;
  render();
  try {
    await work();
  } catch (err) {
    setStatus(err.message);
  } finally {
    state.busy = false;
    render();
  }
}

function send() {
  // The item, the label and the queue as they are now: the queue moves on before the answer is shown.
  const item = current();
  const label = state.picked;
  const task = state.task;
  if (!item || !label) return;
  return exclusive(async () => {
    await request('POST', '/v1/feedback', { requestId: item.requestId, label });
    if (state.task !== task) return;
    state.history.push({ item, label });
    state.done++;
    if (state.counts) state.counts.unlabelled = Math.max(0, state.counts.unlabelled - 1);
    setStatus(`${t('sent')}: ${label}`);
    if (current() === item) next();
  });
}

function skip() {
  const item = current();
  if (!item || state.busy) return;
  state.skipped.add(item.requestId);
  setStatus('');
  next();
}

function undo() {
  if (state.history.length === 0) return;
  return exclusive(async () => {
    const last = state.history[state.history.length - 1];
    await request('DELETE', `/v1/feedback/${encodeURIComponent(last.item.requestId)}`);
    state.history.pop();
    state.done--;
    if (state.counts) state.counts.unlabelled++;
    state.queue.unshift(last.item);
    state.picked = last.label;
    setStatus(`${t('undone')}: ${last.label}`);
  });
}

function next() {
  state.queue.shift();
  if (state.queue.length === 0) {
    load();
    return;
  }
  state.picked = current().prediction.ranked[0]?.label ?? null;
  render();
}

// ---- rendering ----
function render() {
  const box = $('#review-body');
  if (!box) return;
  // Focus stays where it was across the rebuild (a control of the same id, or the choice of the same key),
  // else goes to the queue (a control disabled meanwhile takes none): it fell to the page's body.
  const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement : null;
  const refocus = focused?.id ? `#${focused.id}` : focused?.dataset?.key ? `.choice[data-key="${focused.dataset.key}"]` : null;
  releaseImages();
  const progress = progressView();
  const item = current();
  if (state.loading && !item) {
    box.replaceChildren(progress, el('p', { class: 'meta' }, t('loading')));
    return;
  }
  if (!item) {
    box.replaceChildren(progress, state.error ? el('p', { class: 'review-error' }, t('loadFailed')) : el('p', { class: 'review-empty' }, t('empty')));
    return;
  }
  const content =
    item.task === 'scene'
      ? el('div', { class: 'review-image' }, protectedImage(item.image.url, 'review-shot'))
      : el('div', { class: 'review-dialogue' }, ...item.dialogue.map((turn) =>
          el('div', { class: `shown-turn ${turn.role}` }, el('span', { class: 'who' }, t(turn.role)), turn.text.replace(/<image>/g, '').trim(),
            ...turn.images.map((image) => protectedImage(image.url, 'thumb')))));
  const choices = el('ol', { class: 'review-choices' }, ...item.prediction.ranked.slice(0, 9).map((r, i) =>
    el('li', {},
      el('button', {
        type: 'button',
        class: r.label === state.picked ? 'choice picked' : 'choice',
        dataset: { label: r.label, key: String(i + 1) },
        onclick: () => { state.picked = r.label; render(); },
      }, el('kbd', {}, String(i + 1)), el('span', { class: 'name' }, r.label), el('span', { class: 'coarse' }, r.coarse),
      el('span', { class: 'value' }, `${(r.confidence * 100).toFixed(1)}%`)))));
  const other = el('select', { id: 'review-other', 'aria-label': t('other'), onchange: (e) => { if (e.target.value) { state.picked = e.target.value; render(); } } },
    el('option', { value: '', textContent: t('other') }),
    ...state.labels.map((label) => el('option', { value: label, textContent: label, selected: label === state.picked && !item.prediction.ranked.slice(0, 9).some((r) => r.label === label) })));
  const actions = el('div', { class: 'row' },
    el('button', { type: 'button', class: 'primary', id: 'review-send', onclick: send, disabled: !state.picked || state.busy }, t('send')),
    el('button', { type: 'button', id: 'review-skip', onclick: skip, disabled: state.busy }, t('skip')),
    el('button', { type: 'button', id: 'review-undo', onclick: undo, disabled: state.history.length === 0 || state.busy }, t('undo')));
  const meta = el('div', { class: 'meta' },
    `${t('model')}: ${item.prediction.label} · ${t('confidence')} ${(item.prediction.confidence * 100).toFixed(1)}% · margin ${item.prediction.margin.toFixed(3)} · ${item.modelVersion}`);
  box.replaceChildren(progress, el('div', { class: 'review-item', dataset: { requestId: item.requestId } }, content, meta, choices, other, actions));
  if (focused) {
    const again = refocus ? box.querySelector(refocus) : null;
    // A button the mouse last pressed does not keep the focus: Enter on it would do what it says (skip,
    // undo) where the page says Enter sends.
    if (again && !again.disabled && !(pointerLast && again.matches('button:not(.choice)'))) again.focus();
    else $('#review').focus();
  }
}

/** Whether the last press was the mouse's (or a finger's) rather than a Tab. */
let pointerLast = false;
document.addEventListener('pointerdown', () => { pointerLast = true; }, true);
document.addEventListener('keydown', (event) => { if (event.key === 'Tab') pointerLast = false; }, true);

function progressView() {
  const waiting = state.counts?.unlabelled ?? 0;
  const total = state.done + waiting;
  const fill = el('div', { class: 'fill' });
  fill.style.width = `${total ? (100 * state.done) / total : 0}%`;
  return el('div', { class: 'review-progress' },
    el('span', { id: 'review-count' }, `${t('done')} ${state.done} · ${t('waiting')} ${waiting}${state.skipped.size ? ` · ${t('skipped')} ${state.skipped.size}` : ''}`),
    el('div', { class: 'track' }, fill));
}

function renderShell() {
  const section = $('#review');
  section.replaceChildren(
    el('h2', { id: 'review-title' }, t('tabReview')),
    el('div', { class: 'row review-tasks' },
      ...['intent', 'scene'].map((task) => el('button', {
        type: 'button',
        class: task === state.task ? 'task-tab active' : 'task-tab',
        dataset: { task },
        // Not while a correction is on its way: it would land in the other queue's history.
        disabled: state.busy,
        onclick: () => {
          if (state.busy || state.task === task) return;
          state.task = task;
          state.history = [];
          state.skipped.clear();
          state.error = null;
          renderShell();
          load();
        },
      }, t(task)))),
    el('p', { class: 'meta' }, t('keys')),
    el('p', { id: 'review-status', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'review-body' }),
  );
  render();
}

// ---- tabs: the classify panels (main) and the review section ----
function showTab(name) {
  $('main').hidden = name !== 'try';
  $('#review').hidden = name !== 'review';
  for (const button of document.querySelectorAll('#tabs button')) button.classList.toggle('active', button.dataset.tab === name);
  if (name === 'review') {
    // Open already, with a correction on its way: a reload would race it.
    if (state.busy) return;
    renderShell();
    load();
    // Into the queue: Enter then sends, where the tab's own button kept the focus and Enter opened the tab again.
    $('#review').focus();
  }
}

function buildTabs() {
  const nav = el('nav', { id: 'tabs', class: 'tabs' },
    el('button', { type: 'button', dataset: { tab: 'try' }, class: 'active', onclick: () => showTab('try') }, t('tabTry')),
    el('button', { type: 'button', dataset: { tab: 'review' }, onclick: () => showTab('review') }, t('tabReview')));
  $('main').before(nav);
}

function relabelTabs() {
  for (const button of document.querySelectorAll('#tabs button')) button.textContent = t(button.dataset.tab === 'try' ? 'tabTry' : 'tabReview');
  if (!$('#review').hidden) renderShell();
}

document.addEventListener('keydown', (event) => {
  if ($('#review').hidden || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  // Enter on a focused control does what the control says (from Skip and Undo it sent the picked label).
  // A review button keeps the focus after a rebuild only when the keyboard put it there (render).
  if (event.key === 'Enter' && target instanceof Element && target.closest('button:not(.choice), a, summary')) return;
  const item = current();
  // On a label's own button, Enter sends that label.
  const focusedChoice = event.key === 'Enter' && target instanceof Element ? target.closest('.choice') : null;
  if (focusedChoice && item && !state.busy) state.picked = focusedChoice.dataset.label;
  if (/^[1-9]$/.test(event.key) && item) {
    const choice = item.prediction.ranked[Number(event.key) - 1];
    if (choice) {
      state.picked = choice.label;
      render();
    }
  } else if (event.key === 'Enter' && item) {
    event.preventDefault();
    send();
  } else if (event.key === 's' || event.key === 'S') {
    skip();
  } else if (event.key === 'u' || event.key === 'U' || event.key === 'Backspace') {
    event.preventDefault();
    undo();
  } else {
    return;
  }
});

buildTabs();
new MutationObserver(relabelTabs).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
