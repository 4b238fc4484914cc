// The ecommir try-it page: plain browser JavaScript, no dependencies, served by `ecommir serve`.
// It calls the same /v1 API as any client (with a key from the key box when the server wants one).
import { keyInBox, request } from './api.js';
import { el } from './dom.js';

const TEXT = {
  zh: {
    subtitle: '电商客服多模态意图识别', apiKey: 'API 密钥', sceneTitle: '图片场景分类', intentTitle: '对话意图分类',
    tryExample: '试试示例：', dropHint: '拖入或点击选择一张截图/照片', addTurn: '＋ 添加一轮', classify: '识别意图',
    pasteTitle: '粘贴文本对话（每行“用户:”或“客服:”开头）', pasteApply: '导入到编辑器', user: '用户', agent: '客服',
    attach: '图片', remove: '删除', uncertain: '低置信度，建议转人工', sure: '置信', working: '识别中…',
    emptyDialogue: '请至少输入一轮用户发言', evidence: '依据',
    placeholder: '输入这一轮的内容', took: '耗时', ms: '毫秒', turnN: '第 {n} 轮', imageN: '图 {n}', noEvidence: '没有可以指出的依据',
    probability: '概率', roleLabel: '第 {n} 轮：说话人', textLabel: '第 {n} 轮：内容', attachLabel: '第 {n} 轮：添加图片',
    correctTo: '结果不对？改为…', corrected: '已记录更正：{label}', undoCorrection: '撤销更正', correctionUndone: '已撤销更正',
    sendCorrection: '提交更正', removeImage: '删除图 {n}',
    imageTooLarge: '图片“{name}”有 {size}，超过服务的单张上限 {limit}，未发送', tooManyImages: '一段对话最多 {n} 张图片，“{name}”未添加',
    dialogueTooLarge: '这段对话连同图片共 {size}，超过服务的上限 {limit}，未发送；请删掉几张图片', tooManyTurns: '一段对话最多 {n} 轮，这里有 {count} 轮，未发送',
    textTooLong: '对话文字共 {count} 字，超过服务的上限 {n} 字，未发送', turnTooLong: '第 {turn} 轮有 {count} 字，超过服务的单轮上限 {n} 字，未发送',
  },
  en: {
    subtitle: 'multimodal intent recognition for e-commerce customer service', apiKey: 'API key', sceneTitle: 'Image scene',
    intentTitle: 'Dialogue intent', tryExample: 'Try an example:', dropHint: 'Drop or pick a screenshot / photo',
    addTurn: '+ Add a turn', classify: 'Classify intent', pasteTitle: 'Paste a dialogue (lines starting “用户:” / “客服:”)',
    pasteApply: 'Load into the editor', user: 'User', agent: 'Agent', attach: 'image', remove: 'remove',
    uncertain: 'low confidence: route to a human', sure: 'confident', working: 'Working…',
    emptyDialogue: 'Enter at least one user turn', evidence: 'Why',
    placeholder: 'What was said in this turn', took: 'Took', ms: 'ms', turnN: 'turn {n}', imageN: 'image {n}', noEvidence: 'nothing to point at',
    probability: 'probability', roleLabel: 'turn {n}: who', textLabel: 'turn {n}: text', attachLabel: 'turn {n}: add an image',
    correctTo: 'Wrong? The right label is…', corrected: 'Correction stored: {label}', undoCorrection: 'Undo the correction',
    correctionUndone: 'Correction undone', sendCorrection: 'Send the correction', removeImage: 'remove image {n}',
    imageTooLarge: 'The image “{name}” is {size}, over the service’s limit of {limit} an image: not sent',
    tooManyImages: 'A dialogue takes at most {n} images: “{name}” was not added',
    dialogueTooLarge: 'This dialogue with its images is {size}, over the service’s limit of {limit}: not sent. Remove some images.',
    tooManyTurns: 'A dialogue takes at most {n} turns; this one has {count}: not sent',
    textTooLong: 'The dialogue’s text is {count} characters, over the service’s limit of {n}: not sent',
    turnTooLong: 'Turn {turn} is {count} characters, over the service’s limit of {n} a turn: not sent',
  },
};

