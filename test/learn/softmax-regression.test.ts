import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense, csrFromRows, type CsrMatrix } from '../../src/learn/csr.js';
import { SoftmaxRegression, softmaxRegressionLoss } from '../../src/learn/softmax-regression.js';
import { createRng } from '../../src/learn/random.js';
import { EcommirError } from '../../src/errors.js';
import { maxRelativeGradientError } from './grad-check.js';

/** Three Gaussian blobs in 4-d, as CSR, plus labels. */
function blobs(nPerClass: number, seed: number): { X: CsrMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const centres = [[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]];
  const data: number[] = [];
  const y: number[] = [];
  centres.forEach((c, label) => {
    for (let i = 0; i < nPerClass; i++) {
      for (const mu of c) data.push(mu + 0.5 * rng.normal());
      y.push(label);
    }
  });
  return { X: csrFromDense(data, y.length, 4), y: Int32Array.from(y) };
}

test('softmax regression loss gradient matches finite differences (with L2, weights and coarse term)', () => {
  const rng = createRng(5);
  const k = 4;
  const X = csrFromRows(
    Array.from({ length: 7 }, () => ({ indices: [rng.int(6), rng.int(6), rng.int(6)], values: [rng.normal(), rng.normal(), 1] })),
    6,
  );
  const labels = Int32Array.from({ length: 7 }, () => rng.int(k));
  const weights = Float64Array.from({ length: 7 }, () => 0.5 + rng.next());
  const params = Float64Array.from({ length: 6 * k + k }, () => 0.3 * rng.normal());
  const coords = Array.from({ length: params.length }, (_, i) => i);
  for (const coarse of [undefined, { coarseOf: [0, 0, 1, 1], weight: 0.7 }]) {
    const err = maxRelativeGradientError((p, g) => softmaxRegressionLoss(p, X, labels, weights, k, 0.1, g, coarse), params, coords);
    assert.ok(err < 1e-4, `relative error ${err} (coarse ${coarse ? 'on' : 'off'})`);
  }
});

test('fits separable blobs, is deterministic, round-trips through JSON', () => {
  const { X, y } = blobs(30, 1);
  const model = new SoftmaxRegression({ epochs: 150, lr: 0.1, seed: 3 }).fit(X, y);
  const pred = model.predict(X);
  const acc = pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
  assert.ok(acc > 0.95, `train accuracy ${acc}`);
  const curve = model.lossCurve;
  assert.ok(curve[curve.length - 1] < curve[0] / 3, 'loss decreases');

  const again = new SoftmaxRegression(model.getParams()).fit(X, y);
  assert.deepEqual(again.parameters(), model.parameters());

  const restored = SoftmaxRegression.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual(restored.predictProba(X), model.predictProba(X));
  assert.deepEqual(restored.getParams(), model.getParams());

  const proba = model.predictProba(X);
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(proba[i * 3] + proba[i * 3 + 1] + proba[i * 3 + 2] - 1) < 1e-5);
});

test('minibatch training with class weights and AdamW also fits; different seeds give different weights', () => {
  const { X, y } = blobs(20, 2);
  const a = new SoftmaxRegression({ epochs: 30, lr: 0.05, batchSize: 8, optimizer: 'adamw', seed: 1 }).fit(X, y, { classWeight: 'balanced' });
  const b = new SoftmaxRegression({ epochs: 30, lr: 0.05, batchSize: 8, optimizer: 'adamw', seed: 2 }).fit(X, y, { classWeight: 'balanced' });
  const acc = a.predict(X).reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  assert.notDeepEqual(a.parameters(), b.parameters());
});

test('contract errors: not fitted, bad options, bad labels, wrong width', () => {
  const { X, y } = blobs(5, 3);
  const model = new SoftmaxRegression();
  assert.throws(() => model.predict(X), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_NOT_FITTED');
  assert.throws(() => new SoftmaxRegression({ lr: -1 }), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION');
  assert.throws(() => new SoftmaxRegression({ bogus: 1 } as never), /unknown option/);
  const badY = Int32Array.from(y);
  badY[4] = -1;
  assert.throws(() => model.fit(X, badY), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_UNKNOWN_LABEL' && /record #4/.test(e.message));
  model.fit(X, y);
  assert.throws(() => model.predict(csrFromDense([1, 2], 1, 2)), /columns/);
  assert.throws(() => model.setParameters([1, 2]), /parameters/);
});

test('setParameters replaces weights (soup hook)', () => {
  const { X, y } = blobs(10, 4);
  const model = new SoftmaxRegression({ epochs: 50, lr: 0.1 }).fit(X, y);
  const zero = new Float32Array(model.parameters().length);
  model.setParameters(zero);
  const proba = model.predictProba(X);
  assert.ok(proba.every((p) => Math.abs(p - 1 / 3) < 1e-6));
});
