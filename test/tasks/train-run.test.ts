import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamples } from '../../src/data/load.js';
import { f1Score } from '../../src/eval/metrics.js';
import { createRng } from '../../src/learn/random.js';
import { trainRecognizer } from '../../src/tasks/train.js';
import { DEV_JSON } from '../data/helpers.js';

const { samples } = await loadSamples(DEV_JSON);
const intent = samples.filter((s) => s.task === 'intent');

test('train with --unlabeled: two predictors pseudo-label, only confident agreements join, the card reports it', async () => {
  const labelled = intent.filter((_, i) => i % 2 === 0);
  const unlabelled = intent.filter((_, i) => i % 2 === 1).map((s) => ({ ...s, label: undefined }));
  const out = await mkdtemp(join(tmpdir(), 'ecommir-train-'));
  const result = await trainRecognizer(labelled, { task: 'intent', intent: { checkpoints: [{}], calibrate: 'validation' }, unlabelled, pseudoThreshold: 0.9, out });
  const p = result.pseudo!;
  assert.equal(p.unlabelled, unlabelled.length);
  assert.ok(p.taken > 0 && p.taken <= p.agree && p.taken <= Math.min(p.confidentA, p.confidentB), JSON.stringify(p));
  assert.equal(result.recognizer.trainedOn.samples, labelled.length + p.taken);
  const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /Pseudo-labels/);
  assert.match(card, new RegExp(`of which ${p.taken} pseudo-labelled`));
});

test('train with --cv: out-of-fold scores that a leaking or a non-learning pipeline could not produce', async () => {
  const options = { task: 'intent' as const, intent: { checkpoints: [{}], calibrate: 'none' as const }, cv: 3, cvSeeds: [0, 1] };
  const result = await trainRecognizer(intent, options);
  const cv = result.cv!;
  assert.equal(cv.foldWeightedF1.length, 6);
  assert.deepEqual(cv.seeds, [0, 1]);
  // The summary is the weighted F1 of each seed's out-of-fold labels, one per sample.
  const gold = intent.map((s) => s.label!);
  cv.seedLabels.forEach((labels, i) => {
    assert.equal(labels.length, intent.length);
    assert.equal(cv.seedWeightedF1[i], f1Score(gold, labels, { average: 'weighted' }));
  });
  // A pipeline whose test folds leaked into training would score like the final model on its own
  // training data; out-of-fold predictions must do clearly worse than that.
  const resubstitution = f1Score(gold, (await result.recognizer.predictMany(intent)).map((p) => p.label), { average: 'weighted' });
  assert.ok(cv.mean.weightedF1 < resubstitution - 0.03, `cv ${cv.mean.weightedF1.toFixed(3)} vs resubstitution ${resubstitution.toFixed(3)}: folds leak`);
  // A pipeline that does not learn from the labels scores like one trained on shuffled labels.
  const shuffledLabels = createRng(5).shuffle([...gold]);
  const shuffled = await trainRecognizer(intent.map((s, i) => ({ ...s, label: shuffledLabels[i] })), { ...options, cvSeeds: [0] });
  assert.ok(cv.mean.weightedF1 > shuffled.cv!.mean.weightedF1 + 0.4, `cv ${cv.mean.weightedF1.toFixed(3)} vs shuffled labels ${shuffled.cv!.mean.weightedF1.toFixed(3)}`);
  assert.ok(cv.mean.coarseWeightedF1 >= cv.mean.weightedF1 - 0.05);
});

test('the intent model card describes the recipe it was given: n-gram range read off the views, the learner, the confidence wording', async () => {
  const { defaultIntentOptions } = await import('../../src/tasks/intent/default-recipe.js');
  const shipped = defaultIntentOptions({ knowledge: false });
  const views = shipped.views!.map((v) => ('min' in v.analyzer ? { ...v, analyzer: { ...v.analyzer, min: 2, max: 3 } } : v));
  const learner = { kind: 'StackingClassifier', options: { folds: 2, members: [{ kind: 'LinearSvm', options: { C: 1 } }, { kind: 'NaiveBayes', options: { variant: 'complement', alpha: 0.3 } }] } };
  const out = await mkdtemp(join(tmpdir(), 'ecommir-card-'));
  await trainRecognizer(intent, { task: 'intent', intent: { ...shipped, views, learner }, out });
  const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /character 2–3-gram TF-IDF views: /);
  assert.doesNotMatch(card, /1–2-gram/);
  assert.match(card, /→ StackingClassifier \{"folds":2,"members":\[\{"kind":"LinearSvm"/);
  assert.match(card, /a stack's meta-learner logits\) divided by a temperature/);
  assert.match(card, /No knowledge rows \(`--no-knowledge`\)/);
});
