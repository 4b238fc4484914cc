import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense, csrFromRows, csrToDense, hstack, l2NormalizeRows, sliceRows } from '../../src/learn/csr.js';
import { EcommirError } from '../../src/errors.js';

test('csrFromRows sorts columns, sums duplicates and drops zeros', () => {
  const m = csrFromRows([{ indices: [3, 1, 3], values: [1, 2, 4] }, { indices: [], values: [] }, { indices: [0, 0], values: [1, -1] }], 4);
  assert.deepEqual(Array.from(m.indptr), [0, 2, 2, 2]);
  assert.deepEqual(Array.from(m.indices), [1, 3]);
  assert.deepEqual(Array.from(m.values), [2, 5]);
  assert.deepEqual(Array.from(csrToDense(m)), [0, 2, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('csrFromRows names the bad row', () => {
  assert.throws(
    () => csrFromRows([{ indices: [0], values: [1] }, { indices: [9], values: [1] }], 4),
    (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_OPTION' && /record #1/.test(e.message),
  );
});

test('hstack concatenates sparse and dense blocks with weights', () => {
  const sparse = csrFromRows([{ indices: [1], values: [1] }, { indices: [0], values: [3] }], 2);
  const m = hstack([{ matrix: sparse, weight: 2 }, { kind: 'dense', data: [1, 0, 0, 5, 6, 0], nCols: 3, weight: 0.5 }]);
  assert.equal(m.nCols, 5);
  assert.deepEqual(Array.from(csrToDense(m)), [0, 2, 0.5, 0, 0, 6, 0, 2.5, 3, 0]);
  assert.throws(() => hstack([{ matrix: sparse }, { kind: 'dense', data: [1, 2, 3], nCols: 1 }]), /rows/);
});

test('l2NormalizeRows gives unit rows and leaves empty rows empty', () => {
  const m = l2NormalizeRows(csrFromDense([3, 4, 0, 0], 2, 2));
  assert.deepEqual(Array.from(csrToDense(m)).map((x) => Math.round(x * 1e6) / 1e6), [0.6, 0.8, 0, 0]);
});

test('sliceRows picks rows in the given order, with repeats', () => {
  const m = csrFromDense([1, 0, 0, 2, 3, 0], 3, 2);
  const s = sliceRows(m, [2, 0, 2]);
  assert.deepEqual(Array.from(csrToDense(s)), [3, 0, 1, 0, 3, 0]);
  assert.throws(() => sliceRows(m, [3]), /outside/);
});
