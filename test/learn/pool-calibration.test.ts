import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceRows } from '../../src/learn/csr.js';
import { createRng } from '../../src/learn/random.js';
import { calibrateScores, calibratedNll, fitOutOfFoldCalibration, fitScoreCalibration, outOfFoldScores, parseScoreCalibration, realLogPrior } from '../../src/learn/oof-calibration.js';
import { fitPoolWeights, LogLinearPool } from '../../src/learn/log-linear-pool.js';
import { RowSubsetLearner } from '../../src/learn/row-subset.js';
import { createLearner, learnerFromJSON } from '../../src/learn/learner.js';
import { SelectedEnsemble } from '../../src/learn/ensemble-selection.js';
import { SoftmaxRegression } from '../../src/learn/softmax-regression.js';
import { EcommirError } from '../../src/errors.js';
import { blobs as gaussianBlobs, twins } from './blobs.js';

/** Wider blobs than the learner tests use: calibration needs overlapping classes. */
const blobs = (nPerClass: number, k: number, d: number, seed: number, spread = 1) => gaussianBlobs(nPerClass, k, d, seed, spread);

/** Labels drawn from softmax(z) of random scores z [n, k], so that T = 1 is the true temperature. */
function drawnFromScores(n: number, k: number, seed: number, scale: number): { z: Float32Array; y: Int32Array } {
  const rng = createRng(seed);
  const z = Float32Array.from({ length: n * k }, () => scale * rng.normal());
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = calibrateScores(z.subarray(i * k, (i + 1) * k), k, { temperature: 1, priorPower: 0, logPrior: new Array(k).fill(0) });
    let r = rng.next();
    let c = 0;
    while (c < k - 1 && (r -= p[c]) > 0) c++;
    y[i] = c;
  }
  return { z, y };
}

test('score calibration recovers the temperature the labels were drawn with, and never raises the NLL', () => {
  const k = 5;
  const { z, y } = drawnFromScores(4000, k, 1, 2);
  const flat = new Array(k).fill(0);
  for (const shown of [0.25, 1, 4]) {
    // Scores shown at `shown` times their true scale: the fitted temperature undoes it.
    const scaled = z.map((v) => v * shown);
    const c = fitScoreCalibration(scaled, y, k, flat);
    assert.ok(Math.abs(c.temperature / shown - 1) < 0.08, `T ${c.temperature} for scale ${shown}`);
    assert.ok(c.oofNll <= calibratedNll(scaled, y, k, 1, 0, flat) + 1e-9);
  }
});

test('the prior weight is chosen by NLL: labels drawn with a skewed prior pick α = 1 over 0 and the reverse', () => {
  const k = 4;
  const rng = createRng(3);
  const logPrior = [Math.log(0.7), Math.log(0.1), Math.log(0.1), Math.log(0.1)];
  const n = 3000;
  const z = Float32Array.from({ length: n * k }, () => rng.normal());
  const skewed = new Int32Array(n);
  const uniform = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const [target, power] of [[skewed, 1], [uniform, 0]] as const) {
      const p = calibrateScores(z.subarray(i * k, (i + 1) * k), k, { temperature: 1, priorPower: power, logPrior });
      let r = rng.next();
      let c = 0;
      while (c < k - 1 && (r -= p[c]) > 0) c++;
      target[i] = c;
    }
  }
  assert.equal(fitScoreCalibration(z, skewed, k, logPrior, [0, 0.5, 1]).priorPower, 1);
  assert.equal(fitScoreCalibration(z, uniform, k, logPrior, [0, 0.5, 1]).priorPower, 0);
});

test('real-row prior counts each group once, skips knowledge rows, smooths by one', () => {
  const y = [0, 0, 0, 1, 2, 2];
  const groups = Int32Array.from([0, 0, 1, 2, 3, 4]);
  const alwaysTrain = Uint8Array.from([0, 0, 0, 0, 1, 1]);
  const lp = realLogPrior(y, 3, { groups, alwaysTrain });
  // counts: class 0 → groups {0, 1} = 2 (+1), class 1 → 1 (+1), class 2 → 0 (+1): 3, 2, 1 of 6
  assert.deepEqual(lp.map((x) => Number(Math.exp(x).toFixed(6))), [0.5, Number((2 / 6).toFixed(6)), Number((1 / 6).toFixed(6))]);
});

