import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense, csrFromRows } from '../../src/learn/csr.js';
import { MlpClassifier, mlpLayout, mlpLoss, type Activation } from '../../src/learn/mlp.js';
import { SoftmaxRegression } from '../../src/learn/softmax-regression.js';
import { createRng } from '../../src/learn/random.js';
import { EcommirError } from '../../src/errors.js';
import { maxRelativeGradientError } from './grad-check.js';

test('MLP loss gradient matches finite differences (ReLU and GELU, dropout mask, coarse term, L2)', () => {
  const rng = createRng(9);
  const shape = { nFeatures: 5, hidden: 4, nClasses: 3 };
  const n = 6;
  const X = csrFromRows(Array.from({ length: n }, () => ({ indices: [rng.int(5), rng.int(5)], values: [rng.normal(), rng.normal()] })), 5);
  const labels = Int32Array.from({ length: n }, () => rng.int(3));
  const weights = Float64Array.from({ length: n }, () => 0.5 + rng.next());
  const params = Float64Array.from({ length: mlpLayout(shape).length }, () => 0.5 * rng.normal());
  const mask = Float64Array.from({ length: n * shape.hidden }, () => (rng.next() < 0.25 ? 0 : 1 / 0.75));
  const coords = Array.from({ length: params.length }, (_, i) => i);
  for (const activation of ['relu', 'gelu'] as Activation[]) {
    const err = maxRelativeGradientError(
      (p, g) => mlpLoss(p, shape, X, labels, weights, activation, 0.05, g, mask, { coarseOf: [0, 0, 1], weight: 0.5 }),
      params,
      coords,
    );
    assert.ok(err < 1e-4, `${activation}: relative error ${err}`);
  }
});

/** XOR of two features: no linear model separates it. */
function xor(n: number, seed: number) {
  const rng = createRng(seed);
  const data: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.int(2);
    const b = rng.int(2);
    data.push(a + 0.1 * rng.normal(), b + 0.1 * rng.normal(), 1);
    y.push(a ^ b);
  }
  return { X: csrFromDense(data, n, 3), y: Int32Array.from(y) };
}

const accuracy = (pred: Int32Array, y: Int32Array): number => pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;

test('MLP learns XOR where softmax regression cannot; deterministic; JSON round trip', () => {
  const { X, y } = xor(200, 1);
  const options = { hidden: 16, epochs: 60, lr: 0.01, batchSize: 16, seed: 4, activation: 'gelu' as const, dropout: 0.1 };
  const mlp = new MlpClassifier(options).fit(X, y);
  assert.ok(accuracy(mlp.predict(X), y) > 0.95, `mlp accuracy ${accuracy(mlp.predict(X), y)}`);
  const linear = new SoftmaxRegression({ epochs: 200, lr: 0.1 }).fit(X, y);
  assert.ok(accuracy(linear.predict(X), y) < 0.8);

  assert.deepEqual(new MlpClassifier(mlp.getParams()).fit(X, y).parameters(), mlp.parameters());
  const back = MlpClassifier.fromJSON(JSON.parse(JSON.stringify(mlp.toJSON())));
  assert.deepEqual(back.predictProba(X), mlp.predictProba(X));
});

test('MLP contract errors', () => {
  const { X, y } = xor(10, 2);
  assert.throws(() => new MlpClassifier().predictProba(X), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_NOT_FITTED');
  assert.throws(() => new MlpClassifier({ activation: 'tanh' as never }), /activation/);
  assert.throws(() => new MlpClassifier({ coarseOf: [0, 1], nClasses: 3 }), /coarseOf/);
  const m = new MlpClassifier({ hidden: 2, epochs: 1 }).fit(X, y);
  assert.throws(() => m.setParameters(new Float32Array(3)), /parameters/);
});
