// What every classification head shares: the fit/predict contract, input checks, sample weights
// from class weights, and row-wise softmax / argmax.

import { EcommirError } from '../errors.js';
import { assertCsr, type CsrMatrix } from './csr.js';

export interface FitOptions {
  /** [n] non-negative weight per sample. */
  sampleWeight?: ArrayLike<number>;
  /** 'balanced' = n / (nPresentClasses · count(c)), as scikit-learn; or a weight per class index. */
  classWeight?: 'balanced' | Record<number, number>;
}

export interface Classifier {
  fit(X: CsrMatrix, y: ArrayLike<number>, options?: FitOptions): this;
  /** [n, nClasses] row-major probabilities. */
  predictProba(X: CsrMatrix): Float32Array;
  /** [n, nClasses] row-major logits. */
  decisionFunction(X: CsrMatrix): Float32Array;
  /** [n] arg-max class index per row. */
  predict(X: CsrMatrix): Int32Array;
  /** The constructor options; `new Ctor(getParams())` is an unfitted clone. */
  getParams(): object;
  /** Flat copy of all learned parameters (for soups). */
  parameters(): Float32Array;
  setParameters(params: ArrayLike<number>): this;
  toJSON(): unknown;
  readonly nClasses: number;
}

export function notFitted(owner: string): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FITTED', `${owner} is not fitted yet: call fit() (or load a saved model) first`);
}

/** Validates X, y and returns labels as Int32Array plus the class count (given, or max label + 1). */
export function checkFitInput(owner: string, X: CsrMatrix, y: ArrayLike<number>, nClassesOption?: number): { labels: Int32Array; nClasses: number } {
  assertCsr(X, `${owner} input`);
  if (y.length !== X.nRows) throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: ${X.nRows} rows but ${y.length} labels`);
  if (X.nRows === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: cannot fit on zero samples`);
  const labels = new Int32Array(y.length);
  let maxLabel = -1;
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || (nClassesOption !== undefined && c >= nClassesOption)) {
      throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `${owner}: label ${c} is not a class index${nClassesOption !== undefined ? ` in [0, ${nClassesOption})` : ''}`, { item: { index: i } });
    }
    labels[i] = c;
    if (c > maxLabel) maxLabel = c;
  }
  return { labels, nClasses: nClassesOption ?? maxLabel + 1 };
}

export function checkPredictInput(owner: string, X: CsrMatrix, nFeatures: number): void {
  assertCsr(X, `${owner} input`);
  if (X.nCols !== nFeatures) throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: input has ${X.nCols} columns, the model was fitted on ${nFeatures}`);
}

/** [n] per-sample weights: sampleWeight × classWeight[y]. */
export function resolveSampleWeights(labels: Int32Array, nClasses: number, options: FitOptions = {}): Float64Array {
  const n = labels.length;
  const weights = new Float64Array(n).fill(1);
  if (options.sampleWeight) {
    if (options.sampleWeight.length !== n) throw new EcommirError('ECM_ERR_BAD_OPTION', `sampleWeight has ${options.sampleWeight.length} entries for ${n} samples`);
    for (let i = 0; i < n; i++) {
      const w = options.sampleWeight[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new EcommirError('ECM_ERR_BAD_OPTION', `sampleWeight ${w} must be a finite number ≥ 0`, { item: { index: i } });
      weights[i] = w;
    }
  }
  if (options.classWeight === 'balanced') {
    const counts = new Float64Array(nClasses);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const present = counts.reduce((acc, c) => acc + (c > 0 ? 1 : 0), 0);
    for (let i = 0; i < n; i++) weights[i] *= n / (present * counts[labels[i]]);
  } else if (options.classWeight) {
    for (const [key, w] of Object.entries(options.classWeight)) {
      const c = Number(key);
      if (!Number.isInteger(c) || c < 0 || c >= nClasses || !(w >= 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `classWeight entry ${key}: ${w} is not a class index with a weight ≥ 0`);
    }
    for (let i = 0; i < n; i++) weights[i] *= options.classWeight[labels[i]] ?? 1;
  }
  return weights;
}

/** In place: each row of `logits` [n, k] becomes its softmax. */
export function softmaxRowsInPlace(logits: Float64Array | Float32Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (logits[o + c] > max) max = logits[o + c];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(logits[o + c] - max);
      logits[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) logits[o + c] /= sum;
  }
}

/** [n] index of each row's maximum in `scores` [n, k] (first on ties). */
export function argmaxRows(scores: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** [n, nCoarse] coarse probabilities: the sum of fine probabilities within each coarse group. */
export function coarseProbabilities(fineProba: ArrayLike<number>, n: number, coarseOf: readonly number[]): Float32Array {
  const k = coarseOf.length;
  const nCoarse = Math.max(...coarseOf) + 1;
  const out = new Float32Array(n * nCoarse);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * nCoarse + coarseOf[c]] += fineProba[i * k + c];
  return out;
}