const $ = (selector) => document.querySelector(selector);
let lang = localStorage.getItem('ecommir-lang') === 'en' ? 'en' : 'zh';
const t = (key, vars = {}) => (TEXT[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
/** An evidence reason in the page's language ({zh, en}; a plain string is shown as it is). */
const reasonText = (reason) => (reason && typeof reason === 'object' ? reason[lang] ?? reason.en ?? '' : String(reason ?? ''));

// ---- language ----
function applyLanguage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('#lang-toggle').textContent = lang === 'zh' ? 'EN' : '中文';
  $('#lang-toggle').title = lang === 'zh' ? 'English' : '中文';
  $('#lang-toggle').lang = lang === 'zh' ? 'en' : 'zh-CN';
  $('#api-key').setAttribute('aria-label', t('apiKey'));
  $('#paste').setAttribute('aria-label', t('pasteTitle'));
  renderTurns();
  if (lastScene) showScene(lastScene);
  if (lastIntent) showIntent(lastIntent.answer, lastIntent.turns);
}
$('#lang-toggle').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('ecommir-lang', lang);
  applyLanguage();
});

// ---- API ----
const keyInput = $('#api-key');
keyInput.value = sessionStorage.getItem('ecommir-key') ?? '';
keyInput.addEventListener('change', () => sessionStorage.setItem('ecommir-key', keyInput.value.trim()));

function setStatus(message) {
  $('#status').textContent = message ?? '';
}

/** The API's answer (one with a prediction), or an Error whose message says in words what went wrong. */
async function callApi(path, body) {
  const key = keyInBox();
  const answer = await request('POST', path, body, { key, looksRight: (json) => json.prediction && Array.isArray(json.prediction.ranked) });
  // The key the answer was asked with: its correction is sent with it (under another key the request is not found).
  answer.key = key;
  return answer;
}

// ---- what the service says of itself (GET /readyz): whether it keeps feedback, and what a request may carry ----
let feedbackEnabled = false;
/**
 * The service's published limits (bytes, characters, counts), or null when it did not say: then the service's
 * own refusal is the check. Checked here before sending, an image over the limit was read, encoded and sent
 * whole (10 MiB and more) only to be refused.
 */
let limits = null;

/**
 * Bytes in words, as the service writes them: a size rounded up and a limit down, so that a size over its
 * limit never reads as equal to it (10,485,800 bytes read "10 MiB, over the limit of 10 MiB").
 */
function sizeText(bytes, round = 'down') {
  const r = round === 'down' ? Math.floor : Math.ceil;
  if (bytes >= 1024 * 1024) return `${(r((bytes / (1024 * 1024)) * 10) / 10).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${r(bytes / 1024)} KiB`;
  return `${r(bytes)} bytes`;
}

/** Why the service would refuse this file as an image, in words, or null (or when its limits are unknown). */
function imageRefusal(file, name) {
  if (!limits || !(file.size > limits.maxImageBytes)) return null;
  return t('imageTooLarge', { name, size: sizeText(file.size, 'up'), limit: sizeText(limits.maxImageBytes) });
}

// As the service counts a turn's text: it adds an `<image>` marker (and a space) for each image the text does
// not mark, so a turn at the limit with an image was refused for characters no one typed.
const IMAGE_MARKER = '<image>';
function textAsCounted(turn) {
  const text = turn.text.trim();
  const missing = (turn.images?.length ?? 0) - text.split(IMAGE_MARKER).length + 1;
  return missing > 0 ? [text, ...Array(missing).fill(IMAGE_MARKER)].filter((s) => s !== '').join(' ') : text;
}

// ---- corrections: a person's label for an answer, stored when the service keeps feedback (--feedback-db) ----
/** Each task's whole label list, read from the review queue's answer when this key may read it (asked on first use). */
const taskLabels = {};
const labelsLoading = {};

async function loadServiceState() {
  try {
    const ready = await (await fetch('/readyz')).json();
    feedbackEnabled = ready?.feedback?.enabled === true;
    const published = ready?.limits;
    const known = ['maxBodyBytes', 'maxTurns', 'maxTurnChars', 'maxTextChars', 'maxImages', 'maxImageBytes'];
    limits = published && known.every((name) => Number.isInteger(published[name]) && published[name] > 0) ? published : null;
  } catch {
    feedbackEnabled = false;
  }
  // The turn boxes take no more than a turn may carry.
  if (limits) renderTurns();
  // An answer drawn before this was known gets its list now.
  if (feedbackEnabled) for (const task of ['scene', 'intent']) redrawCorrection(task, shownAnswer(task));
}

