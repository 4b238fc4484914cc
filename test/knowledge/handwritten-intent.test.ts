// The hand-written intent dialogues: they parse, cover every label, and copy neither the dev
// dialogues nor the template knowledge. Failures print counts and OUR ids only, never dev text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamples } from '../../src/data/load.js';
import { EcommirError } from '../../src/errors.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { defaultHandwrittenIntentDir, loadHandwrittenIntentDialogues } from '../../src/knowledge/handwritten-intent.js';
import { synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import type { Sample } from '../../src/types.js';
import { DEV_JSON } from '../data/helpers.js';

const MIN_PER_LABEL = 30;
/** The third voice wrote at least this many dialogues for every label (more for the commonest ones). */
const MIN_PER_LABEL_VOICE3 = 8;
/** The fourth voice wrote 25 dialogues for each of these eight labels only, and none for the others. */
const VOICE4_LABELS = ['单品推荐', '用法用量', '是否好用', '功效功能', '发货数量', '养护方法', '商品规格', '套装推荐'];
const MIN_PER_LABEL_VOICE4 = 25;
/**
 * The fifth voice wrote minimal pairs across the most confused label pairs (用法用量↔是否好用,
 * 单品推荐↔版本款型区别, 单品推荐↔套装推荐, 发货数量↔商品规格, 功效功能↔用法用量, 功效功能↔控制方式,
 * 单品推荐↔信号情况, 商品规格↔版本款型区别, 是否好用↔功效功能, 用法用量↔养护方法): one file for each
 * label of those pairs, none for the others.
 */
const VOICE5_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['用法用量', '是否好用'], ['单品推荐', '版本款型区别'], ['单品推荐', '套装推荐'], ['发货数量', '商品规格'], ['功效功能', '用法用量'],
  ['功效功能', '控制方式'], ['单品推荐', '信号情况'], ['商品规格', '版本款型区别'], ['是否好用', '功效功能'], ['用法用量', '养护方法'],
];
const VOICE5_LABELS = [...new Set(VOICE5_PAIRS.flat())];
const MIN_VOICE5 = 200;
/** Each side of a pair has about a dozen dialogues; a label in several pairs has more. */
const MIN_PER_LABEL_VOICE5 = 10;
const dir = defaultHandwrittenIntentDir();
const taxonomy = Taxonomy.default('intent');

/** One author's dialogues: which files and ids are theirs, which labels they wrote for and how many at least. */
interface Voice {
  name: string;
  /** File-name prefix, `voiceN-`; the second voice's files have none. */
  filePrefix: string;
  /** Id prefix, before `-<slug>-<n>`. */
  idPrefix: string;
  /** Exactly the labels with a file of this voice (one file each). */
  labels: readonly string[];
  minPerLabel: number;
  minTotal?: number;
}
const VOICES: readonly Voice[] = [
  { name: 'second', filePrefix: '', idPrefix: 'hand', labels: taxonomy.labels, minPerLabel: 1 },
  { name: 'third', filePrefix: 'voice3-', idPrefix: 'v3', labels: taxonomy.labels, minPerLabel: MIN_PER_LABEL_VOICE3 },
  { name: 'fourth', filePrefix: 'voice4-', idPrefix: 'v4', labels: VOICE4_LABELS, minPerLabel: MIN_PER_LABEL_VOICE4 },
  { name: 'fifth', filePrefix: 'voice5-', idPrefix: 'v5', labels: VOICE5_LABELS, minPerLabel: MIN_PER_LABEL_VOICE5, minTotal: MIN_VOICE5 },
];
/** The voice a file belongs to: the one whose prefix it has, else the second voice. */
const voiceOfFile = (file: string): Voice => VOICES.find((v) => v.filePrefix !== '' && file.startsWith(v.filePrefix)) ?? VOICES[0];
const ofVoice = (samples: readonly Sample[], voice: Voice): Sample[] => samples.filter((s) => s.id.startsWith(`${voice.idPrefix}-`));
const ID_PATTERN = new RegExp(`^(${VOICES.map((v) => v.idPrefix).join('|')})-[a-z-]+-\\d+$`);

