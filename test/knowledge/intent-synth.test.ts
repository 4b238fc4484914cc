import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamples } from '../../src/data/load.js';
import { parseNativeSample, toNativeRecord } from '../../src/data/native.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { loadIntentKnowledge } from '../../src/knowledge/intent-knowledge.js';
import { checkIntentKnowledge, synthesizeIntentSamples } from '../../src/knowledge/intent-synth.js';
import { expandTemplate, parseTemplate, templateSlots } from '../../src/knowledge/template.js';
import { createRng } from '../../src/learn/random.js';
import { main } from '../../src/cli/main.js';
import type { Sample } from '../../src/types.js';
import { DEV_JSON } from '../data/helpers.js';

const knowledge = loadIntentKnowledge();
const taxonomy = Taxonomy.default('intent');

test('template: choices, optional parts and slots expand; bad brackets are named errors', () => {
  const rng = createRng(3);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(expandTemplate('(会|容易)[不会]生锈{end}', rng, (name) => (name === 'end' ? '(吗|呢)' : { literal: '' })));
  assert.deepEqual([...seen].sort(), ['会不会生锈吗', '会不会生锈呢', '会生锈吗', '会生锈呢', '容易不会生锈吗', '容易不会生锈呢', '容易生锈吗', '容易生锈呢']);
  assert.deepEqual(templateSlots('{it}是{drain}(还是{drain2}|)'), ['it', 'drain', 'drain2']);
  assert.throws(() => parseTemplate('(a|b'), /not closed/);
  assert.throws(() => parseTemplate('a)b'), /unexpected/);
  assert.equal(expandTemplate('x{k}', rng, () => ({ literal: '(^_^)' })), 'x(^_^)');
});

test('knowledge: one file per taxonomy label, each with ≥ 40 question forms, every slot resolvable in every category', () => {
  assert.deepEqual(knowledge.labels.map((l) => l.label).sort(), [...taxonomy.labels].sort());
  for (const l of knowledge.labels) {
    assert.ok(l.forms.length >= 40, `${l.label}: ${l.forms.length} forms`);
    assert.ok(new Set(l.forms).size === l.forms.length, `${l.label}: repeated forms`);
    assert.equal(l.coarse, taxonomy.coarseOf(l.label));
    assert.ok(l.boundaries.every((b) => taxonomy.labels.includes(b.with)), `${l.label}: a boundary names an unknown label`);
  }
  assert.ok(knowledge.catalogue.categories.size >= 30);
  assert.deepEqual(checkIntentKnowledge(knowledge, taxonomy), []);
});

test('synthesis is deterministic for a seed, differs across seeds, and a larger perLabel extends a smaller one', () => {
  const a = synthesizeIntentSamples({ seed: 11, perLabel: 30, knowledge });
  const b = synthesizeIntentSamples({ seed: 11, perLabel: 30, knowledge });
  assert.deepEqual(a, b);
  const c = synthesizeIntentSamples({ seed: 12, perLabel: 30, knowledge });
  const d = synthesizeIntentSamples({ seed: 1, perLabel: 30, knowledge });
  const e = synthesizeIntentSamples({ seed: 2, perLabel: 30, knowledge });
  assert.ok(d.filter((s, i) => JSON.stringify(s.turns) === JSON.stringify(e[i].turns)).length < d.length * 0.05, "seeds 1 and 2 differ");
  const text = (s: Sample): string => JSON.stringify(s.turns);
  const same = a.filter((s, i) => text(s) === text(c[i])).length;
  assert.ok(same < a.length * 0.05, `${same} of ${a.length} samples identical across seeds`);
  const longer = synthesizeIntentSamples({ seed: 11, perLabel: 40, labels: ['气泡'], knowledge });
  assert.deepEqual(longer.slice(0, 30).map(text), a.filter((s) => s.label === '气泡').map(text));
});

