import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectPseudoLabels } from '../../src/learn/pseudo.js';

test('selectPseudoLabels keeps confident rows, and with two predictors only confident agreements', () => {
  const a = [0.995, 0.005, 0.5, 0.5, 0.001, 0.999, 0.999, 0.001];
  const b = [0.999, 0.001, 0.999, 0.001, 0.98, 0.02, 0.995, 0.005];
  const onlyA = selectPseudoLabels(a, 2);
  assert.deepEqual(Array.from(onlyA.indices), [0, 2, 3]);
  assert.deepEqual(Array.from(onlyA.labels), [0, 1, 0]);
  const both = selectPseudoLabels(a, 2, b);
  // row 1: A not confident (a tie, arg-max 0, agreeing with B); row 2: A says 1, B says 0 at 0.98 → dropped;
  // rows 0 and 3: agree on 0, both ≥ 0.99.
  assert.deepEqual(Array.from(both.indices), [0, 3]);
  assert.deepEqual(both.counts, { total: 4, confidentA: 3, confidentB: 3, agree: 3, kept: 2 });
  assert.equal(selectPseudoLabels(a, 2, undefined, { threshold: 0.5 }).counts.kept, 4);
  assert.throws(() => selectPseudoLabels([0.5, 0.5, 1], 2), /rows/);
});
