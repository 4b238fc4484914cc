// Gaussian blobs for the learner tests: separable-ish classes whose difficulty the spread sets.
import { csrFromDense, type CsrMatrix } from '../../src/learn/csr.js';
import { createRng } from '../../src/learn/random.js';

/** Gaussian blobs in d dimensions, one centre per class, as CSR. */
export function blobs(nPerClass: number, k: number, d: number, seed: number, spread = 0.6): { X: CsrMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 2 * rng.normal()));
  const data: number[] = [];
  const y: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < nPerClass; i++) {
      for (const mu of centres[c]) data.push(mu + spread * rng.normal());
      y.push(c);
    }
  }
  return { X: csrFromDense(data, y.length, d), y: Int32Array.from(y) };
}
