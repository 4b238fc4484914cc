// The rule-Z prototype (bench/research/column-select.ts): column slices counted from either end, each scaled,
// and a learner that sees only them — the same model as one fitted on the sliced matrix by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnSelectLearner, selectColumns } from '../../bench/research/column-select.js';
import { csrFromDense, csrToDense } from '../../src/learn/csr.js';
import { createLearner, learnerFromJSON } from '../../src/learn/learner.js';
import '../../src/learn/linear-svm.js';
import { blobs } from '../learn/blobs.js';

test('selectColumns takes Python-style slices (negative from the end, open end), in slice order, scaled', () => {
  const n = 4;
  const d = 9;
  const data = Array.from({ length: n * d }, (_, i) => (i % 3 === 0 ? 0 : i + 1));
  const got = csrToDense(selectColumns(csrFromDense(data, n, d), [{ start: -5, end: -2, scale: 2 }, { start: 0, end: 2 }, { start: -1, scale: 0.5 }]));
  const expected: number[] = [];
  for (let r = 0; r < n; r++) for (const [c, s] of [[4, 2], [5, 2], [6, 2], [0, 1], [1, 1], [8, 0.5]]) expected.push(data[r * d + c] * s);
  assert.deepEqual(Array.from(got), expected);
});

test('a slice outside the matrix is refused, naming it', () => {
  const X = csrFromDense([1, 2, 3], 1, 3);
  assert.throws(() => selectColumns(X, [{ start: -4 }]), /column slice \[-1, 3\) outside a matrix of 3 columns/);
  assert.throws(() => selectColumns(X, [{ start: 2, end: 1 }]), /outside a matrix of 3 columns/);
});

test('ColumnSelect predicts as its learner fitted on the selected columns, and survives toJSON', () => {
  const { X, y } = blobs(30, 3, 6, 1);
  const slices = [{ start: -3, scale: 2 }];
  const wrapped = new ColumnSelectLearner({ slices, learner: { kind: 'LinearSvm', options: { C: 1 } } }).fit(X, y);
  const byHand = createLearner({ kind: 'LinearSvm', options: { C: 1, nClasses: 3 } }).fit(selectColumns(X, slices), y);
  assert.deepEqual(Array.from(wrapped.decisionFunction(X)), Array.from(byHand.decisionFunction(selectColumns(X, slices))));
  const loaded = learnerFromJSON(JSON.parse(JSON.stringify(wrapped.toJSON())));
  assert.deepEqual(Array.from(loaded.predictProba(X)), Array.from(wrapped.predictProba(X)));
});
