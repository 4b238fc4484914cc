// A linear support-vector machine as liblinear trains it (Hsieh et al., ICML 2008, "A dual coordinate
// descent method for large-scale linear SVM"): one-vs-rest, L2-regularised, squared hinge (liblinear's
// -s 1, scikit-learn's LinearSVC default) or hinge loss (-s 3), the bias as an extra constant feature
// (liblinear's -B, so the bias is regularised too), per-sample C_i = C·weight_i. Each binary problem is
// solved in the dual by cyclic coordinate descent over a seeded permutation of the samples.
// Margins differ in kind from probabilities: predictProba is softmax(marginScale · margins); calibrate
// downstream (a fitted temperature) when the confidences matter.

import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, checkPredictInput, notFitted, resolveSampleWeights, softmaxRowsInPlace, type Classifier, type FitOptions } from './head.js';
import { linearLogits } from './linear.js';
import { checkOptions, stripUndefined, type OptionSchema } from './options.js';
import { createRng } from './random.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from './typed-json.js';
import { registerLearner } from './learner.js';

export interface LinearSvmOptions {
  /** Inverse regularisation strength. Default 1. */
  C?: number;
  /** 'squaredHinge' (default, smooth, liblinear -s 1) or 'hinge' (liblinear -s 3). */
  loss?: 'squaredHinge' | 'hinge';
  /** Value of the constant feature that carries the bias (liblinear -B); 0 = no bias. Default 1. */
  biasScale?: number;
  /** Stop when the largest projected-gradient violation falls below this. Default 1e-3. */
  tol?: number;
  /** Passes over the data per class at most. Default 1000. */
  maxIter?: number;
  /** Scale applied to the margins before the softmax of predictProba. Default 5. */
  marginScale?: number;
  seed?: number;
  nClasses?: number;
}

const SCHEMA: OptionSchema = {
  C: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  loss: { type: 'enum', values: ['squaredHinge', 'hinge'], optional: true },
  biasScale: { type: 'number', min: 0, optional: true },
  tol: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  maxIter: { type: 'number', min: 1, integer: true, optional: true },
  marginScale: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  seed: { type: 'number', integer: true, optional: true },
  nClasses: { type: 'number', min: 1, integer: true, optional: true },
};

interface Fitted {
  nFeatures: number;
  nClasses: number;
  params: Float32Array; // [nFeatures·k + k]
  /** Passes each binary problem took (maxIter when it did not converge). */
  iterations: number[];
}

/**
 * One binary problem, y ∈ {−1, +1}: returns w [nFeatures + 1] (the last entry multiplies biasScale)
 * and the number of passes. Exported for tests against the primal solution.
 */
export function solveBinarySvmDual(
  X: CsrMatrix,
  ySign: Int8Array,
  cost: Float64Array, // [n] C_i
  loss: 'squaredHinge' | 'hinge',
  biasScale: number,
  tol: number,
  maxIter: number,
  seed: number,
): { w: Float64Array; iterations: number } {
  const n = X.nRows;
  const d = X.nCols;
  const w = new Float64Array(d + 1);
  const alpha = new Float64Array(n);
  const { indptr, indices, values } = X;
  // Squared hinge: D_ii = 1/(2C_i), no upper bound. Hinge: D_ii = 0, 0 ≤ α_i ≤ C_i.
  const diag = new Float64Array(n);
  const upper = new Float64Array(n);
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diag[i] = loss === 'squaredHinge' ? 0.5 / cost[i] : 0;
    upper[i] = loss === 'squaredHinge' ? Infinity : cost[i];
    let sq = biasScale * biasScale;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) sq += values[p] * values[p];
    qii[i] = sq + diag[i];
  }
  // Shrinking (liblinear's solve_l2r_l1l2_svc): a variable at a bound whose gradient pushes it further
  // out than the last pass's extreme projected gradients is set aside; when the rest meet the
  // tolerance, every variable comes back and the pass must meet it over all of them.
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  let active = n;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  while (iter < maxIter) {
    rng.shuffle(order.subarray(0, active));
    let pgMax = -Infinity;
    let pgMin = Infinity;
    let worst = 0;
    for (let t = 0; t < active; t++) {
      const i = order[t];
      if (cost[i] === 0) continue;
      const yi = ySign[i];
      let margin = w[d] * biasScale;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) margin += w[indices[p]] * values[p];
      const G = yi * margin - 1 + diag[i] * alpha[i];
      let pg = 0;
      // A variable at a bound whose gradient pushes it further out is set aside until the next full pass.
      let shrink = false;
      if (alpha[i] === 0) {
        shrink = G > pgMaxOld;
        if (G < 0) pg = G;
      } else if (alpha[i] >= upper[i]) {
        shrink = G < pgMinOld;
        if (G > 0) pg = G;
      } else pg = G;
      if (shrink) {
        active--;
        [order[t], order[active]] = [order[active], order[t]];
        t--;
        continue;
      }
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > worst) worst = Math.abs(pg);
      if (pg === 0 || qii[i] === 0) continue;
      const old = alpha[i];
      alpha[i] = Math.min(Math.max(old - G / qii[i], 0), upper[i]);
      const delta = (alpha[i] - old) * yi;
      if (delta === 0) continue;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) w[indices[p]] += delta * values[p];
      w[d] += delta * biasScale;
    }
    iter++;
    // The same test as without shrinking: the largest |projected gradient| under tol, over all variables.
    if (worst < tol) {
      if (active === n) break;
      active = n;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMax <= 0 ? Infinity : pgMax;
    pgMinOld = pgMin >= 0 ? -Infinity : pgMin;
  }
  return { w, iterations: iter };
}