/** A turn's text without `<image>`/`<http>` markers and whitespace: what the copy checks compare. */
const bare = (text: string): string => text.replace(/<image>|<http>/gi, '').replace(/\s+/g, '');
const dialogueText = (s: Sample): string => s.turns.map((t) => bare(t.text)).join('');

test('every hand-written file parses through the native reader; every label has enough dialogues; ids are unique', async () => {
  // Independent voices (see VOICES and the README): each author's files carry their prefix and their ids.
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  const perVoice = new Map<Voice, Map<string, number>>(VOICES.map((v) => [v, new Map()]));
  for (const f of files) {
    const { samples, format } = await loadSamples(join(dir, f));
    assert.equal(format, 'native', f);
    assert.ok(samples.length > 0, f);
    const voice = voiceOfFile(f);
    for (const s of samples) assert.match(s.id, new RegExp(`^${voice.idPrefix}-[a-z-]+-\\d+$`), `${f}: ${s.id}`);
    perVoice.get(voice)!.set(samples[0]!.label!, samples.length);
  }
  for (const voice of VOICES) {
    const counts = perVoice.get(voice)!;
    assert.equal(files.filter((f) => voiceOfFile(f) === voice).length, voice.labels.length, `one ${voice.name}-voice file for each of its ${voice.labels.length} labels`);
    assert.deepEqual([...counts.keys()].sort(), [...voice.labels].sort(), `the ${voice.name} voice covers exactly its labels`);
    const thin = voice.labels.filter((l) => (counts.get(l) ?? 0) < voice.minPerLabel).map((l) => `${l}:${counts.get(l) ?? 0}`);
    assert.deepEqual(thin, [], `${voice.name}-voice labels with fewer than ${voice.minPerLabel} dialogues`);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (voice.minTotal !== undefined) assert.ok(total >= voice.minTotal, `the ${voice.name} voice has ${total} dialogues, fewer than ${voice.minTotal}`);
  }
  const samples = loadHandwrittenIntentDialogues();
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.label!, (counts.get(s.label!) ?? 0) + 1);
  const short = taxonomy.labels.filter((l) => (counts.get(l) ?? 0) < MIN_PER_LABEL).map((l) => `${l}:${counts.get(l) ?? 0}`);
  assert.deepEqual(short, [], `labels with fewer than ${MIN_PER_LABEL} dialogues`);
  assert.equal(new Set(samples.map((s) => s.id)).size, samples.length, 'ids are unique');
  for (const s of samples) {
    assert.match(s.id, ID_PATTERN, s.id);
    assert.ok(s.turns.some((t) => t.role === 'user' && bare(t.text) !== ''), `${s.id} has user text`);
  }
  // Written by hand, each one different: no two dialogues (nor two user turns of 8+ characters) are equal.
  // With five authors a collision is likely to span voices, so the failure names the later ids.
  const firstDialogue = new Map<string, string>();
  const firstTurn = new Map<string, string>();
  const sameDialogue: string[] = [];
  const sameTurn: string[] = [];
  for (const s of samples) {
    const text = dialogueText(s);
    if (firstDialogue.has(text)) sameDialogue.push(`${s.id} (= ${firstDialogue.get(text)})`);
    else firstDialogue.set(text, s.id);
    for (const t of s.turns.filter((t) => t.role === 'user').map((t) => bare(t.text)).filter((t) => t.length >= 8)) {
      if (firstTurn.has(t)) sameTurn.push(`${s.id} (= ${firstTurn.get(t)})`);
      else firstTurn.set(t, s.id);
    }
  }
  assert.deepEqual(sameDialogue, [], 'no two dialogues are the same');
  assert.deepEqual(sameTurn, [], 'no user turn of 8+ characters is written twice');
});

