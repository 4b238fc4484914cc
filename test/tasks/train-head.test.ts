import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense } from '../../src/learn/csr.js';
import { createRng } from '../../src/learn/random.js';
import { trainHead } from '../../src/tasks/train-head.js';

// Three Gaussian blobs in 4-d; each source row comes with two noisy copies (as augmented images do).
function blobs(nPerClass: number, copies: number, seed: number) {
  const rng = createRng(seed);
  const rows: number[] = [];
  const y: number[] = [];
  const groups: number[] = [];
  let source = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < nPerClass; i++, source++) {
      const base = [0, 1, 2, 3].map((d) => (d === c ? 2 : 0) + rng.normal() * 0.7);
      for (let k = 0; k <= copies; k++) {
        rows.push(...base.map((v) => v + (k === 0 ? 0 : rng.normal() * 0.05)));
        y.push(c);
        groups.push(source);
      }
    }
  }
  return { X: csrFromDense(rows, y.length, 4), y: Int32Array.from(y), groups: Int32Array.from(groups) };
}

const labels = ['a', 'b', 'c'];

test('rows of one source never straddle the validation split', () => {
  const { X, y, groups } = blobs(20, 2, 3);
  const trained = trainHead(X, y, labels, { head: { epochs: 50, lr: 0.1 }, checkpoints: [{}, { l2: 1e-2 }], groups, seed: 5, calibrate: 'none' });
  const side = new Map<number, string>();
  for (const [name, rows] of Object.entries(trained.split)) {
    for (const r of rows) {
      const g = groups[r];
      assert.ok(!side.has(g) || side.get(g) === name, `source ${g} is on both sides`);
      side.set(g, name);
    }
  }
  assert.equal(trained.split.test.length % 3, 0);
  assert.ok(trained.split.test.length >= 6);
});

test('always-train rows (knowledge) are trained on and never validated, with or without groups', () => {
  const { X, y, groups } = blobs(20, 0, 4);
  // Every fourth row is a knowledge row: on the training side only; the split of the others is what it was.
  const alwaysTrain = Uint8Array.from(y, (_, i) => (i % 4 === 0 ? 1 : 0));
  const fixed = [...alwaysTrain.keys()].filter((i) => alwaysTrain[i]);
  for (const withGroups of [false, true]) {
    const trained = trainHead(X, y, labels, { head: { epochs: 20, lr: 0.1 }, seed: 5, calibrate: 'none', alwaysTrain, ...(withGroups ? { groups } : {}) });
    assert.ok(fixed.every((row) => trained.split.train.includes(row)), 'every knowledge row trains');
    assert.deepEqual(trained.split.test.filter((row) => alwaysTrain[row]), [], 'no knowledge row is validated');
    assert.equal(trained.split.train.length + trained.split.test.length, y.length);
    assert.equal(trained.report.nValidation, trained.split.test.length);
    assert.ok(trained.split.test.length > 0);
  }
});

test('soups and calibration report scores, and the chosen recipe separates the blobs', () => {
  const { X, y, groups } = blobs(20, 0, 4);
  const trained = trainHead(X, y, labels, { head: { epochs: 100, lr: 0.1 }, checkpoints: [{ l2: 1e-4 }, { l2: 1e-3 }, { l2: 1e-2 }], groups, seed: 1 });
  const r = trained.report;
  assert.equal(r.checkpointScores.length, 3);
  assert.ok(r.greedySoup.weightedF1 >= r.bestSingle.weightedF1 - 1e-12, 'Algorithm 1 never ends below its best ingredient');
  assert.ok(r.greedySoup.members.includes(r.bestSingle.index));
  assert.ok(r.temperature > 0.05 && r.temperature < 20, `temperature ${r.temperature}`);
  const pred = trained.head.predict(X);
  const acc = pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
  assert.ok(acc > 0.85, `training accuracy ${acc}`);
});