function shownAnswer(task) {
  return task === 'scene' ? lastScene : lastIntent?.answer;
}

/** The correction part of an answer still shown, drawn again from the answer's state; then focus to `focusId`. */
function redrawCorrection(task, answer, focusId) {
  if (!answer || shownAnswer(task) !== answer) return;
  const fresh = correctionView(task, answer);
  const old = $(`#${task}-result .correction`);
  if (old && fresh) old.replaceWith(fresh);
  else if (fresh) $(`#${task}-result .timing`)?.after(fresh);
  if (focusId) $(`#${focusId}`)?.focus();
}

/**
 * Under an answer: a list to pick the right label and a button to send it (a list that sent on change stored
 * a label at the first arrow key); once one is stored, it and a way to take it back. The state lives on the
 * answer (`answer.correction`), so a redraw (the other language) keeps it, and a request that ends after its
 * answer was replaced changes nothing on the page.
 */
function correctionView(task, answer) {
  if (!feedbackEnabled || typeof answer.requestId !== 'string') return null;
  const state = (answer.correction ??= {});
  const name = (key) => `${t(task === 'scene' ? 'sceneTitle' : 'intentTitle')}: ${t(key)}`;
  if (state.label) {
    const undo = el('button', { type: 'button', id: `${task}-undo-correction`, 'aria-label': name('undoCorrection'), onclick: () => undoCorrection(task, answer) }, t('undoCorrection'));
    return el('div', { class: 'correction row' }, el('span', { class: 'meta' }, t('corrected', { label: state.label })), undo);
  }
  const labels = correctionLabels(task, answer);
  if (labels.length === 0) return null;
  const send = el('button', { type: 'button', id: `${task}-send-correction`, 'aria-label': name('sendCorrection'), disabled: !state.choice, onclick: () => sendCorrection(task, answer) }, t('sendCorrection'));
  const picker = el('select', {
    id: `${task}-correct`,
    'aria-label': name('correctTo'),
    // The whole list is asked for when someone means to correct, not at every page load.
    onfocus: () => loadTaskLabels(task),
    onchange: () => {
      state.choice = picker.value || undefined;
      send.disabled = !state.choice;
    },
  }, el('option', { value: '', textContent: t('correctTo') }), ...labels.map((label) => el('option', { value: label, textContent: label })));
  if (state.choice) picker.value = state.choice;
  return el('div', { class: 'correction row' }, picker, send);
}

/** The labels a correction may give: the answer's ranked ones first, then the task's others, the answer's own left out. */
function correctionLabels(task, answer) {
  const ranked = answer.prediction.ranked.map((r) => r.label);
  return [...new Set([...ranked, ...(taskLabels[task] ?? [])])].filter((label) => label !== answer.prediction.label);
}

function sendCorrection(task, answer) {
  const label = answer.correction.choice;
  if (!label) return;
  // With the key the answer was asked with: under another key its request is not found.
  return correctionCall(task, answer, () => request('POST', '/v1/feedback', { requestId: answer.requestId, label }, { key: answer.key }), () => {
    answer.correction.choice = undefined;
    return label;
  });
}

function undoCorrection(task, answer) {
  return correctionCall(task, answer, () => request('DELETE', `/v1/feedback/${encodeURIComponent(answer.requestId)}`, undefined, { key: answer.key }),
    // The label now in force, if an earlier one is back (the service keeps each correction's history).
    (reply) => (typeof reply.label === 'string' ? reply.label : undefined));
}

/**
 * One correction call of an answer at a time: `call` asks the service, `labelAfter(reply)` gives the label in
 * force after it (none: no correction). The answer's correction part is drawn again and said, if still shown.
 */
async function correctionCall(task, answer, call, labelAfter) {
  const state = answer.correction;
  if (state.pending) return;
  state.pending = true;
  setStatus(t('working'));
  try {
    state.label = labelAfter(await call());
    setStatus('');
    if (shownAnswer(task) === answer) $('#announce').textContent = state.label ? t('corrected', { label: state.label }) : t('correctionUndone');
    redrawCorrection(task, answer, state.label ? `${task}-undo-correction` : `${task}-correct`);
  } catch (err) {
    if (shownAnswer(task) === answer) setStatus(err.message);
  } finally {
    state.pending = false;
  }
}

