// The adapter's hand-written gradient against central finite differences, and each mode's frozen blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterForward, adapterLayout, initialAdapter, trainableMask, type AdapterShape } from '../../src/backends/clip/adapter.js';
import { l2Normalised } from '../../src/backends/clip/embeddings.js';
import { createRng } from '../../src/learn/random.js';

const shape: AdapterShape = { nClasses: 3, dim: 5, rank: 2 };
const rng = createRng(11);
const unitRows = (n: number, d: number) => {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) out.set(l2Normalised(Array.from({ length: d }, () => rng.normal())), i * d);
  return out;
};

test('adapter gradient matches finite differences in every block', () => {
  const n = 4;
  const X = unitRows(n, shape.dim);
  const y = Int32Array.of(0, 2, 1, 2);
  const params = initialAdapter(shape, unitRows(shape.nClasses, shape.dim), 5);
  const at = adapterLayout(shape);
  for (let i = at.B; i < at.T; i++) params[i] = rng.normal() * 0.3; // B ≠ 0 so that A gets a gradient too
  for (let i = at.b; i < at.end; i++) params[i] = rng.normal() * 0.1;
  const rows = [0, 1, 2, 3];
  const grad = new Float64Array(params.length);
  adapterForward(params, shape, 7, X, n, { y, rows, grad });
  const loss = (p: Float64Array) => adapterForward(p, shape, 7, X, n, { y, rows, grad: new Float64Array(p.length) }).loss;
  const h = 1e-5;
  for (let i = 0; i < params.length; i++) {
    const plus = Float64Array.from(params);
    const minus = Float64Array.from(params);
    plus[i] += h;
    minus[i] -= h;
    const numeric = (loss(plus) - loss(minus)) / (2 * h);
    assert.ok(Math.abs(numeric - grad[i]) < 1e-5 + 1e-3 * Math.abs(numeric), `param ${i}: analytic ${grad[i]} vs numeric ${numeric}`);
  }
});

test('at initialisation the adapter scores are the zero-shot scores', () => {
  const T = unitRows(shape.nClasses, shape.dim);
  const X = unitRows(2, shape.dim);
  const { logits } = adapterForward(initialAdapter(shape, T, 1), shape, 10, X, 2);
  for (let i = 0; i < 2; i++) {
    for (let c = 0; c < shape.nClasses; c++) {
      let s = 0;
      for (let j = 0; j < shape.dim; j++) s += X[i * shape.dim + j] * T[c * shape.dim + j];
      assert.ok(Math.abs(logits[i * shape.nClasses + c] - 10 * s) < 1e-5);
    }
  }
});

test('modes train their own side only (bias always)', () => {
  const at = adapterLayout(shape);
  const count = (m: Uint8Array, from: number, to: number) => m.subarray(from, to).reduce((s, v) => s + v, 0);
  const image = trainableMask(shape, 'image');
  const text = trainableMask(shape, 'text');
  const joint = trainableMask(shape, 'joint');
  assert.equal(count(image, at.A, at.T), at.T - at.A);
  assert.equal(count(image, at.T, at.b), 0);
  assert.equal(count(text, at.A, at.T), 0);
  assert.equal(count(text, at.T, at.b), at.b - at.T);
  assert.equal(count(joint, 0, at.end), at.end);
  for (const m of [image, text, joint]) assert.equal(count(m, at.b, at.end), shape.nClasses);
});
