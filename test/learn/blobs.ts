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

/**
 * Twins with different labels: rows 2i and 2i+1 are near copies of each other (labels 0 and 1), and the
 * pairs point in random directions. A 1-NN fitted without a row answers its twin's label, so out of fold
 * it is right only when both twins fall in one test fold (then by chance); fitted with the row, always. Its
 * out-of-fold accuracy is about 0.1 with 5 folds honest, and any fold that saw its own rows adds about 0.18.
 */
export function twins(pairs: number, d: number, seed: number): { X: CsrMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const data: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const direction = Array.from({ length: d }, () => rng.normal());
    for (const label of [0, 1]) {
      for (const v of direction) data.push(v + 0.001 * rng.normal());
      y.push(label);
    }
  }
  return { X: csrFromDense(data, y.length, d), y: Int32Array.from(y) };
}
