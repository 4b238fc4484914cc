import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedKFold, stratifiedSplit } from '../../src/data/split.js';

// 100 samples: 50 a, 30 b, 15 c, 4 d, 1 e (interleaved so that position does not follow class).
const labels: string[] = [];
const counts: Record<string, number> = { a: 50, b: 30, c: 15, d: 4, e: 1 };
for (let round = 0; labels.length < 100; round++) {
  for (const [label, n] of Object.entries(counts)) if (round < n) labels.push(label);
}
const countOf = (idx: number[], label: string) => idx.filter((i) => labels[i] === label).length;

test('stratifiedSplit is 9:1, stratified, disjoint and covering', () => {
  const { train, test: held } = stratifiedSplit(labels, { seed: 7 });
  assert.equal(held.length, 10);
  assert.equal(train.length, 90);
  const all = [...train, ...held].sort((x, y) => x - y);
  assert.deepEqual(all, labels.map((_, i) => i));
  assert.equal(countOf(held, 'a'), 5);
  assert.equal(countOf(held, 'b'), 3);
  assert.ok(countOf(held, 'c') >= 1 && countOf(held, 'c') <= 2);
  assert.equal(countOf(held, 'e'), 0, 'a single-sample class stays in train');
  for (const label of Object.keys(counts)) assert.ok(countOf(train, label) >= 1, `${label} present in train`);
});

test('stratifiedSplit: same seed same split, another seed another split', () => {
  assert.deepEqual(stratifiedSplit(labels, { seed: 1 }), stratifiedSplit(labels, { seed: 1 }));
  assert.notDeepEqual(stratifiedSplit(labels, { seed: 1 }).test, stratifiedSplit(labels, { seed: 2 }).test);
});

test('stratifiedSplit keeps one sample of a two-sample class in train even at a large test fraction', () => {
  const small = ['x', 'x', 'y', 'y', 'y'];
  const { train } = stratifiedSplit(small, { seed: 3, testFraction: 0.9 });
  assert.ok(train.some((i) => small[i] === 'x') && train.some((i) => small[i] === 'y'));
});

test('stratifiedKFold: each index in exactly one test fold, train is the complement', () => {
  const folds = stratifiedKFold(labels, { k: 5, seed: 11 });
  assert.equal(folds.length, 5);
  const seen = new Array(labels.length).fill(0);
  for (const fold of folds) {
    for (const i of fold.test) seen[i]++;
    assert.equal(fold.train.length + fold.test.length, labels.length);
    const testSet = new Set(fold.test);
    assert.ok(fold.train.every((i) => !testSet.has(i)));
  }
  assert.ok(seen.every((n) => n === 1));
});

test('stratifiedKFold balances every class across folds (±1) and fold sizes (±1)', () => {
  const folds = stratifiedKFold(labels, { k: 5, seed: 11 });
  for (const label of Object.keys(counts)) {
    const perFold = folds.map((f) => countOf(f.test, label));
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `${label}: ${perFold}`);
  }
  const sizes = folds.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
});

test('stratifiedKFold is deterministic per seed', () => {
  assert.deepEqual(stratifiedKFold(labels, { seed: 5 }), stratifiedKFold(labels, { seed: 5 }));
  assert.notDeepEqual(stratifiedKFold(labels, { seed: 5 }), stratifiedKFold(labels, { seed: 6 }));
});

test('bad split options are named errors', () => {
  // More folds than samples is the data's fault when fit() asks for its folds (a fit on three samples).
  assert.throws(() => stratifiedKFold(['a', 'b'], { k: 3, seed: 1 }), { code: 'ECM_ERR_TOO_FEW_SAMPLES', message: /3 folds need at least 3 samples, got 2/ });
  assert.throws(() => stratifiedKFold(['a', 'b'], { k: 1, seed: 1 }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => stratifiedSplit(labels, { seed: 1, testFraction: 1.5 }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => stratifiedSplit(labels, { seed: Number.NaN }), { code: 'ECM_ERR_BAD_OPTION' });
});
