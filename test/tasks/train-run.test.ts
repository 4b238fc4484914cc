import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamples } from '../../src/data/load.js';
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

test('train with --cv reports fold scores and means over seeds', async () => {
  const result = await trainRecognizer(intent, { task: 'intent', intent: { checkpoints: [{}], calibrate: 'none' }, cv: 3, cvSeeds: [0, 1] });
  const cv = result.cv!;
  assert.equal(cv.foldWeightedF1.length, 6);
  assert.equal(cv.seedWeightedF1.length, 2);
  // Far above chance (23 labels). The former floor of 0.7 held only with a lexicon written while
  // reading these very dialogues; the clean-room lexicon gives an honest, lower figure.
  assert.ok(cv.mean.weightedF1 > 0.5 && cv.mean.weightedF1 < 1, `cv ${cv.mean.weightedF1}`);
  assert.ok(cv.mean.coarseWeightedF1 >= cv.mean.weightedF1 - 0.05);
});
