import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTemperature, expectedCalibrationError, fitTemperature, temperatureNll } from '../../src/learn/calibration.js';
import { createRng } from '../../src/learn/random.js';

/** Logits of a model that is right ~70% of the time but says so with ~99% confidence. */
function overconfident(n: number, k: number, seed: number): { logits: Float64Array; labels: Int32Array } {
  const rng = createRng(seed);
  const logits = new Float64Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(k);
    const predicted = rng.next() < 0.7 ? labels[i] : (labels[i] + 1 + rng.int(k - 1)) % k;
    for (let c = 0; c < k; c++) logits[i * k + c] = rng.normal() * 0.5 + (c === predicted ? 8 : 0);
  }
  return { logits, labels };
}

test('temperature scaling on over-confident logits finds T > 1 and lowers NLL and ECE', () => {
  const k = 5;
  const { logits, labels } = overconfident(600, k, 11);
  const T = fitTemperature(logits, labels, k);
  assert.ok(T > 1.5, `T = ${T}`);
  assert.ok(temperatureNll(logits, labels, k, T) < temperatureNll(logits, labels, k, 1));
  // T is a minimum: nudging it either way does not help.
  assert.ok(temperatureNll(logits, labels, k, T) <= temperatureNll(logits, labels, k, T * 1.05));
  assert.ok(temperatureNll(logits, labels, k, T) <= temperatureNll(logits, labels, k, T / 1.05));
  const before = expectedCalibrationError(applyTemperature(logits, k, 1), labels, k);
  const after = expectedCalibrationError(applyTemperature(logits, k, T), labels, k);
  assert.ok(before.ece > 0.2, `ECE before ${before.ece}`);
  assert.ok(after.ece < before.ece / 3, `ECE after ${after.ece}`);
  assert.equal(after.bins.reduce((s, b) => s + b.count, 0), 600);
});

test('ECE of a perfectly calibrated toy case is 0', () => {
  // Two samples at confidence 0.5, one right and one wrong.
  const report = expectedCalibrationError([0.5, 0.5, 0.5, 0.5], [0, 1], 2, 10);
  assert.ok(Math.abs(report.ece) < 1e-12);
  assert.throws(() => expectedCalibrationError([1, 0], [3], 2), /record #0/);
});