/** The task's whole label list, where the key may read the review queue (it names them); added to the list shown. */
function loadTaskLabels(task) {
  if (taskLabels[task] || labelsLoading[task]) return;
  labelsLoading[task] = (async () => {
    try {
      const answer = await request('GET', `/v1/review?task=${task}&limit=1`, undefined, { looksRight: (json) => Array.isArray(json.labels), quiet: true });
      taskLabels[task] = answer.labels.filter((label) => typeof label === 'string');
      // Into the list in place: a redraw would close it under the pointer.
      const picker = $(`#${task}-correct`);
      const shown = shownAnswer(task);
      if (picker && shown) {
        const have = new Set([...picker.options].map((option) => option.value));
        for (const label of correctionLabels(task, shown)) if (!have.has(label)) picker.append(el('option', { value: label, textContent: label }));
      }
    } catch {
      // Not a reviewer's key (or none yet): the answer's own labels will do; asked again at the next focus.
    } finally {
      labelsLoading[task] = undefined;
    }
  })();
}

async function busy(button, work) {
  if (button) button.disabled = true;
  setStatus(t('working'));
  try {
    await work();
    setStatus('');
  } catch (err) {
    setStatus(err.message);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- shared rendering ----
function answerHeader(p) {
  return el('div', {},
    el('div', { class: 'answer' }, el('span', { class: 'coarse' }, `${p.coarse} – `), el('span', { class: 'label' }, p.label),
      el('span', { class: p.uncertain ? 'badge' : 'badge sure' }, p.uncertain ? t('uncertain') : t('sure'))),
    el('div', { class: 'meta' }, `${p.hierarchical} · ${(p.confidence * 100).toFixed(1)}%`));
}

/** One bar per label, its length the probability itself (a full bar is 100 %, never the top label's share). */
function bars(ranked) {
  const box = el('div', { class: 'bars', title: t('probability') });
  for (const r of ranked) {
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${Math.max(0, Math.min(1, r.confidence)) * 100}%`;
    box.append(el('div', { class: 'bar', title: `${r.coarse} – ${r.label}` },
      el('span', { class: 'name' }, r.label), el('div', { class: 'track' }, fill),
      el('span', { class: 'value' }, `${(r.confidence * 100).toFixed(1)}%`)));
  }
  return box;
}

function timing(ms) {
  return el('div', { class: 'meta timing' }, `${t('took')} ${Math.round(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US')} ${t('ms')}`);
}

/** The numbered reasons under an answer; `where(item)` says where the item sits (a turn, an image). */
function evidenceList(items, where) {
  if (items.length === 0) return el('div', { class: 'meta evidence-none' }, `${t('evidence')}: ${t('noEvidence')}`);
  return el('div', { class: 'evidence' }, el('div', { class: 'meta' }, `${t('evidence')}:`),
    el('ol', {}, ...items.map((item, i) => el('li', { dataset: { n: String(i + 1) } },
      item.text ? el('q', {}, item.text) : null, where(item) ? el('span', { class: 'where' }, where(item)) : null,
      el('span', { class: 'reason' }, reasonText(item.reason))))));
}

// ---- scene ----
let lastScene = null;
function showScene(answer) {
  lastScene = answer;
  const p = answer.prediction;
  // Boxes first, numbered as in the list below; then what has no place on the image (layout, the picture as a whole).
  const boxed = (p.evidence ?? []).filter((e) => e.kind === 'ocr' && e.box);
  const items = [...boxed, ...(p.evidence ?? []).filter((e) => e.kind === 'signal')];
  drawBoxes(boxed);
  const box = $('#scene-result');
  box.replaceChildren(answerHeader(p), bars(p.ranked), evidenceList(items, () => null), timing(answer.ms), correctionView('scene', answer));
  box.hidden = false;
  announce(t('sceneTitle'), p);
}

/** The answer in one line for screen readers (#announce, a live region): the panels change without a word. */
function announce(what, p) {
  $('#announce').textContent = `${what}: ${p.label} ${(p.confidence * 100).toFixed(1)}%${p.uncertain ? `, ${t('uncertain')}` : ''}`;
}

/** Boxes over the preview, at the OCR lines that decided (box corners are fractions of the image). */
function drawBoxes(items) {
  const layer = $('#scene-boxes');
  layer.replaceChildren(...items.map((item, i) => {
    const b = item.box;
    const node = el('div', { class: 'ocr-box', title: `${item.text} — ${reasonText(item.reason)}`, dataset: { n: String(i + 1) } }, el('span', {}, String(i + 1)));
    Object.assign(node.style, { left: `${b.x0 * 100}%`, top: `${b.y0 * 100}%`, width: `${(b.x1 - b.x0) * 100}%`, height: `${(b.y1 - b.y0) * 100}%` });
    return node;
  }));
}

// Raster types a browser shows as pictures. Anything else is previewed from a copy typed as bytes: a blob:
// URL keeps the file's type and the page's origin, so an uploaded HTML or SVG file opened from the preview
// ran its scripts as this page.
const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp', 'image/avif']);
let sceneRequests = 0;

function examplesDisabled(disabled) {
  for (const button of document.querySelectorAll('#scene-examples button')) button.disabled = disabled;
}

/** `ticket`: the number the upload took when the user asked for it (an example is fetched first). */
async function classifyImage(blob, name, ticket = ++sceneRequests) {
  // Only the latest upload's answer is shown: an earlier one that comes back later was drawn over it.
  if (ticket !== sceneRequests) return;
  const preview = $('#scene-preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(PREVIEW_TYPES.has(blob.type) ? blob : new Blob([blob], { type: 'application/octet-stream' }));
  $('#scene-shot').hidden = false;
  $('#scene-boxes').replaceChildren();
  // The last answer belongs to the last image: it goes as the new one comes.
  lastScene = null;
  $('#scene-result').hidden = true;
  $('#scene-result').replaceChildren();
  examplesDisabled(true);
  const form = new FormData();
  form.append('file', blob, name);
  setStatus(t('working'));
  try {
    const answer = await callApi('/v1/scene', form);
    if (ticket === sceneRequests) {
      showScene(answer);
      setStatus('');
    }
  } catch (err) {
    if (ticket === sceneRequests) setStatus(err.message);
  } finally {
    if (ticket === sceneRequests) examplesDisabled(false);
  }
}

/**
 * A picked or dropped file: refused here when the service would refuse it, before it takes a ticket (a refused
 * file that took one left the upload in flight unshown, and the example buttons off, for good).
 */
function uploadImage(file) {
  const refused = imageRefusal(file, file.name);
  if (refused) setStatus(refused);
  else classifyImage(file, file.name);
}

const drop = $('#drop');
$('#scene-file').addEventListener('change', (event) => {
  const file = event.target.files[0];
  // Cleared, so that the same file can be picked again (after a failed upload, say).
  event.target.value = '';
  if (file) uploadImage(file);
});
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer.files[0];
  if (file) uploadImage(file);
});

// ---- intent: the turn editor ----
/** @type {{role: 'user'|'agent', text: string, images: string[]}[]} images are data URLs */
let turns = [{ role: 'user', text: '', images: [] }];

function renderTurns() {
  const box = $('#turns');
  box.replaceChildren(...turns.map((turn, i) => {
    const role = el('select', { 'aria-label': t('roleLabel', { n: i + 1 }), onchange: (e) => { turn.role = e.target.value; } },
      el('option', { value: 'user', textContent: t('user'), selected: turn.role === 'user' }),
      el('option', { value: 'agent', textContent: t('agent'), selected: turn.role === 'agent' }));
    const text = el('input', { type: 'text', value: turn.text, placeholder: t('placeholder'), 'aria-label': t('textLabel', { n: i + 1 }), ...(limits ? { maxLength: limits.maxTurnChars } : {}), oninput: (e) => { turn.text = e.target.value; } });
    // Several images a turn, added to those it has (a second pick replaced the first): buyers send a few at once.
    const file = el('input', { type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden', 'aria-label': t('attachLabel', { n: i + 1 }), onchange: async (e) => {
      const files = [...e.target.files];
      e.target.value = '';
      // Each image the service would refuse is named and left out; the rest are added.
      const refusals = [];
      let room = limits ? limits.maxImages - turns.reduce((n, other) => n + other.images.length, 0) : Infinity;
      const taken = files.filter((f) => {
        const refused = imageRefusal(f, f.name) ?? (room > 0 ? null : t('tooManyImages', { n: limits.maxImages, name: f.name }));
        if (refused) refusals.push(refused);
        else room -= 1;
        return !refused;
      });
      setStatus(refusals.join('; '));
      if (taken.length) {
        turn.images = [...turn.images, ...(await Promise.all(taken.map(readDataUrl)))];
        renderTurns();
        $(`#turns .turn[data-index="${i}"] input[type=file]`)?.focus();
      }
    } });
    const attach = el('label', { class: 'attach' }, file, `＋${t('attach')}`);
    // Each image a button that takes it out of the turn (only the whole turn could be removed).
    const images = turn.images.length === 0 ? null : el('div', { class: 'turn-images' }, ...turn.images.map((src, k) =>
      el('button', { type: 'button', class: 'turn-image', title: t('removeImage', { n: k + 1 }), 'aria-label': `${t('turnN', { n: i + 1 })}: ${t('removeImage', { n: k + 1 })}`, onclick: () => {
        turn.images.splice(k, 1);
        renderTurns();
        const left = $(`#turns .turn[data-index="${i}"] .turn-image:nth-child(${Math.min(k + 1, turn.images.length)})`);
        (left ?? $(`#turns .turn[data-index="${i}"] input[type=file]`))?.focus();
      } }, el('img', { class: 'thumb', src, alt: '' }), el('span', { 'aria-hidden': 'true' }, '×'))));
    const remove = el('button', { type: 'button', title: t('remove'), 'aria-label': `${t('remove')} ${t('turnN', { n: i + 1 })}`, textContent: '×', onclick: () => {
      turns.splice(i, 1);
      if (turns.length === 0) turns.push({ role: 'user', text: '', images: [] });
      renderTurns();
      // Focus to the turn that took its place (it was left on the page's body).
      $(`#turns .turn[data-index="${Math.min(i, turns.length - 1)}"] input[type=text]`)?.focus();
    } });
    return el('div', { class: 'turn', dataset: { index: String(i) } }, role, text, attach, remove, images);
  }));
}

function readDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

$('#add-turn').addEventListener('click', () => {
  const last = turns[turns.length - 1];
  turns.push({ role: last && last.role === 'user' ? 'agent' : 'user', text: '', images: [] });
  renderTurns();
});

/** `用户: ...` / `客服: ...` (or User:/Agent:) lines; a line without a prefix continues the turn above. */
function parseDialogueText(text) {
  const parsed = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(用户|买家|客户|user|customer|客服|商家|agent|assistant)\s*[:：]\s*(.*)$/i.exec(line);
    if (m) parsed.push({ role: /^(用户|买家|客户|user|customer)$/i.test(m[1]) ? 'user' : 'agent', text: m[2], images: [] });
    else if (line.trim() && parsed.length) parsed[parsed.length - 1].text += ` ${line.trim()}`;
    else if (line.trim()) parsed.push({ role: 'user', text: line.trim(), images: [] });
  }
  return parsed;
}
$('#paste-apply').addEventListener('click', () => {
  const parsed = parseDialogueText($('#paste').value);
  if (parsed.length) { turns = parsed; renderTurns(); }
});

let lastIntent = null;
function showIntent(answer, sentTurns) {
  lastIntent = { answer, turns: sentTurns };
  const p = answer.prediction;
  // Only spans that are exactly where the server says they are: the text at [start, end) of the turn as sent.
  const spans = (p.evidence ?? []).filter((e) => e.kind === 'text' && sentTurns[e.turn] && sentTurns[e.turn].text.slice(e.start, e.end) === e.text);
  const numbered = spans.map((e, i) => ({ ...e, n: i + 1 }));
  const shown = el('div', { class: 'shown-turns' }, ...sentTurns.map((turn, i) =>
    el('div', { class: `shown-turn ${turn.role}`, dataset: { index: String(i) } },
      el('span', { class: 'who' }, t(turn.role)), ...highlight(turn.text, numbered.filter((e) => e.turn === i)),
      ...turn.images.map((src) => el('img', { class: 'thumb', src, alt: '' })))));
  const others = (p.evidence ?? []).filter((e) => e.kind !== 'text');
  $('#intent-result').replaceChildren(answerHeader(p), bars(p.ranked), shown,
    evidenceList([...numbered, ...others], (e) => (e.kind === 'text' ? t('turnN', { n: e.turn + 1 }) : e.kind === 'ocr' ? t('imageN', { n: (e.image ?? 0) + 1 }) : null)),
    timing(answer.ms), correctionView('intent', answer));
  $('#intent-result').hidden = false;
  announce(t('intentTitle'), p);
}

/** The turn's text with <mark> around each evidence span (by offset; overlapping spans keep the first). */
function highlight(text, spans) {
  const parts = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    if (span.start > at) parts.push(document.createTextNode(text.slice(at, span.start)));
    parts.push(el('mark', { title: reasonText(span.reason), dataset: { n: String(span.n) } }, text.slice(span.start, span.end)));
    at = span.end;
  }
  if (at < text.length) parts.push(document.createTextNode(text.slice(at)));
  return parts;
}

$('#classify-intent').addEventListener('click', (event) => {
  const kept = turns.map((turn, at) => ({ turn, at })).filter(({ turn }) => turn.text.trim() || turn.images.length);
  const sent = kept.map(({ turn }) => ({ ...turn, text: turn.text.trim() }));
  if (!sent.some((turn) => turn.role === 'user')) { setStatus(t('emptyDialogue')); return; }
  const dialogue = sent.map((turn) => (turn.images.length ? turn : { role: turn.role, text: turn.text }));
  // Refusals name a turn as the editor numbers it (an empty turn before it is not sent).
  const refused = dialogueRefusal(dialogue, kept.map(({ at }) => at));
  if (refused) { setStatus(refused); return; }
  // The last answer goes as the new question does: after a refusal it stood under a dialogue it was not about.
  lastIntent = null;
  $('#intent-result').hidden = true;
  busy(event.currentTarget, async () => showIntent(await callApi('/v1/intent', { dialogue }), sent));
});

/**
 * Why the service would refuse this dialogue as a whole, in words, or null (a pasted dialogue can be long).
 * `editorIndex[i]`: where dialogue[i] is in the editor.
 */
function dialogueRefusal(dialogue, editorIndex) {
  if (!limits) return null;
  if (dialogue.length > limits.maxTurns) return t('tooManyTurns', { n: limits.maxTurns, count: dialogue.length });
  // The box stops typing at the limit, not a pasted dialogue's turn, nor the markers of its images.
  const counted = dialogue.map((turn) => textAsCounted(turn).length);
  const long = counted.findIndex((n) => n > limits.maxTurnChars);
  if (long >= 0) return t('turnTooLong', { turn: editorIndex[long] + 1, count: counted[long], n: limits.maxTurnChars });
  const chars = counted.reduce((n, c) => n + c, 0);
  if (chars > limits.maxTextChars) return t('textTooLong', { n: limits.maxTextChars, count: chars });
  const bytes = new Blob([JSON.stringify({ dialogue })]).size;
  if (bytes > limits.maxBodyBytes) return t('dialogueTooLarge', { size: sizeText(bytes, 'up'), limit: sizeText(limits.maxBodyBytes) });
  return null;
}

// ---- examples ----
async function loadExamples() {
  let index;
  try {
    index = await (await fetch('/examples/index.json')).json();
  } catch {
    return; // no examples shipped: the buttons simply do not appear
  }
  for (const example of index.examples) {
    const button = el('button', { type: 'button', dataset: { example: example.file } });
    button.dataset.i18nTitle = JSON.stringify(example.title);
    button.textContent = example.title[lang];
    if (example.kind === 'scene') {
      button.addEventListener('click', async () => {
        // Disabled at once: a double click fetched and sent the example twice (classifyImage enables it again).
        button.disabled = true;
        // Its number is taken now: a file picked while the example downloads is the later upload.
        const ticket = ++sceneRequests;
        try {
          const blob = await (await fetch(`/examples/${example.file}`)).blob();
          await classifyImage(blob, example.file.split('/').pop(), ticket);
        } catch (err) {
          setStatus(err.message);
        } finally {
          button.disabled = false;
        }
      });
      $('#scene-examples').append(button);
    } else {
      button.addEventListener('click', async () => {
        const sample = await (await fetch(`/examples/${example.file}`)).json();
        turns = sample.dialogue.map((turn) => ({ role: turn.role, text: turn.text, images: turn.images ?? [] }));
        renderTurns();
        $('#classify-intent').click();
      });
      $('#intent-examples').append(button);
    }
  }
}
const relabelExamples = () => {
  for (const button of document.querySelectorAll('[data-i18n-title]')) button.textContent = JSON.parse(button.dataset.i18nTitle)[lang];
};
$('#lang-toggle').addEventListener('click', relabelExamples);

applyLanguage();
loadExamples();
loadServiceState();
