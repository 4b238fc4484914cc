import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense, csrToDense, sliceRows, type CsrMatrix } from '../../src/learn/csr.js';
import { createRng } from '../../src/learn/random.js';
import { LinearSvm, solveBinarySvmDual } from '../../src/learn/linear-svm.js';
import { NaiveBayes } from '../../src/learn/naive-bayes.js';
import { CosineKnn } from '../../src/learn/knn.js';
import { createLearner, learnerFromJSON } from '../../src/learn/learner.js';
import { groupedFolds, outOfFoldProba } from '../../src/learn/out-of-fold.js';
import { StackingClassifier } from '../../src/learn/stacking.js';
import { greedyEnsembleSelection, SelectedEnsemble } from '../../src/learn/ensemble-selection.js';
import { EcommirError } from '../../src/errors.js';
import { encodeTypedArray } from '../../src/learn/typed-json.js';
import { blobs, twins } from './blobs.js';


/** Non-negative "term counts": each class prefers its own block of columns. */
function counts(nPerClass: number, k: number, seed: number): { X: CsrMatrix; y: Int32Array; d: number } {
  const rng = createRng(seed);
  const d = 4 * k;
  const data: number[] = [];
  const y: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < nPerClass; i++) {
      for (let j = 0; j < d; j++) data.push(rng.next() < (Math.floor(j / 4) === c ? 0.6 : 0.1) ? 1 + rng.int(3) : 0);
      y.push(c);
    }
  }
  return { X: csrFromDense(data, y.length, d), y: Int32Array.from(y), d };
}

const accuracy = (pred: Int32Array, y: ArrayLike<number>): number => pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// ---------- Linear SVM ----------

test('linear SVM: closed-form one-dimensional solutions for squared hinge and hinge', () => {
  // x = ±1 with labels ±1, no bias: squared hinge minimises ½w² + 2C(1−w)² → w = 4C/(1+4C);
  // hinge minimises ½w² + 2C·max(0, 1−w) → w = min(2C, 1).
  const X = csrFromDense([1, -1], 2, 1);
  const y = Int32Array.from([1, 0]);
  for (const C of [0.1, 1, 3]) {
    const svm = new LinearSvm({ C, biasScale: 0, tol: 1e-9 }).fit(X, y);
    const p = svm.parameters(); // W[0, c] at c, then the biases
    assert.ok(Math.abs(p[1] - (4 * C) / (1 + 4 * C)) < 1e-5, `squared hinge C=${C}: w=${p[1]}`);
    assert.ok(Math.abs(p[0] + (4 * C) / (1 + 4 * C)) < 1e-5);
    assert.equal(p[2], 0);
    const hinge = new LinearSvm({ C, loss: 'hinge', biasScale: 0, tol: 1e-9 }).fit(X, y).parameters();
    assert.ok(Math.abs(hinge[1] - Math.min(2 * C, 1)) < 1e-5, `hinge C=${C}: w=${hinge[1]}`);
  }
});

/** Primal objective of the binary L2-regularised SVM with bias as a constant feature. */
function primal(w: Float64Array, X: Float64Array, n: number, d: number, ys: Int8Array, cost: Float64Array, loss: 'squaredHinge' | 'hinge', b: number): number {
  let f = 0;
  for (let j = 0; j <= d; j++) f += 0.5 * w[j] * w[j];
  for (let i = 0; i < n; i++) {
    let m = w[d] * b;
    for (let j = 0; j < d; j++) m += w[j] * X[i * d + j];
    const xi = Math.max(0, 1 - ys[i] * m);
    f += cost[i] * (loss === 'squaredHinge' ? xi * xi : xi);
  }
  return f;
}

