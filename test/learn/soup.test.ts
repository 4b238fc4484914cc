import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greedySoup, uniformSoup } from '../../src/learn/soup.js';

test('uniformSoup averages and rejects mismatched shapes', () => {
  assert.deepEqual(Array.from(uniformSoup([[1, 2], [3, 6]])), [2, 4]);
  assert.throws(() => uniformSoup([[1, 2], [3]]), /initialisation/);
});

test('greedySoup follows Algorithm 1 with a toy scorer', () => {
  // Score: closeness to a target; checkpoint 3 is an outlier that would spoil the average.
  const target = [1, 1];
  const score = (p: ArrayLike<number>): number => -Math.hypot(p[0] - target[0], p[1] - target[1]);
  const checkpoints = [
    [1.3, 0.8], // individual score ≈ -0.36
    [0.8, 1.1], // ≈ -0.22 (best)
    [5, 5], // outlier
    [1.1, 1.2], // ≈ -0.22
  ];
  const result = greedySoup(checkpoints, score);
  // Order by individual score: 1, 3, 0, 2. Soup {1,3} avg (0.95,1.15) ≈ -0.158 ≥ -0.2236 → add;
  // {1,3,0} avg (1.067,1.033) ≈ -0.075 → add; {…,2} avg (2.05,2.025) → worse, skip.
  assert.deepEqual(result.members, [1, 3, 0]);
  assert.ok(Math.abs(result.params[0] - 3.2 / 3) < 1e-6 && Math.abs(result.params[1] - 3.1 / 3) < 1e-6);
  assert.ok(result.score > Math.max(...result.individualScores));
  assert.ok(result.score > score(uniformSoup(checkpoints)));
});
