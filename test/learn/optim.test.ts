import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, Sgd } from '../../src/learn/optim.js';

// Reference values: torch.optim.Adam / AdamW update rule, computed by hand for f(p) = Σ p²
// from p = [1, -2], lr 0.1, betas (0.9, 0.999), eps 1e-8.
const ADAM_STEPS = [
  [0.9000000005, -1.90000000025],
  [0.8004122286917927, -1.800166486115701],
  [0.7015862729460302, -1.700623392046465],
];
const ADAMW_STEPS = [
  [0.8900000004999999, -1.88000000025],
  [0.7815718559365048, -1.7614089505845592],
  [0.6751012216400698, -1.6443686835605893],
];

function runSteps(opt: Adam, steps: number): number[][] {
  const p = Float64Array.from([1, -2]);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    opt.step(p, Float64Array.from(p, (x) => 2 * x));
    out.push(Array.from(p));
  }
  return out;
}

test('Adam first steps match the bias-corrected PyTorch formula', () => {
  const got = runSteps(new Adam({ lr: 0.1 }), 3);
  got.forEach((row, t) => row.forEach((x, i) => assert.ok(Math.abs(x - ADAM_STEPS[t][i]) < 1e-12, `step ${t + 1}[${i}]: ${x}`)));
});

test('AdamW decays decoupled from the moments, like torch.optim.AdamW', () => {
  const got = runSteps(new Adam({ lr: 0.1, weightDecay: 0.1, decoupled: true }), 3);
  got.forEach((row, t) => row.forEach((x, i) => assert.ok(Math.abs(x - ADAMW_STEPS[t][i]) < 1e-12, `step ${t + 1}[${i}]: ${x}`)));
});

test('Adam and SGD converge to the minimum of a shifted quadratic', () => {
  // f(p) = ½ Σ a_i (p_i − c_i)², minimum at c.
  const a = [1, 10, 0.5];
  const c = [3, -1, 0.25];
  for (const opt of [new Adam({ lr: 0.05 }), new Sgd({ lr: 0.05, momentum: 0.9 })]) {
    const p = new Float64Array(3);
    for (let t = 0; t < 3000; t++) opt.step(p, Float64Array.from(p, (x, i) => a[i] * (x - c[i])));
    p.forEach((x, i) => assert.ok(Math.abs(x - c[i]) < 1e-4, `${opt.constructor.name} p[${i}] = ${x}`));
  }
});

test('weight decay spares parameters past decayCount', () => {
  const opt = new Sgd({ lr: 0.5, weightDecay: 1, decayCount: 1 });
  const p = Float64Array.from([1, 1]);
  opt.step(p, new Float64Array(2));
  assert.deepEqual(Array.from(p), [0.5, 1]);
});
