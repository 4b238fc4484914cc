// The golden-section search against minima known in closed form, and against a dense grid scan of an
// NLL-like function (the shape the temperature fits minimise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenSectionMinimize } from '../../src/learn/golden-section.js';

const options = { maxSteps: 200, tolerance: 1e-9 };

test('finds the vertex of a parabola and the minimum of x − log x (at 1)', () => {
  assert.ok(Math.abs(goldenSectionMinimize((x) => (x - 1.7) ** 2 + 3, -10, 10, options) - 1.7) < 1e-6);
  assert.ok(Math.abs(goldenSectionMinimize((x) => x - Math.log(x), 0.01, 50, options) - 1) < 1e-6);
});

test('a minimum at the edge of the bracket ends at that edge', () => {
  assert.ok(Math.abs(goldenSectionMinimize((x) => x, 2, 5, options) - 2) < 1e-6);
  assert.ok(Math.abs(goldenSectionMinimize((x) => -x, 2, 5, options) - 5) < 1e-6);
});

test('agrees with a grid scan on a softmax NLL over log T', () => {
  // Two-class logits with margins 2 and −0.5 (the second sample is misclassified): NLL(T) is unimodal in log T.
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    return Math.log1p(Math.exp(-2 / t)) + Math.log1p(Math.exp(0.5 / t));
  };
  let best = -5;
  for (let x = -5; x <= 5; x += 1e-4) if (nll(x) < nll(best)) best = x;
  assert.ok(Math.abs(goldenSectionMinimize(nll, -5, 5, options) - best) < 1e-3);
});

test('stops after maxSteps: with few steps the bracket midpoint is still coarse', () => {
  const coarse = goldenSectionMinimize((x) => (x - 0.3) ** 2, 0, 100, { maxSteps: 2, tolerance: 0 });
  assert.ok(Math.abs(coarse - 0.3) > 1);
});
