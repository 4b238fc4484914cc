import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/learn/random.js';

test('createRng is deterministic per seed and differs across seeds', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const seqA = Array.from({ length: 5 }, () => a.next());
  const seqB = Array.from({ length: 5 }, () => b.next());
  const seqC = Array.from({ length: 5 }, () => c.next());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
  for (const x of seqA) assert.ok(x >= 0 && x < 1);
});

test('int stays in range and normal has mean 0, variance 1', () => {
  const rng = createRng(7);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 10000; i++) counts[rng.int(5)]++;
  for (const k of counts) assert.ok(k > 1800 && k < 2200, `bucket ${k}`);
  let sum = 0;
  let sumSq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    sumSq += x * x;
  }
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sumSq / n - 1) < 0.05);
});

test('shuffle is a deterministic permutation', () => {
  const xs = createRng(3).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const ys = createRng(3).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(xs, ys);
  assert.deepEqual([...xs].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(xs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const typed = createRng(3).shuffle(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.deepEqual(Array.from(typed), xs);
});