test('linear SVM dual solution equals the primal minimiser found by an independent gradient method (squared hinge), and no nearby point beats it (hinge)', () => {
  const rng = createRng(3);
  const n = 40;
  const d = 5;
  const dense = Float64Array.from({ length: n * d }, () => rng.normal());
  const X = csrFromDense(dense, n, d);
  const ys = Int8Array.from({ length: n }, (_, i) => (dense[i * d] + 0.5 * dense[i * d + 1] + 0.3 * rng.normal() > 0 ? 1 : -1));
  const cost = Float64Array.from({ length: n }, () => 0.2 + rng.next());
  const { w } = solveBinarySvmDual(X, ys, cost, 'squaredHinge', 1, 1e-10, 10000, 0);
  // Reference: plain gradient descent on the smooth primal.
  const ref = new Float64Array(d + 1);
  for (let step = 0; step < 20000; step++) {
    const g = Float64Array.from(ref);
    for (let i = 0; i < n; i++) {
      let m = ref[d];
      for (let j = 0; j < d; j++) m += ref[j] * dense[i * d + j];
      const xi = 1 - ys[i] * m;
      if (xi <= 0) continue;
      for (let j = 0; j < d; j++) g[j] -= 2 * cost[i] * xi * ys[i] * dense[i * d + j];
      g[d] -= 2 * cost[i] * xi * ys[i];
    }
    for (let j = 0; j <= d; j++) ref[j] -= 0.005 * g[j];
  }
  assert.ok(maxAbsDiff(w, ref) < 1e-4, `dual vs primal: ${maxAbsDiff(w, ref)}`);

  const hinge = solveBinarySvmDual(X, ys, cost, 'hinge', 1, 1e-10, 20000, 0).w;
  const f0 = primal(hinge, dense, n, d, ys, cost, 'hinge', 1);
  for (let t = 0; t < 300; t++) {
    const probe = Float64Array.from(hinge, (v) => v + 0.01 * rng.normal());
    assert.ok(primal(probe, dense, n, d, ys, cost, 'hinge', 1) >= f0 - 1e-6, 'a random nearby point has a lower hinge objective');
  }
});

test('linear SVM: a sample weight of 2 equals the row twice; row order does not matter; multiclass blobs; JSON round trip', () => {
  const { X, y } = blobs(25, 4, 6, 1);
  const svm = new LinearSvm({ C: 0.5, tol: 1e-8, maxIter: 5000 }).fit(X, y);
  assert.ok(accuracy(svm.predict(X), y) > 0.95);
  const weights = Float64Array.from({ length: y.length }, (_, i) => (i % 7 === 0 ? 2 : 1));
  const weighted = new LinearSvm({ C: 0.5, tol: 1e-8, maxIter: 5000 }).fit(X, y, { sampleWeight: weights });
  const dupRows = [...Array.from({ length: y.length }, (_, i) => i), ...Array.from({ length: y.length }, (_, i) => i).filter((i) => i % 7 === 0)];
  const duplicated = new LinearSvm({ C: 0.5, tol: 1e-8, maxIter: 5000 }).fit(sliceRows(X, dupRows), Int32Array.from(dupRows, (i) => y[i]));
  assert.ok(maxAbsDiff(weighted.parameters(), duplicated.parameters()) < 1e-3);
  const perm = createRng(9).shuffle(Array.from({ length: y.length }, (_, i) => i));
  const shuffled = new LinearSvm({ C: 0.5, tol: 1e-8, maxIter: 5000 }).fit(sliceRows(X, perm), Int32Array.from(perm, (i) => y[i]));
  assert.ok(maxAbsDiff(svm.parameters(), shuffled.parameters()) < 1e-3);
  const proba = svm.predictProba(X);
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(proba.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const back = learnerFromJSON(JSON.parse(JSON.stringify(svm.toJSON())));
  assert.deepEqual(back.predictProba(X), proba);
  assert.throws(() => new LinearSvm({ C: 0 }), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION');
});

// ---------- Naive Bayes ----------

test('multinomial naive Bayes matches the hand-computed posterior', () => {
  // Class 0 counts [2,1,0] → θ = [3,2,1]/6; class 1 counts [0,1,3] → θ = [1,2,4]/7; equal priors.
  const X = csrFromDense([2, 1, 0, 0, 1, 3], 2, 3);
  const nb = new NaiveBayes({ alpha: 1 }).fit(X, [0, 1]);
  const p = nb.predictProba(csrFromDense([1, 0, 0, 0, 0, 2], 2, 3));
  assert.ok(Math.abs(p[0] - (1 / 2) / (1 / 2 + 1 / 7)) < 1e-6, `p0 = ${p[0]}`);
  const p2 = ((1 / 6) ** 2) / ((1 / 6) ** 2 + (4 / 7) ** 2);
  assert.ok(Math.abs(p[2] - p2) < 1e-6);
  const params = nb.parameters(); // W[j, c] then b
  assert.ok(Math.abs(params[0] - Math.log(3 / 6)) < 1e-6 && Math.abs(params[1] - Math.log(1 / 7)) < 1e-6);
  assert.ok(Math.abs(params[6] - Math.log(0.5)) < 1e-6);
});

test('complement naive Bayes matches the hand-computed weights (plain and normalised)', () => {
  const X = csrFromDense([2, 1, 0, 0, 1, 3], 2, 3);
  const nb = new NaiveBayes({ variant: 'complement', alpha: 1 }).fit(X, [0, 1]);
  const w = nb.parameters();
  // Class 0's complement is class 1: counts [0,1,3] + 1 → [1,2,4]/7; weights −log of that.
  const expected0 = [1, 2, 4].map((v) => -Math.log(v / 7));
  const expected1 = [3, 2, 1].map((v) => -Math.log(v / 6));
  for (let j = 0; j < 3; j++) {
    assert.ok(Math.abs(w[j * 2] - expected0[j]) < 1e-5);
    assert.ok(Math.abs(w[j * 2 + 1] - expected1[j]) < 1e-5);
  }
  assert.equal(w[6], 0);
  assert.equal(w[7], 0);
  const normed = new NaiveBayes({ variant: 'complement', alpha: 1, norm: true }).fit(X, [0, 1]).parameters();
  const logged0 = [1, 2, 4].map((v) => Math.log(v / 7));
  const s0 = logged0.reduce((a, b) => a + b, 0);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(normed[j * 2] - logged0[j] / s0) < 1e-5);
  assert.deepEqual(Array.from(nb.predict(csrFromDense([3, 0, 0, 0, 0, 3], 2, 3))), [0, 1]);
});

test('naive Bayes: sample weight 2 equals the row twice; separates count data; rejects negative input', () => {
  const { X, y } = counts(30, 3, 2);
  for (const variant of ['multinomial', 'complement'] as const) {
    const nb = new NaiveBayes({ variant, alpha: 0.5 }).fit(X, y);
    assert.ok(accuracy(nb.predict(X), y) > 0.85, `${variant}: ${accuracy(nb.predict(X), y)}`);
    const sw = Float64Array.from({ length: y.length }, (_, i) => (i % 5 === 0 ? 2 : 1));
    const rows = [...Array.from({ length: y.length }, (_, i) => i), ...Array.from({ length: y.length }, (_, i) => i).filter((i) => i % 5 === 0)];
    const a = new NaiveBayes({ variant }).fit(X, y, { sampleWeight: sw }).parameters();
    const b = new NaiveBayes({ variant }).fit(sliceRows(X, rows), Int32Array.from(rows, (i) => y[i])).parameters();
    assert.ok(maxAbsDiff(a, b) < 1e-5);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(nb.toJSON())));
    assert.deepEqual(back.predictProba(X), nb.predictProba(X));
  }
  assert.throws(() => new NaiveBayes().fit(csrFromDense([-1, 1], 1, 2), [0]), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION');
});

