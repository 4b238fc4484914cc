// Ensembling two recognisers, with two tiny fakes whose answers the test sets per sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnsembleRecognizer, agreedPseudoLabels } from '../../src/backends/ensemble.js';
import { OffLabelAnswerError } from '../../src/backends/mllm/recognizer.js';
import { EcommirError } from '../../src/errors.js';
import type { Recognizer } from '../../src/tasks/recognizer.js';
import type { Prediction, Sample } from '../../src/types.js';

const LABELS = ['a', 'b', 'c'];

/** Answers each sample id with a fixed distribution over a, b, c (or throws the given error). */
function fake(table: Record<string, number[] | Error>, task: 'intent' | 'scene' = 'intent'): Recognizer {
  return {
    task,
    labels: LABELS,
    async predict(sample: Sample): Promise<Prediction> {
      const row = table[sample.id];
      if (row instanceof Error) throw row;
      const ranked = LABELS.map((label, i) => ({ label, coarse: label === 'c' ? 'G2' : 'G1', confidence: row[i] })).sort((x, y) => y.confidence - x.confidence);
      return { id: sample.id, task, label: ranked[0].label, coarse: ranked[0].coarse, hierarchical: `${ranked[0].coarse}-${ranked[0].label}`, confidence: ranked[0].confidence, uncertain: false, ranked };
    },
  };
}

const sample = (id: string): Sample => ({ id, index: 0, task: 'intent', candidates: [], turns: [], images: [] });

test('average: weighted mean of the two ranked lists', async () => {
  const first = fake({ s: [0.6, 0.4, 0] });
  const second = fake({ s: [0.1, 0.1, 0.8] });
  const even = await new EnsembleRecognizer(first, second).predict(sample('s'));
  assert.equal(even.label, 'c');
  assert.ok(Math.abs(even.confidence - 0.4) < 1e-12);
  assert.deepEqual(even.ranked.map((r) => r.label), ['c', 'a', 'b']);
  assert.equal(even.hierarchical, 'G2-c');
  const weighted = await new EnsembleRecognizer(first, second, { weights: [3, 1] }).predict(sample('s'), { topK: 2 });
  assert.equal(weighted.label, 'a');
  assert.ok(Math.abs(weighted.confidence - (3 * 0.6 + 0.1) / 4) < 1e-12);
  assert.equal(weighted.ranked.length, 2);
});

test('agreement: certain only when both agree at ≥ threshold; pseudo-labels are those samples', async () => {
  const first = fake({ yes: [0.995, 0.005, 0], weak: [0.9, 0.1, 0], differ: [0.995, 0.005, 0] });
  const second = fake({ yes: [0.999, 0.001, 0], weak: [0.999, 0.001, 0], differ: [0, 0.001, 0.999] });
  const ensemble = new EnsembleRecognizer(first, second, { mode: 'agreement', agreementThreshold: 0.99 });
  assert.equal((await ensemble.predict(sample('yes'))).uncertain, false);
  assert.equal((await ensemble.predict(sample('weak'))).uncertain, true);
  assert.equal((await ensemble.predict(sample('differ'))).uncertain, true);
  const agreed = await agreedPseudoLabels(ensemble, ['yes', 'weak', 'differ'].map(sample));
  assert.deepEqual(agreed.map((x) => [x.sample.id, x.label]), [['yes', 'a']]);
  assert.equal(agreed[0].sample.label, 'a');
});

test('an off-label mllm answer falls back to the other recogniser; other errors are thrown', async () => {
  const offLabel = new OffLabelAnswerError(['?', '?', '?'], 'http://x/v1/chat/completions', { id: 's', index: 0 });
  const embedded = fake({ s: [0.2, 0.7, 0.1] });
  const fallback = await new EnsembleRecognizer(fake({ s: offLabel }), embedded).predict(sample('s'));
  assert.equal(fallback.label, 'b');
  assert.equal(fallback.confidence, 0.7);
  const down = new EcommirError('ECM_ERR_BACKEND', 'cannot reach');
  await assert.rejects(new EnsembleRecognizer(fake({ s: down }), embedded).predict(sample('s')), (err: unknown) => err === down);
});

test('recognisers of different tasks, or bad weights, are refused', () => {
  assert.throws(() => new EnsembleRecognizer(fake({}), fake({}, 'scene')), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_OPTION');
  assert.throws(() => new EnsembleRecognizer(fake({}), fake({}), { weights: [0, 0] }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_OPTION');
});

test("the ensemble hands the caller's signal to both recognisers (an mllm member drops its calls with it)", async () => {
  const seen: (AbortSignal | undefined)[] = [];
  const recording = (r: Recognizer): Recognizer => ({ task: r.task, labels: r.labels, predict: (s, o) => (seen.push(o?.signal), r.predict(s, o)) });
  const controller = new AbortController();
  await new EnsembleRecognizer(recording(fake({ s: [0.6, 0.4, 0] })), recording(fake({ s: [0.1, 0.1, 0.8] }))).predict(sample('s'), { signal: controller.signal });
  assert.deepEqual(seen, [controller.signal, controller.signal]);
});
