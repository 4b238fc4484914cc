// The warm-up a new worker runs before it takes work: which recognisers it calls, how often, with
// what, and that a failing recogniser does not stop a worker from starting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { HANDWRITTEN_WARM_UP_STRIDE, intentWarmUpSamples, LABEL_WARM_UP_ROUNDS, labelWarmUpSamples, warmUp } from '../../src/runtime/warm-up.js';
import { loadHandwrittenIntentDialogues } from '../../src/knowledge/handwritten-intent.js';
import type { Recognizer } from '../../src/tasks/recognizer.js';
import type { Sample } from '../../src/types.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecognizerSet, FAKES_MODULE, type FakeIntentRecognizer, type FakeSceneRecognizer } from '../server/fakes.js';

const LABELS = ['是否会生锈', '商品材质', '发货数量'];

const textOnly = (s: Sample) => s.task === 'intent' && s.images.length === 0 && s.turns.every((t) => t.images.length === 0 && !t.text.includes('<image>'));

test('the intent warm-up runs every fourth hand-written knowledge dialogue, text only and unlabelled', () => {
  const all = loadHandwrittenIntentDialogues({ images: 'none' });
  const samples = intentWarmUpSamples(LABELS);
  assert.equal(samples.length, Math.ceil(all.length / HANDWRITTEN_WARM_UP_STRIDE));
  assert.ok(samples.length >= 400, `${samples.length} dialogues`);
  assert.deepEqual(
    samples.map((s) => s.id),
    all.filter((_, i) => i % HANDWRITTEN_WARM_UP_STRIDE === 0).map((s) => s.id),
  );
  assert.ok(samples.every((s) => textOnly(s) && s.label === undefined && s.turns.length > 0));
});

test('without readable hand-written dialogues, the warm-up makes dialogues from the labels', async () => {
  const missing = await mkdtemp(join(tmpdir(), 'ecommir-no-dialogues-'));
  assert.deepEqual(intentWarmUpSamples(LABELS, join(missing, 'absent')), labelWarmUpSamples(LABELS));
});

test('the label-made dialogues are text-only, name their label in the last user turn, and are the same every time', () => {
  const samples = labelWarmUpSamples(LABELS);
  assert.equal(samples.length, LABEL_WARM_UP_ROUNDS * LABELS.length);
  assert.deepEqual(labelWarmUpSamples(LABELS), samples);
  samples.forEach((s, k) => {
    assert.ok(textOnly(s));
    const last = s.turns.at(-1)!;
    assert.equal(last.role, 'user');
    assert.ok(last.text.includes(LABELS[k % LABELS.length]), last.text);
  });
  // Both shapes of request: one turn, and a greeting with an agent's reply before the question.
  assert.deepEqual([...new Set(samples.map((s) => s.turns.length))].sort(), [1, 3]);
  assert.ok(samples.some((s) => s.candidates.length === 0) && samples.some((s) => s.candidates.length === LABELS.length));
});

test('warmUp calls only the listed tasks: every intent dialogue once, the scene once with a decodable image', async () => {
  const set = createRecognizerSet() as { scene: FakeSceneRecognizer; intent: FakeIntentRecognizer };
  const dialogues = intentWarmUpSamples(set.intent.labels).length;
  await warmUp(set, ['intent']);
  assert.equal(set.intent.calls, dialogues);
  assert.equal(set.scene.calls, 0);
  // The scene's call is answered, not only made: warmUp passes over a failed call, so a count alone
  // held with an image that does not decode.
  const outcomes: string[] = [];
  const fake = set.scene;
  const spy: Recognizer = { task: 'scene', labels: fake.labels, predict: (sample, options) => fake.predict(sample, options).then((p) => (outcomes.push('answered'), p), (err: Error) => (outcomes.push(err.message), Promise.reject(err))) };
  await warmUp({ ...set, scene: spy }, ['scene']);
  assert.deepEqual(outcomes, ['answered']);
  assert.equal(set.scene.calls, 1);
  await warmUp(set, []);
  assert.deepEqual([set.scene.calls, set.intent.calls], [1, dialogues]);
});

test('a recogniser that fails its warm-up is called once and does not fail the warm-up', async () => {
  let calls = 0;
  const failing = (task: 'scene' | 'intent'): Recognizer => ({
    task,
    labels: LABELS,
    predict: async () => {
      calls++;
      throw new Error('backend down');
    },
  });
  await warmUp({ scene: failing('scene'), intent: failing('intent') }, ['scene', 'intent']);
  assert.equal(calls, 2);
});

test('a pool warms up each new worker before its first call, and only for the tasks it is given', { timeout: 60_000 }, async () => {
  const counts = { module: FAKES_MODULE, export: 'callCounts' };
  const warmed = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, warmUp: ['intent'] });
  const cold = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1 });
  try {
    const dialogues = intentWarmUpSamples(warmed.tasks.intent!).length;
    assert.deepEqual(await warmed.run(counts, null), { scene: 0, intent: dialogues });
    assert.deepEqual(await cold.run(counts, null), { scene: 0, intent: 0 });
  } finally {
    await Promise.all([warmed.close(), cold.close()]);
  }
});