test('out-of-fold scores never score a knowledge row and come from models that did not see the row', () => {
  const { X, y } = blobs(20, 3, 4, 5);
  const alwaysTrain = Uint8Array.from({ length: y.length }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const spec = { kind: 'LinearSvm', options: { C: 1, nClasses: 3 } };
  const oof = outOfFoldScores(spec, X, y, { alwaysTrain }, { folds: 4, seed: 0 });
  assert.equal(oof.rows.length, y.length - alwaysTrain.reduce((a, b) => a + b, 0));
  assert.ok(oof.rows.every((r) => !alwaysTrain[r]));
  // A 1-NN member scores its own training rows perfectly; out of fold it cannot, on overlapping blobs.
  const { X: X2, y: y2 } = blobs(30, 3, 2, 9, 2.5);
  const knn = { kind: 'CosineKnn', options: { k: 1, nClasses: 3 } };
  const inSample = createLearner(knn).fit(X2, y2).predict(X2);
  assert.equal(inSample.every((p, i) => p === y2[i]), true);
  const o = outOfFoldScores(knn, X2, y2, {}, { folds: 5 });
  const wrong = o.rows.filter((r, j) => {
    let best = 0;
    for (let c = 1; c < 3; c++) if (o.scores[j * 3 + c] > o.scores[j * 3 + best]) best = c;
    return best !== y2[r];
  });
  assert.ok(wrong.length > 5, `only ${wrong.length} out-of-fold mistakes`);
  // Every fold, not only one: on twins with different labels an honest 1-NN is right about 1 time in 10, and
  // each fold that saw its own rows adds about 0.18 (the bound above held with four folds of five leaking).
  const pairs = twins(100, 8, 3);
  const t = outOfFoldScores({ kind: 'CosineKnn', options: { k: 1, nClasses: 2 } }, pairs.X, pairs.y, {}, { folds: 5, seed: 0 });
  assert.equal(t.rows.length, pairs.y.length);
  const right = t.rows.filter((r, j) => (t.scores[j * 2 + 1] > t.scores[j * 2] ? 1 : 0) === pairs.y[r]).length;
  assert.ok(right / t.rows.length < 0.2, `out-of-fold accuracy ${right / t.rows.length} on twins: a fold saw its own rows`);
  const cal = fitOutOfFoldCalibration({ kind: 'LinearSvm', options: { C: 1, nClasses: 3 } }, X2, y2, {}, { priorPowers: [0, 1] });
  assert.ok(cal.temperature > 0 && cal.nScored === y2.length);
  assert.deepEqual(parseScoreCalibration(JSON.parse(JSON.stringify(cal)), 3, 'test'), cal);
  assert.throws(() => parseScoreCalibration({ ...cal, logPrior: [0] }, 3, 'test'), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_JSON');
});

test('pool weights: an informative expert gets weight, a pure-noise expert gets (close to) none', () => {
  const k = 4;
  const n = 2000;
  const { z, y } = drawnFromScores(n, k, 7, 2);
  const flat = new Array(k).fill(0);
  const toLog = (scores: Float32Array) => Float64Array.from(calibrateScores(scores, k, { temperature: 1, priorPower: 0, logPrior: flat }), (p) => Math.log(p));
  const rng = createRng(8);
  const noise = Float32Array.from({ length: n * k }, () => 2 * rng.normal());
  const { weights } = fitPoolWeights([toLog(z), toLog(noise)], y, k);
  assert.ok(Math.abs(weights[0] - 1) < 0.1, `informative weight ${weights[0]}`);
  assert.ok(weights[1] < 0.08, `noise weight ${weights[1]}`);
});

test('log-linear pool and row-subset members: fit, beat chance held out, drop nothing they need, round-trip through JSON', () => {
  const { X, y } = blobs(40, 4, 6, 11, 1.5);
  const rng = createRng(12);
  const order = Array.from({ length: y.length }, (_, i) => i).sort(() => rng.next() - 0.5);
  const train = order.slice(0, 120).sort((a, b) => a - b);
  const test = order.slice(120).sort((a, b) => a - b);
  const Xtr = sliceRows(X, train);
  const ytr = Int32Array.from(train, (i) => y[i]);
  // The first 40 training rows play knowledge rows.
  const alwaysTrain = Uint8Array.from(train, (_, j) => (j < 40 ? 1 : 0));
  const pool = new LogLinearPool({
    members: [
      { kind: 'RowSubset', options: { rows: 'knowledge', learner: { kind: 'LinearSvm', options: { C: 1 } } } },
      { kind: 'RowSubset', options: { rows: 'real', learner: { kind: 'LinearSvm', options: { C: 1 } } } },
      { kind: 'LinearSvm', options: { C: 1 } },
    ],
    nClasses: 4,
  }).fit(Xtr, ytr, { alwaysTrain });
  const Xte = sliceRows(X, test);
  const pred = pool.predict(Xte);
  const acc = pred.reduce((s, p, j) => s + (p === y[test[j]] ? 1 : 0), 0) / test.length;
  assert.ok(acc > 0.6, `held-out accuracy ${acc}`);
  const proba = pool.predictProba(Xte);
  for (let i = 0; i < test.length; i++) assert.ok(Math.abs(proba.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.ok(pool.pool.weights.some((w) => w > 0));
  const back = learnerFromJSON(JSON.parse(JSON.stringify(pool.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(Xte)), Array.from(proba));

  // A real-rows member sees only the real rows: fitted on the 80 real ones it equals a plain fit on them.
  const realRows = train.map((_, j) => j).filter((j) => !alwaysTrain[j]);
  const subset = new RowSubsetLearner({ rows: 'real', learner: { kind: 'LinearSvm', options: { C: 1 } }, nClasses: 4 }).fit(Xtr, ytr, { alwaysTrain });
  const plain = createLearner({ kind: 'LinearSvm', options: { C: 1, nClasses: 4 } }).fit(sliceRows(Xtr, realRows), Int32Array.from(realRows, (j) => ytr[j]));
  assert.deepEqual(Array.from(subset.decisionFunction(Xte)), Array.from(plain.decisionFunction(Xte)));
  assert.throws(() => new RowSubsetLearner({ rows: 'knowledge', learner: { kind: 'LinearSvm' } }).fit(Xtr, ytr, {}), /no knowledge rows/);
});

test('selected ensemble with calibrated members: probabilities sum to 1, temperatures saved', () => {
  const { X, y } = blobs(30, 3, 4, 21, 1.5);
  const e = new SelectedEnsemble({ members: [{ kind: 'LinearSvm', options: { C: 1 } }, { kind: 'CosineKnn', options: { k: 5, smoothing: 0.5 } }], selection: 'all', calibrate: true, nClasses: 3 }).fit(X, y);
  const json = JSON.parse(JSON.stringify(e.toJSON()));
  assert.equal(json.fitted.temperatures.length, 2);
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(e.predictProba(sliceRows(X, [i])).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.deepEqual(Array.from(learnerFromJSON(json).predictProba(X)), Array.from(e.predictProba(X)));
  assert.throws(() => learnerFromJSON({ ...json, fitted: { ...json.fitted, temperatures: [-1, 1] } }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_JSON');
});

test("softmax regression lossScale 'weights': light extra rows no longer shrink the data term against L2", () => {
  const { X, y } = blobs(20, 3, 4, 31, 1);
  const fitWith = (lossScale: 'rows' | 'weights', weight: number, copies: number) => {
    // The same rows plus `copies` extra copies at `weight`: with 'weights' the optimum of a weighted
    // mean does not depend on how the total weight is split.
    const rows = Array.from({ length: y.length * (1 + copies) }, (_, i) => i % y.length);
    const w = Float64Array.from(rows, (_, i) => (i < y.length ? 1 : weight));
    return new SoftmaxRegression({ l2: 1e-2, epochs: 300, lr: 0.05, lossScale }).fit(sliceRows(X, rows), Int32Array.from(rows, (i) => y[i]), { sampleWeight: w }).parameters();
  };
  const norm = (p: Float32Array) => Math.sqrt(p.reduce((s, v) => s + v * v, 0));
  const base = fitWith('weights', 1, 0);
  const diluted = fitWith('weights', 0.1, 10); // the same data at total weight 2: same weighted mean
  assert.ok(Math.abs(norm(diluted) - norm(base)) / norm(base) < 0.05, `${norm(diluted)} vs ${norm(base)}`);
  const rowsScaled = fitWith('rows', 0.1, 10); // mean over 11× the rows: the data term shrinks
  assert.ok(norm(rowsScaled) < 0.7 * norm(base), `${norm(rowsScaled)} vs ${norm(base)}`);
});
