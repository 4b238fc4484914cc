import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reservedHoldout } from '../../src/eval/holdout.js';

const samples = Array.from({ length: 50 }, (_, i) => ({ id: `s${String(i).padStart(2, '0')}`, label: ['a', 'b', 'c'][i % 3] + (i % 5 === 0 ? 'x' : '') }));

test('the reserved holdout is stratified, disjoint and 20% by default', () => {
  const { develop, holdout } = reservedHoldout(samples);
  assert.equal(develop.length + holdout.length, samples.length);
  assert.equal(holdout.length, 10);
  const ids = new Set(develop.map((s) => s.id));
  for (const s of holdout) assert.ok(!ids.has(s.id));
  for (const label of new Set(samples.map((s) => s.label))) {
    const n = samples.filter((s) => s.label === label).length;
    const held = holdout.filter((s) => s.label === label).length;
    assert.ok(Math.abs(held - 0.2 * n) <= 1, `${label}: ${held} of ${n} held out`);
  }
});

test('the holdout does not depend on the order of the data file, and changes with the seed', () => {
  const a = reservedHoldout(samples).holdout.map((s) => s.id);
  const b = reservedHoldout([...samples].reverse()).holdout.map((s) => s.id);
  assert.deepEqual(a, b);
  const c = reservedHoldout(samples, { seed: 7 }).holdout.map((s) => s.id);
  assert.notDeepEqual(a, c);
});