// ---------- k nearest neighbours ----------

test('cosine kNN equals a brute-force dense cosine search (uniform and similarity votes, smoothing)', () => {
  const rng = createRng(11);
  const nTrain = 60;
  const d = 12;
  const k = 3;
  // Sparse non-negative rows, some sharing no column with a query.
  const dense = Float64Array.from({ length: nTrain * d }, () => (rng.next() < 0.25 ? rng.next() : 0));
  const y = Int32Array.from({ length: nTrain }, () => rng.int(k));
  const X = csrFromDense(dense, nTrain, d);
  const queries = Float64Array.from({ length: 15 * d }, () => (rng.next() < 0.2 ? rng.next() : 0));
  const Q = csrFromDense(queries, 15, d);
  for (const weighting of ['uniform', 'similarity'] as const) {
    for (const smoothing of [0, 0.5]) {
      const knn = new CosineKnn({ k: 7, weighting, smoothing }).fit(X, y);
      const got = knn.predictProba(Q);
      for (let q = 0; q < 15; q++) {
        const qn = Math.hypot(...queries.slice(q * d, (q + 1) * d));
        const sims = Array.from({ length: nTrain }, (_, r) => {
          const rn = Math.hypot(...dense.slice(r * d, (r + 1) * d));
          let dot = 0;
          for (let j = 0; j < d; j++) dot += queries[q * d + j] * dense[r * d + j];
          return { r, s: qn > 0 && rn > 0 ? dot / (qn * rn) : 0 };
        });
        sims.sort((a, b) => b.s - a.s || a.r - b.r);
        const votes = new Array(k).fill(0);
        for (const { r, s } of sims.slice(0, 7)) votes[y[r]] += weighting === 'uniform' ? 1 : s;
        let total = votes.reduce((a, b) => a + b, 0);
        if (total === 0) {
          for (const { r } of sims.slice(0, 7)) votes[y[r]] += 1;
          total = 7;
        }
        const expected = votes.map((v) => (v + smoothing / k) / (total + smoothing));
        assert.ok(maxAbsDiff(got.subarray(q * k, (q + 1) * k), expected) < 1e-5, `${weighting}/${smoothing} query ${q}`);
      }
    }
  }
  const knn = new CosineKnn({ k: 5 }).fit(X, y);
  const back = learnerFromJSON(JSON.parse(JSON.stringify(knn.toJSON())));
  assert.deepEqual(back.predictProba(Q), knn.predictProba(Q));
  // Scaling a row does not move it under cosine similarity.
  const scaled = csrFromDense(Float64Array.from(csrToDense(Q), (v) => 3 * v), 15, d);
  assert.ok(maxAbsDiff(knn.predictProba(scaled), knn.predictProba(Q)) < 1e-6);
});