export class LinearSvm implements Classifier {
  static readonly kind = 'LinearSvm';
  private readonly options: LinearSvmOptions;
  private fitted: Fitted | null = null;

  constructor(options: LinearSvmOptions = {}) {
    checkOptions(LinearSvm.kind, SCHEMA, options as Record<string, unknown>);
    this.options = { ...options };
  }

  getParams(): LinearSvmOptions {
    return { ...this.options };
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    return this.fitted.nClasses;
  }

  /** Passes over the data each one-vs-rest problem needed. */
  get iterations(): readonly number[] {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    return this.fitted.iterations;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: FitOptions = {}): this {
    const o = this.options;
    const { labels, nClasses: k } = checkFitInput(LinearSvm.kind, X, y, o.nClasses);
    const weights = resolveSampleWeights(labels, k, fitOptions);
    const C = o.C ?? 1;
    const cost = Float64Array.from(weights, (w) => C * w);
    const biasScale = o.biasScale ?? 1;
    const d = X.nCols;
    const params = new Float32Array(d * k + k);
    const iterations: number[] = [];
    const ySign = new Int8Array(X.nRows);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < X.nRows; i++) ySign[i] = labels[i] === c ? 1 : -1;
      const { w, iterations: it } = solveBinarySvmDual(X, ySign, cost, o.loss ?? 'squaredHinge', biasScale, o.tol ?? 1e-3, o.maxIter ?? 1000, (o.seed ?? 0) + c);
      for (let j = 0; j < d; j++) params[j * k + c] = w[j];
      params[d * k + c] = w[d] * biasScale;
      iterations.push(it);
    }
    this.fitted = { nFeatures: d, nClasses: k, params, iterations };
    return this;
  }

  decisionFunction(X: CsrMatrix): Float32Array {
    return Float32Array.from(this.margins(X));
  }

  predictProba(X: CsrMatrix): Float32Array {
    const m = this.margins(X);
    const scale = this.options.marginScale ?? 5;
    for (let i = 0; i < m.length; i++) m[i] *= scale;
    softmaxRowsInPlace(m, X.nRows, this.fitted!.nClasses);
    return Float32Array.from(m);
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.margins(X), X.nRows, this.nClasses);
  }

  parameters(): Float32Array {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    return this.fitted.params.slice();
  }

  setParameters(params: ArrayLike<number>): this {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    if (params.length !== this.fitted.params.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `${LinearSvm.kind}: ${params.length} parameters given, the model has ${this.fitted.params.length}`);
    this.fitted = { ...this.fitted, params: Float32Array.from(params) };
    return this;
  }

  toJSON(): LinearSvmJson {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    const f = this.fitted;
    return { kind: LinearSvm.kind, version: 1, options: this.getParams(), fitted: { nFeatures: f.nFeatures, nClasses: f.nClasses, params: encodeTypedArray(f.params), iterations: f.iterations } };
  }

  static fromJSON(json: LinearSvmJson): LinearSvm {
    if (!json || json.kind !== LinearSvm.kind || json.version !== 1 || !json.fitted) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${LinearSvm.kind} (version 1)`);
    const model = new LinearSvm(stripUndefined(json.options));
    const { nFeatures, nClasses } = json.fitted;
    const params = decodeFloat32(json.fitted.params, `${LinearSvm.kind}.params`);
    if (params.length !== nFeatures * nClasses + nClasses) throw new EcommirError('ECM_ERR_BAD_JSON', `${LinearSvm.kind}: parameter count does not match ${nFeatures}×${nClasses}`);
    model.fitted = { nFeatures, nClasses, params, iterations: json.fitted.iterations ?? [] };
    return model;
  }

  private margins(X: CsrMatrix): Float64Array {
    if (!this.fitted) throw notFitted(LinearSvm.kind);
    checkPredictInput(LinearSvm.kind, X, this.fitted.nFeatures);
    return linearLogits(this.fitted.params, X, this.fitted.nClasses);
  }
}

export interface LinearSvmJson {
  kind: 'LinearSvm';
  version: 1;
  options: LinearSvmOptions;
  fitted: { nFeatures: number; nClasses: number; params: EncodedTypedArray; iterations?: number[] };
}

registerLearner(LinearSvm);