test('every label gets perLabel valid, distinct samples with unique ids; images follow the option', () => {
  const samples = synthesizeIntentSamples({ seed: 2, perLabel: 60, knowledge });
  assert.equal(samples.length, 60 * taxonomy.labels.length);
  assert.equal(new Set(samples.map((s) => s.id)).size, samples.length);
  samples.forEach((s, i) => assert.equal(s.index, i));
  for (const label of taxonomy.labels) {
    const mine = samples.filter((s) => s.label === label);
    assert.equal(mine.length, 60, label);
    assert.equal(new Set(mine.map((s) => JSON.stringify(s.turns))).size, 60, `${label}: repeated dialogues`);
    assert.ok(mine.every((s) => /^synth-intent-.+-\d+$/.test(s.id) && s.id.includes(label)));
  }
  for (const s of samples) {
    assert.equal(s.task, 'intent');
    assert.ok(s.turns.some((t) => t.role === 'user'));
    for (const t of s.turns) {
      assert.ok(t.text.trim() !== '');
      assert.equal(t.text.split('<image>').length - 1, t.images.length, `${s.id}: markers and images pair up`);
    }
    assert.deepEqual(s.images, s.turns.flatMap((t) => t.images));
  }
  // The mix has multi-turn context, agent replies, links and images, not only bare questions.
  const share = (f: (s: Sample) => boolean): number => samples.filter(f).length / samples.length;
  assert.ok(share((s) => s.turns.length > 1) > 0.4);
  assert.ok(share((s) => s.turns.some((t) => t.role === 'agent')) > 0.4);
  assert.ok(share((s) => s.turns.some((t) => t.text.includes('<http>'))) > 0.1);
  assert.ok(share((s) => s.images.length > 0) > 0.08);
  assert.ok(samples.every((s) => s.images.every((i) => i.bytes === undefined && i.path === undefined)));

  const none = synthesizeIntentSamples({ seed: 2, perLabel: 20, images: 'none', knowledge });
  assert.ok(none.every((s) => s.images.length === 0 && s.turns.every((t) => !t.text.includes('<image>'))));
  const blank = synthesizeIntentSamples({ seed: 2, perLabel: 20, images: 'blank', knowledge });
  assert.ok(blank.some((s) => s.images.length > 0) && blank.every((s) => s.images.every((i) => i.bytes && i.bytes.length > 0)));
});

test('variation 0 gives the clean forms; the default adds colloquial variation', () => {
  const clean = synthesizeIntentSamples({ seed: 4, perLabel: 80, variation: 0, bareShare: 1, knowledge });
  const noisy = synthesizeIntentSamples({ seed: 4, perLabel: 80, bareShare: 1, knowledge });
  assert.ok(clean.every((s) => s.turns.length === 1));
  const emoji = /[\u{1F300}-\u{1FAFF}]|\[[^\]]+\]/u;
  assert.equal(clean.filter((s) => emoji.test(s.turns[0].text)).length, 0);
  assert.ok(noisy.filter((s) => emoji.test(s.turns[0].text)).length > 20);
  const traditional = new Set(Object.values(knowledge.traditional));
  assert.ok(noisy.some((s) => [...s.turns[0].text].some((c) => traditional.has(c))));
  assert.ok(noisy.some((s) => /[a-z]{2,}/i.test(s.turns[0].text.replace(/<[a-z]+>/g, ''))));
});

test('bad options are named errors', () => {
  assert.throws(() => synthesizeIntentSamples({ perLabel: 0, knowledge }), /perLabel/);
  assert.throws(() => synthesizeIntentSamples({ seed: 1.5, knowledge }), /seed/);
  assert.throws(() => synthesizeIntentSamples({ labels: ['没有这个标签'], knowledge }), /not an intent label/);
  assert.throws(() => synthesizeIntentSamples({ bareShare: 2, knowledge }), /bareShare/);
});

test('native records round-trip; `ecommir knowledge intent` writes a JSONL that loads, the same for the same seed', async () => {
  const samples = synthesizeIntentSamples({ seed: 5, perLabel: 5, images: 'blank', knowledge });
  for (const s of samples) {
    const back = parseNativeSample(JSON.parse(JSON.stringify(toNativeRecord(s))), s.index);
    assert.equal(back.id, s.id);
    assert.equal(back.label, s.label);
    assert.deepEqual(back.turns.map((t) => [t.role, t.text, t.images.length]), s.turns.map((t) => [t.role, t.text, t.images.length]));
    assert.deepEqual(back.images.map((i) => i.bytes), s.images.map((i) => i.bytes));
  }
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-kn-'));
  const out = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    for (const file of out) assert.equal(await main(['knowledge', 'intent', '--out', file, '--per-label', '4', '--seed', '9']), 0);
    assert.equal(await main(['knowledge', 'intent', '--per-label', 'x']), 2, 'a bad option value: a usage error');
  } finally {
    process.stderr.write = stderr;
  }
  const [a, b] = await Promise.all(out.map((f) => readFile(f, 'utf8')));
  assert.equal(a, b);
  const loaded = await loadSamples(out[0], { checkImages: true });
  assert.equal(loaded.format, 'native');
  assert.equal(loaded.samples.length, 4 * taxonomy.labels.length);
  assert.deepEqual(new Set(loaded.samples.map((s) => s.label)), new Set(taxonomy.labels));
  await rm(dir, { recursive: true, force: true });
});