test('cosine kNN at half precision: rows rounded at fit, saved compactly, scored exactly as saved; version 1 files load', () => {
  const rng = createRng(12);
  const nTrain = 80;
  const d = 40;
  const dense = Float64Array.from({ length: nTrain * d }, () => (rng.next() < 0.3 ? rng.next() * 2 - 0.5 : 0));
  const y = Int32Array.from({ length: nTrain }, () => rng.int(4));
  const X = csrFromDense(dense, nTrain, d);
  const Q = csrFromDense(Float64Array.from({ length: 20 * d }, () => (rng.next() < 0.3 ? rng.next() : 0)), 20, d);
  const full = new CosineKnn({ k: 5 }).fit(X, y);
  const half = new CosineKnn({ k: 5, valuePrecision: 'float16' }).fit(X, y);
  // Half precision moves a vote share by at most the similarities' rounding (about 1e-3 of them).
  assert.ok(maxAbsDiff(half.predictProba(Q), full.predictProba(Q)) < 0.02);
  const halfJson = JSON.stringify(half.toJSON());
  const fullJson = JSON.stringify(full.toJSON());
  assert.ok(halfJson.length < 0.75 * fullJson.length, `${halfJson.length} vs ${fullJson.length} characters`);
  assert.deepEqual(learnerFromJSON(JSON.parse(halfJson)).predictProba(Q), half.predictProba(Q));
  // A version 1 file (four-byte indices) still loads and predicts the same.
  const v2 = full.toJSON();
  const v1 = { ...v2, version: 1, fitted: { ...v2.fitted, indices: encodeTypedArray(X.indices) } };
  assert.deepEqual(learnerFromJSON(JSON.parse(JSON.stringify(v1))).predictProba(Q), full.predictProba(Q));
  // A corrupt column index is named, not indexed past the end.
  const bad = JSON.parse(halfJson);
  bad.fitted.nCols = 3;
  assert.throws(() => learnerFromJSON(bad), (e: unknown) => e instanceof EcommirError && /column \d+ outside \[0, 3\)/.test(e.message));
});

// ---------- out-of-fold, stacking, selection ----------

test('grouped folds keep groups whole, put always-train rows in every training part and never in a test part', () => {
  const y = Int32Array.from({ length: 40 }, (_, i) => i % 4);
  const groups = Int32Array.from({ length: 40 }, (_, i) => Math.floor(i / 2));
  const alwaysTrain = Uint8Array.from({ length: 40 }, (_, i) => (i >= 32 ? 1 : 0));
  const folds = groupedFolds(y, { folds: 4, seed: 1, groups, alwaysTrain });
  const tested = folds.flatMap((f) => f.test).sort((a, b) => a - b);
  assert.deepEqual(tested, Array.from({ length: 32 }, (_, i) => i));
  for (const f of folds) {
    for (let i = 32; i < 40; i++) assert.ok(f.train.includes(i));
    for (const i of f.test) assert.ok(f.test.includes(i % 2 === 0 ? i + 1 : i - 1), 'a group was split');
    assert.equal(new Set([...f.train, ...f.test]).size, 40);
  }
});