test('the loader turns the stand-in images into placeholders, blank PNGs or nothing, and filters labels', () => {
  const placeholder = loadHandwrittenIntentDialogues();
  const withImages = placeholder.filter((s) => s.images.length > 0);
  assert.ok(withImages.length >= taxonomy.labels.length, 'some dialogues carry a user image');
  assert.ok(withImages.every((s) => s.images.every((r) => r.path === undefined && r.bytes === undefined)));
  const blank = loadHandwrittenIntentDialogues({ images: 'blank' });
  // Each stand-in becomes a blank PNG: as many as there were placeholders (an empty list passed `every`).
  assert.deepEqual(blank.map((s) => s.images.length), placeholder.map((s) => s.images.length));
  assert.ok(blank.filter((s) => s.images.length > 0).every((s) => s.images.every((r) => r.bytes && r.bytes.length > 0)));
  const none = loadHandwrittenIntentDialogues({ images: 'none' });
  assert.equal(none.length, placeholder.length);
  assert.ok(none.every((s) => s.images.length === 0 && s.turns.every((t) => !t.text.includes('<image>') && t.text !== '')));
  const two = loadHandwrittenIntentDialogues({ labels: ['气泡', '信号情况'] });
  assert.deepEqual([...new Set(two.map((s) => s.label))].sort(), ['信号情况', '气泡']);
  assert.throws(() => loadHandwrittenIntentDialogues({ labels: ['不存在的标签'] }), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_UNKNOWN_LABEL');
});

test('the loader names the file and record of an unknown label, a mixed file, a duplicate id or a missing folder', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'ecm-hand-'));
  const rec = (id: string, label: string): string => JSON.stringify({ id, task: 'intent', label, dialogue: [{ role: 'user', text: '问一下' }] });
  const expectError = async (files: Record<string, string[]>, code: string, pattern: RegExp): Promise<void> => {
    const sub = await mkdtemp(join(tmp, 'case-'));
    for (const [name, lines] of Object.entries(files)) await writeFile(join(sub, name), lines.join('\n') + '\n');
    assert.throws(() => loadHandwrittenIntentDialogues(sub), (e: unknown) => e instanceof EcommirError && e.code === code && pattern.test(e.message));
  };
  try {
    await expectError({ 'a.jsonl': [rec('a-1', '气泡'), rec('a-2', '会飞吗')] }, 'ECM_ERR_UNKNOWN_LABEL', /a\.jsonl.*record #1.*a-2/);
    await expectError({ 'a.jsonl': [rec('a-1', '气泡'), rec('a-2', '信号情况')] }, 'ECM_ERR_BAD_RECORD', /one label per file/);
    await expectError({ 'a.jsonl': [rec('x-1', '气泡')], 'b.jsonl': [rec('x-1', '信号情况')] }, 'ECM_ERR_BAD_RECORD', /b\.jsonl.*x-1.*used twice/);
    await expectError({ 'a.jsonl': ['{"id":"a-1","task":"intent","label":"气泡","dialogue":[{"role":"user","text":"<image>"}]}'] }, 'ECM_ERR_BAD_RECORD', /marker/);
    await expectError({ 'a.jsonl': ['{"id":"a-1","task":"intent","label":"气泡"'] }, 'ECM_ERR_BAD_JSON', /line 1/);
    assert.throws(() => loadHandwrittenIntentDialogues(join(tmp, 'nowhere')), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_FILE_NOT_FOUND' && /the folder of hand-written intent dialogues \S+nowhere does not exist/.test(e.message));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('no hand-written dialogue copies a dev dialogue (no equal user turn of 8+ characters, no shared run of 12)', { skip: !existsSync(DEV_JSON) && 'dev data not found' }, async () => {
  const RUN = 12;
  const dev = (await loadSamples(DEV_JSON)).samples.filter((s) => s.task === 'intent');
  assert.ok(dev.length > 0, 'the dev file has intent dialogues');
  const devUser = new Set(dev.flatMap((s) => s.turns.filter((t) => t.role === 'user').map((t) => bare(t.text))).filter((t) => t.length >= 8));
  const devRuns = new Set<string>();
  for (const s of dev) {
    const text = dialogueText(s);
    for (let i = 0; i + RUN <= text.length; i++) devRuns.add(text.slice(i, i + RUN));
  }
  const mine = loadHandwrittenIntentDialogues();
  assert.deepEqual(VOICES.filter((v) => ofVoice(mine, v).length === 0).map((v) => v.name), [], 'every voice is checked');
  const equalTurn = mine.filter((s) => s.turns.some((t) => t.role === 'user' && devUser.has(bare(t.text)))).map((s) => s.id);
  const sharedRun = mine.filter((s) => {
    const text = dialogueText(s);
    for (let i = 0; i + RUN <= text.length; i++) if (devRuns.has(text.slice(i, i + RUN))) return true;
    return false;
  }).map((s) => s.id);
  assert.equal(equalTurn.length, 0, `${equalTurn.length} hand-written dialogue(s) repeat a dev user turn: ${equalTurn.join(', ')}`);
  assert.equal(sharedRun.length, 0, `${sharedRun.length} hand-written dialogue(s) share a ${RUN}-character run with a dev dialogue: ${sharedRun.join(', ')}`);
  // The check itself bites: a dev dialogue's own text is caught.
  const probe = dialogueText(dev.find((s) => dialogueText(s).length >= RUN)!);
  assert.ok(devRuns.has(probe.slice(0, RUN)));
});

test('no hand-written dialogue duplicates a template-generated one (synthesizeIntentSamples defaults)', () => {
  const generated = synthesizeIntentSamples();
  const genDialogues = new Set(generated.map(dialogueText));
  const genUser = new Set(generated.flatMap((s) => s.turns.filter((t) => t.role === 'user').map((t) => bare(t.text))).filter((t) => t.length >= 8));
  const mine = loadHandwrittenIntentDialogues();
  assert.deepEqual(VOICES.filter((v) => ofVoice(mine, v).length === 0).map((v) => v.name), [], 'every voice is checked');
  const sameDialogue = mine.filter((s) => genDialogues.has(dialogueText(s))).map((s) => s.id);
  const sameUserTurns = mine.flatMap((s) => s.turns.filter((t) => t.role === 'user' && genUser.has(bare(t.text))));
  console.log(`hand-written vs ${generated.length} generated: ${sameDialogue.length} equal dialogues, ${sameUserTurns.length} equal user turns of 8+ characters`);
  assert.equal(sameDialogue.length, 0, `${sameDialogue.length} hand-written dialogue(s) equal a generated one: ${sameDialogue.join(', ')}`);
});

test('the README counts match the files', () => {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const samples = loadHandwrittenIntentDialogues();
  // One row per label: | label | second-voice file | n | then for each later voice: its file or — | n | … | total |
  const cells = (voice: Voice, n: number): string =>
    `${voice.filePrefix === '' ? '`[a-z-]+\\.jsonl`' : n > 0 ? `\`${voice.filePrefix}[a-z-]+\\.jsonl\`` : '—'} \\| ${n} \\|`;
  for (const label of taxonomy.labels) {
    const ofLabel = samples.filter((s) => s.label === label);
    const counts = VOICES.map((v) => ofVoice(ofLabel, v).length);
    const row = `\\| ${label} \\| ${VOICES.map((v, i) => cells(v, counts[i])).join(' ')} ${ofLabel.length} \\|`;
    assert.match(readme, new RegExp(row), `README row for ${label} says ${counts.join(' + ')} = ${ofLabel.length}`);
  }
  const totals = VOICES.map((v) => ` \\| \\*\\*${ofVoice(samples, v).length}\\*\\* \\|`).join('');
  assert.match(readme, new RegExp(`\\| \\*\\*all\\*\\* \\|${totals} \\*\\*${samples.length}\\*\\* \\|`));
});
