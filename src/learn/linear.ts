// What the linear learners share: parameters laid out like SoftmaxRegression's ([W: [nFeatures, k]
// row-major, b: [k]]) so that soups, evidence (x_j·W[j,c]) and saving work the same for all of them.
import type { CsrMatrix } from './csr.js';

/** logits [n, k] = X·W + b. */
export function linearLogits(params: ArrayLike<number>, X: CsrMatrix, k: number): Float64Array {
  const nW = X.nCols * k;
  const out = new Float64Array(X.nRows * k);
  const { indptr, indices, values } = X;
  for (let i = 0; i < X.nRows; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) out[o + c] = params[nW + c];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const base = indices[p] * k;
      const v = values[p];
      for (let c = 0; c < k; c++) out[o + c] += v * params[base + c];
    }
  }
  return out;
}