test('out-of-fold probabilities come from models that did not see the row', () => {
  // 1-NN memorises: on its own training rows it is always right, out of fold it is not.
  const { X, y } = blobs(20, 3, 4, 5, 2.5);
  const oof = outOfFoldProba([{ kind: 'CosineKnn', options: { k: 1 } }], X, y, { nClasses: 3, folds: 5, seed: 0 });
  const inSample = new CosineKnn({ k: 1 }).fit(X, y).predict(X);
  assert.equal(accuracy(inSample, y), 1);
  const oofPred = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) oofPred[i] = [0, 1, 2].reduce((b, c) => (oof.proba[0][i * 3 + c] > oof.proba[0][i * 3 + b] ? c : b), 0);
  assert.ok(accuracy(oofPred, y) < 1);
  assert.equal(oof.scored.length, y.length);
  // Every fold, not only one: on twins with different labels an honest 1-NN is right about 1 time in 10,
  // and each fold that saw its own rows adds about 0.18 (accuracy < 1 passed with four folds of five leaking).
  const pairs = twins(100, 8, 3);
  const twinOof = outOfFoldProba([{ kind: 'CosineKnn', options: { k: 1 } }], pairs.X, pairs.y, { nClasses: 2, folds: 5, seed: 0 });
  const twinPred = Int32Array.from(pairs.y, (_, i) => (twinOof.proba[0][i * 2 + 1] > twinOof.proba[0][i * 2] ? 1 : 0));
  assert.ok(accuracy(twinPred, pairs.y) < 0.2, `out-of-fold accuracy ${accuracy(twinPred, pairs.y)} on twins: a fold saw its own rows`);
});

test('greedy ensemble selection follows Algorithm 1: best first, adds a member only if the average does not score worse', () => {
  const y = [0, 0, 1, 1];
  const k = 2;
  const p = (rows: number[][]) => Float32Array.from(rows.flat());
  const A = p([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]]); // 3/4 right; its miss is a near tie
  const B = p([[0.6, 0.4], [0.45, 0.55], [0.3, 0.7], [0.1, 0.9]]); // 3/4 right; with A all 4 right
  const C = p([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.9, 0.1]]); // always wrong
  const r = greedyEnsembleSelection([C, A, B], y, k);
  assert.equal(r.individualScores[0], 0);
  assert.deepEqual(r.members, [1, 2]);
  assert.equal(r.score, 1);
  const alone = greedyEnsembleSelection([C], y, k);
  assert.deepEqual(alone.members, [0]);
});

test('stacking and selected ensembles fit, predict probabilities, round-trip through JSON, and beat chance on held-out rows', () => {
  const { X, y } = counts(40, 3, 8);
  const test = counts(20, 3, 9);
  const members = [
    { kind: 'LinearSvm', options: { C: 0.5 } },
    { kind: 'NaiveBayes', options: { variant: 'complement' } },
    { kind: 'CosineKnn', options: { k: 5, smoothing: 0.1 } },
    { kind: 'SoftmaxRegression', options: { l2: 1e-3, epochs: 100 } },
  ];
  const best = Math.max(...members.map((m) => accuracy(createLearner(m).fit(X, y, { classWeight: 'balanced' }).predict(test.X), test.y)));
  for (const model of [new StackingClassifier({ members, seed: 1 }), new StackingClassifier({ members, metaInput: 'logProba' }), new SelectedEnsemble({ members, seed: 1 })]) {
    model.fit(X, y, { classWeight: 'balanced' });
    const proba = model.predictProba(test.X);
    for (let i = 0; i < test.y.length; i++) assert.ok(Math.abs(proba.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0) - 1) < 1e-4);
    // Chance is 1/3; the members reach 0.78–0.88 here.
    assert.ok(accuracy(model.predict(test.X), test.y) >= best - 0.07, `${model.constructor.name}: ${accuracy(model.predict(test.X), test.y)} vs best member ${best}`);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.predictProba(test.X), proba);
  }
  assert.throws(() => createLearner({ kind: 'Nope' }), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION');
  assert.throws(() => new StackingClassifier({ members: [] }), (e: unknown) => e instanceof EcommirError);
});

test('stacking is not dragged down by a weak, over-confident member (1-NN)', () => {
  // 1-NN is always sure of itself and often wrong out of sample; the meta-learner, seeing its
  // out-of-fold probabilities, must learn to trust it less than naive Bayes.
  const { X, y } = counts(40, 3, 21);
  const held = counts(30, 3, 22);
  const stack = new StackingClassifier({ members: [{ kind: 'NaiveBayes', options: {} }, { kind: 'CosineKnn', options: { k: 1 } }], seed: 2 }).fit(X, y);
  const nb = new NaiveBayes().fit(X, y);
  const oneNn = new CosineKnn({ k: 1 }).fit(X, y);
  assert.ok(accuracy(stack.predict(held.X), held.y) >= accuracy(nb.predict(held.X), held.y) - 0.05);
  assert.ok(accuracy(stack.predict(held.X), held.y) > accuracy(oneNn.predict(held.X), held.y));
});
