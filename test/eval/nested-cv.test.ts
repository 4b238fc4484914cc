import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedGroupKFold, stratifiedGroupSplit, stratifiedKFold, stratifiedSplit } from '../../src/data/split.js';
import { crossValidate } from '../../src/eval/cross-validate.js';
import { evaluatePredictions, pooledWeightedF1 } from '../../src/eval/evaluate.js';
import { f1Score } from '../../src/eval/metrics.js';
import { nestedCrossValidate, selectConfiguration, summarizeChoices } from '../../src/eval/nested-cv.js';
import { knowledgeTransfer } from '../../src/eval/transfer.js';
import type { Sample } from '../../src/types.js';
import { fits, fitToy, LABELS, sample, TAXONOMY, toySamples } from './toy-model.js';

const labelsOf = (xs: readonly Sample[]) => xs.map((s) => s.label!);

test('grouped folds: a group never straddles a split; singleton groups give the plain folds', () => {
  const labels = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c', 'a', 'b', 'c'];
  const groups = ['g1', 'g1', 'g2', 'g2', 'g3', 'g3', 'g4', 'g4', 'g5', 'g5', 'g6', 'g6', 'g7', 'g8', 'g9'];
  for (const seed of [0, 1, 2]) {
    const folds = stratifiedGroupKFold(labels, groups, { k: 3, seed });
    const seen = new Set<number>();
    for (const f of folds) {
      for (const i of f.test) {
        assert.ok(!seen.has(i));
        seen.add(i);
        // Every member of the row's group is in the same test fold.
        groups.forEach((g, j) => g === groups[i] && assert.ok(f.test.includes(j), `group ${g} split at seed ${seed}`));
      }
      assert.deepEqual([...f.train, ...f.test].sort((x, y) => x - y), labels.map((_, i) => i));
    }
    assert.equal(seen.size, labels.length);
    const split = stratifiedGroupSplit(labels, groups, { testFraction: 0.3, seed });
    for (const i of split.test) groups.forEach((g, j) => g === groups[i] && assert.ok(split.test.includes(j)));
  }
  const distinct = labels.map((_, i) => i);
  assert.deepEqual(stratifiedGroupKFold(labels, distinct, { k: 3, seed: 4 }), stratifiedKFold(labels, { k: 3, seed: 4 }));
  assert.deepEqual(stratifiedGroupKFold(labels, undefined, { k: 3, seed: 4 }), stratifiedKFold(labels, { k: 3, seed: 4 }));
  assert.deepEqual(stratifiedGroupSplit(labels, distinct, { seed: 4, testFraction: 0.2 }), stratifiedSplit(labels, { seed: 4, testFraction: 0.2 }));
  assert.throws(() => stratifiedGroupKFold(labels, ['x'], { k: 3, seed: 0 }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('crossValidate: extra training samples join every training fold, are never scored, groups stay together', async () => {
  const samples = toySamples(6);
  const extra = LABELS.map((l, c) => sample(`kn${c}`, l, `x${c}-3`)); // knowledge that teaches one "noise" keyword
  fits.length = 0;
  const cv = await crossValidate(samples, (train) => fitToy(train), TAXONOMY, { k: 3, seeds: [0, 1], extraTraining: extra, groupOf: (s) => s.id.replace(/-\d+$/, '') === 's0' ? 's0' : s.id });
  assert.equal(fits.length, 6);
  for (const f of fits) {
    for (const e of extra) assert.ok(f.ids.includes(e.id), 'knowledge in every training fold');
    const s0 = f.ids.filter((id) => id.startsWith('s0-')).length;
    assert.ok(s0 === 0 || s0 === 6, `group s0 split: ${s0} of 6 in training`);
  }
  // Each scored sample is in the training set of exactly k − 1 of a seed's k folds: never where it is tested.
  for (const block of [fits.slice(0, 3), fits.slice(3, 6)]) {
    for (const s of samples) assert.equal(block.filter((f) => f.ids.includes(s.id)).length, 2, `${s.id} trained on in its own test fold`);
  }
  assert.equal(cv.seedLabels.length, 2);
  assert.equal(cv.seedLabels[0].length, samples.length, 'only the scored samples are predicted');
  assert.equal(cv.predictions.length, samples.length);
  assert.ok(cv.predictions.every((p, i) => p.id === samples[i].id));
  assert.equal(cv.seedWeightedF1[0], f1Score(labelsOf(samples), cv.seedLabels[0], { average: 'weighted' }));
  await assert.rejects(crossValidate(samples, (t) => fitToy(t), TAXONOMY, { k: 3, seeds: [0], extraTraining: [samples[0]] }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('nested CV: inner selection sees only the outer training fold, the better candidate wins, the result is its plain CV', async () => {
  const samples = toySamples(9);
  const candidates = [
    { name: 'majority', config: { useKeywords: false } },
    { name: 'keywords', config: { useKeywords: true } },
  ];
  fits.length = 0;
  const nested = await nestedCrossValidate(samples, (train, config) => fitToy(train, config), TAXONOMY, { candidates, k: 3, seeds: [0, 1] });
  // 2 seeds × 3 outer folds × (2 candidates × 3 inner folds + 1 final fit)
  assert.equal(fits.length, 2 * 3 * 7);
  assert.equal(nested.choices.length, 6);
  assert.ok(nested.choices.every((c) => c.name === 'keywords' && c.innerWeightedF1!.keywords > c.innerWeightedF1!.majority));
  assert.equal(summarizeChoices(nested.choices), 'keywords ×6');
  assert.equal(nested.selection, 'inner 3-fold CV');
  // Every fit inside an outer fold trained on that fold's training part only: the 7 fits of a fold never include its test ids.
  const plain = await crossValidate(samples, (train) => fitToy(train, { useKeywords: true }), TAXONOMY, { k: 3, seeds: [0, 1] });
  const outerTests = [0, 1].flatMap((seed) => stratifiedKFold(labelsOf(samples), { k: 3, seed }).map((f) => new Set(f.test.map((i) => samples[i].id))));
  outerTests.forEach((testIds, f) => {
    for (const fit of fits.slice(f * 7, f * 7 + 7)) assert.ok(fit.ids.every((id) => !testIds.has(id)), `outer fold ${f}: an inner fit saw a test sample`);
  });
  assert.deepEqual(nested.seedLabels, plain.seedLabels);
  assert.deepEqual(nested.seedWeightedF1, plain.seedWeightedF1);
});

test('nested CV with an inner 9:1 split, with a custom chooser, and ties going to the first candidate', async () => {
  const samples = toySamples(10);
  const same = [
    { name: 'first', config: { useKeywords: true } },
    { name: 'second', config: { useKeywords: true } },
  ];
  const split = await nestedCrossValidate(samples, (t, c) => fitToy(t, c), TAXONOMY, { candidates: same, inner: { testFraction: 0.1 }, k: 5, seeds: [3] });
  assert.equal(split.selection, 'inner 9:1 split');
  assert.ok(split.choices.every((c) => c.name === 'first'));
  const seen: number[] = [];
  const custom = await nestedCrossValidate<{ useKeywords: boolean }>(samples, (t, c) => fitToy(t, c), TAXONOMY, {
    k: 5,
    seeds: [0],
    choose: (train) => {
      seen.push(train.length);
      return { name: 'by hand', config: { useKeywords: false } };
    },
  });
  assert.deepEqual(seen, [40, 40, 40, 40, 40]);
  assert.equal(custom.selection, 'custom chooser');
  await assert.rejects(nestedCrossValidate<{ useKeywords: boolean }>(samples, (t, c) => fitToy(t, c), TAXONOMY, { candidates: [] }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(nestedCrossValidate(samples, (t, c) => fitToy(t, c), TAXONOMY, { candidates: [same[0], same[0]] }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('nested CV: extra samples are in every inner and outer training set, never in an inner test', async () => {
  const samples = toySamples(6);
  const extra = [sample('kn', LABELS[0], 'k0')];
  fits.length = 0;
  const r = await nestedCrossValidate(samples, (t, c) => fitToy(t, c), TAXONOMY, { candidates: [{ name: 'k', config: { useKeywords: true } }], k: 3, seeds: [0], extraTraining: extra });
  assert.equal(fits.length, 3 * (3 + 1));
  assert.ok(fits.every((f) => f.ids.includes('kn')));
  assert.equal(r.seedLabels[0].length, samples.length);
  const chosen = await selectConfiguration(samples, (t, c) => fitToy(t, c), [{ name: 'k', config: { useKeywords: true } }], { extraTraining: extra });
  assert.equal(chosen.chosen.name, 'k');
  assert.ok(chosen.innerWeightedF1.k > 0.5);
});

test('knowledge transfer: fitted on the knowledge alone, every dev sample scored; overlap refused', async () => {
  const dev = toySamples(4, 1000);
  const knowledge = LABELS.map((l, c) => sample(`kn${c}`, l, `k${c}`));
  fits.length = 0;
  const r = await knowledgeTransfer(knowledge, dev, (train) => fitToy(train), TAXONOMY, { seeds: [0, 1] });
  assert.equal(fits.length, 2);
  assert.deepEqual(fits[0].ids, knowledge.map((s) => s.id));
  assert.equal(r.nTrain, 5);
  assert.equal(r.mean.weightedF1, 1);
  assert.equal(r.seedLabels[0].length, dev.length);
  await assert.rejects(knowledgeTransfer([dev[0]], dev, (t) => fitToy(t), TAXONOMY), { code: 'ECM_ERR_BAD_OPTION' });
  // Knowledge generated per seed: each seed trains on its own samples.
  fits.length = 0;
  const perSeed = await knowledgeTransfer((seed) => knowledge.slice(0, seed + 2), dev, (train) => fitToy(train), TAXONOMY, { seeds: [1, 2] });
  assert.deepEqual(fits.map((f) => f.ids.length), [3, 4]);
  assert.deepEqual(perSeed.seeds, [1, 2]);
  assert.ok(perSeed.seedWeightedF1[1] > perSeed.seedWeightedF1[0], 'more knowledge, more labels learnt');
});

test('pooled weighted F1 is the challenge score over the union of both tasks, not the mean of the two', () => {
  const scene: Sample[] = [
    { id: 'a', index: 0, task: 'scene', candidates: [], turns: [], images: [], label: '商品详情页' },
    { id: 'b', index: 1, task: 'scene', candidates: [], turns: [], images: [], label: '订单详情页' },
    { id: 'c', index: 2, task: 'scene', candidates: [], turns: [], images: [], label: '订单详情页' },
  ];
  const intent = [sample('d', LABELS[0], 'k'), sample('e', LABELS[1], 'k'), sample('f', LABELS[1], 'k'), sample('g', LABELS[2], 'k')];
  const scenePred = ['商品详情页', '商品详情页', '订单详情页'];
  const intentPred = [LABELS[0], LABELS[0], LABELS[1], LABELS[1]];
  const pooled = pooledWeightedF1([
    { gold: labelsOf(scene), predicted: scenePred },
    { gold: labelsOf(intent), predicted: intentPred },
  ]);
  const byId = new Map([...scene, ...intent].map((s, i) => [s.id, [...scenePred, ...intentPred][i]]));
  const official = evaluatePredictions([...scene, ...intent], byId);
  assert.equal(pooled, official.all.weightedF1);
  assert.notEqual(pooled, (official.scene!.weightedF1 + official.intent!.weightedF1) / 2);
  assert.throws(() => pooledWeightedF1([{ gold: ['a'], predicted: [] }, { gold: [], predicted: ['a'] }]), { code: 'ECM_ERR_BAD_OPTION' });
});