// Clean room: synthetic samples must be written from knowledge, not copied from the dev dialogues.
// This test reads the dev file itself and, when it fails, prints only counts and record ids.
const MIN_SHARED = 12;
const MIN_EQUAL_TURN = 8; // shorter turns ("在吗", "好的", "防水吗") are commonplace, not copies

function normalise(text: string): string {
  return text.replace(/<[a-z]+>/g, '').replace(/\s+/g, '').toLowerCase();
}

test('no generated sample copies a dev dialogue (no equal user turn, no shared run of 12 characters)', { skip: !existsSync(DEV_JSON) && 'dev data not found' }, async () => {
  const dev = (await loadSamples(DEV_JSON)).samples.filter((s) => s.turns.length > 0);
  const devUserTurns = new Map<string, string>();
  const devWindows = new Map<string, string>();
  for (const s of dev) {
    for (const t of s.turns) {
      const n = normalise(t.text);
      if (t.role === 'user' && n.length >= MIN_EQUAL_TURN) devUserTurns.set(n, s.id);
    }
    // Windows within each turn and across turn boundaries alike.
    const whole = [...normalise(s.turns.map((t) => t.text).join(''))];
    for (let i = 0; i + MIN_SHARED <= whole.length; i++) devWindows.set(whole.slice(i, i + MIN_SHARED).join(''), s.id);
  }
  assert.ok(devWindows.size > 1000, 'the dev dialogues were read');

  const equal: { synth: string; dev: string }[] = [];
  const shared: { synth: string; dev: string }[] = [];
  for (const seed of [1, 2, 3]) {
    for (const s of synthesizeIntentSamples({ seed, perLabel: 150, knowledge })) {
      for (const t of s.turns) {
        const dev = t.role === 'user' ? devUserTurns.get(normalise(t.text)) : undefined;
        if (dev) equal.push({ synth: s.id, dev });
      }
      const whole = [...normalise(s.turns.map((t) => t.text).join(''))];
      for (let i = 0; i + MIN_SHARED <= whole.length; i++) {
        const dev = devWindows.get(whole.slice(i, i + MIN_SHARED).join(''));
        if (dev) {
          shared.push({ synth: `${s.id}@seed${seed}`, dev });
          break;
        }
      }
    }
  }
  const ids = (xs: { synth: string; dev: string }[]): string =>
    `synthetic ${[...new Set(xs.map((x) => x.synth))].slice(0, 20).join(', ')}; dev records ${[...new Set(xs.map((x) => x.dev))].slice(0, 20).join(', ')}`;
  assert.equal(equal.length, 0, `${equal.length} generated user turns equal a dev user turn (${ids(equal)})`);
  assert.equal(shared.length, 0, `${shared.length} generated dialogues share ≥ ${MIN_SHARED} consecutive characters with a dev dialogue (${ids(shared)})`);
});

test('the generated variation tables (homophones, traditional) are up to date with the knowledge files', async () => {
  const { execFile } = await import('node:child_process');
  const script = new URL('../../scripts/build-intent-variation.ts', import.meta.url).pathname;
  const code = await new Promise<number>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script, '--check'], { cwd: new URL('../..', import.meta.url).pathname }, (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0));
  });
  assert.equal(code, 0, 'run: node --import tsx scripts/build-intent-variation.ts');
});

test('knowledge intent refuses an empty --labels and out-of-range numbers by their flags, and writes a label given twice once', async () => {
  const { runCli } = await import('../cli/run-cli.js');
  const empty = await runCli(['knowledge', 'intent', '--labels', '', '--per-label', '1']);
  assert.equal(empty.code, 2, empty.stderr);
  assert.match(empty.stderr, /--labels names no label/);
  const variation = await runCli(['knowledge', 'intent', '--variation', '5', '--per-label', '1']);
  assert.equal(variation.code, 2);
  assert.match(variation.stderr, /--variation must be a number from 0 to 4, got "5"/);
  const bare = await runCli(['knowledge', 'intent', '--bare-share', '2', '--per-label', '1']);
  assert.match(bare.stderr, /--bare-share must be a number from 0 to 1, got "2"/);
  const twice = await runCli(['knowledge', 'intent', '--labels', '用法用量,用法用量', '--per-label', '1', '--images', 'none']);
  assert.equal(twice.code, 0, twice.stderr);
  const ids = twice.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id);
  assert.equal(new Set(ids).size, ids.length, 'no id twice');
});
