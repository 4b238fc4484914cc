// Multinomial logistic regression over CSR input, trained with Adam (full batch or minibatch).
// Parameters, flat: [W: [nFeatures, nClasses] row-major, b: [nClasses]]. Feature-major W makes the
// sparse forward pass a sum of a few contiguous rows, one per non-zero of the input row.

import { EcommirError } from '../errors.js';
import { sliceRows, type CsrMatrix } from './csr.js';
import { crossEntropyOnLogits, type CoarseTerm } from './cross-entropy.js';
import { checkFitInput, checkPredictInput, resolveSampleWeights, type FitOptions } from './head.js';
import { FlatParameterClassifier, type FlatParameters } from './flat-parameter-classifier.js';
import { createOptimizer, type OptimizerName } from './optim.js';
import { checkOptions, stripUndefined, type OptionSchema } from './options.js';
import { createRng } from './random.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from './typed-json.js';
import { registerLearner } from './learner.js';

export interface SoftmaxRegressionOptions {
  /** L2 penalty on W (not b), on the mean loss: loss + l2/2·‖W‖². Default 1e-4. */
  l2?: number;
  /** Passes over the data. Default 100 (full batch: 100 Adam steps). */
  epochs?: number;
  /** Adam learning rate. Default 0.1. */
  lr?: number;
  /** 0 = full batch. Default 0. */
  batchSize?: number;
  optimizer?: OptimizerName;
  seed?: number;
  /** Class count when some classes may be absent from y (else max label + 1). */
  nClasses?: number;
  /** [nClasses] fine → coarse index; adds the coarse loss. */
  coarseOf?: number[];
  /** λ of the coarse loss. Default 0.5. */
  coarseWeight?: number;
  /**
   * What the data loss is averaged over: 'rows' (default: Σ w_i·CE_i / n) or 'weights' (Σ w_i·CE_i / Σ w_i).
   * With many light rows (knowledge rows at weight 0.1) 'rows' shrinks the data term against the L2
   * penalty and the head underfits; 'weights' keeps l2 meaning the same whatever rows are added.
   */
  lossScale?: 'rows' | 'weights';
}

const SCHEMA: OptionSchema = {
  l2: { type: 'number', min: 0, optional: true },
  epochs: { type: 'number', min: 1, integer: true, optional: true },
  lr: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  batchSize: { type: 'number', min: 0, integer: true, optional: true },
  optimizer: { type: 'enum', values: ['adam', 'adamw', 'sgd'], optional: true },
  seed: { type: 'number', integer: true, optional: true },
  nClasses: { type: 'number', min: 1, integer: true, optional: true },
  coarseOf: { type: 'intArray', optional: true },
  coarseWeight: { type: 'number', min: 0, optional: true },
  lossScale: { type: 'enum', values: ['rows', 'weights'], optional: true },
};

/** params: [nFeatures·nClasses + nClasses]; lossCurve: the mean training data loss (cross-entropy, without the L2 term) of each epoch. */
interface Fitted extends FlatParameters {
  nFeatures: number;
  nClasses: number;
}

/** Loss and gradient of the softmax regression objective at `params` (float64); exported for gradient checks. */
export function softmaxRegressionLoss(
  params: Float64Array, // [nFeatures·k + k]
  X: CsrMatrix,
  labels: Int32Array,
  weights: Float64Array,
  k: number,
  l2: number,
  grad: Float64Array, // output, same length as params
  coarse?: CoarseTerm,
  scale = X.nRows, // the data loss is Σ w_i·CE_i / scale
): number {
  const n = X.nRows;
  const nW = X.nCols * k;
  const logits = new Float64Array(n * k);
  forwardLogits(params, X, k, logits);
  const dLogits = new Float64Array(n * k);
  let loss = crossEntropyOnLogits(logits, n, k, labels, weights, scale, dLogits, coarse);
  grad.fill(0);
  const { indptr, indices, values } = X;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const end = indptr[i + 1];
    for (let p = indptr[i]; p < end; p++) {
      const base = indices[p] * k;
      const v = values[p];
      for (let c = 0; c < k; c++) grad[base + c] += v * dLogits[o + c];
    }
    for (let c = 0; c < k; c++) grad[nW + c] += dLogits[o + c];
  }
  if (l2 > 0) {
    let sq = 0;
    for (let j = 0; j < nW; j++) {
      sq += params[j] * params[j];
      grad[j] += l2 * params[j];
    }
    loss += 0.5 * l2 * sq;
  }
  return loss;
}

/** logits [n, k] = X·W + b, from params laid out as [W, b] (Float64Array only: keeps this hot loop monomorphic). */
function forwardLogits(params: Float64Array, X: CsrMatrix, k: number, logits: Float64Array): void {
  const nW = X.nCols * k;
  const { indptr, indices, values } = X;
  for (let i = 0; i < X.nRows; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) logits[o + c] = params[nW + c];
    const end = indptr[i + 1];
    for (let p = indptr[i]; p < end; p++) {
      const base = indices[p] * k;
      const v = values[p];
      for (let c = 0; c < k; c++) logits[o + c] += v * params[base + c];
    }
  }
}

export class SoftmaxRegression extends FlatParameterClassifier<Fitted> {
  static readonly kind = 'SoftmaxRegression';
  private readonly options: SoftmaxRegressionOptions;

  constructor(options: SoftmaxRegressionOptions = {}) {
    super();
    checkOptions(SoftmaxRegression.kind, SCHEMA, options as Record<string, unknown>);
    if (options.coarseOf && options.nClasses !== undefined && options.coarseOf.length !== options.nClasses) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `SoftmaxRegression: coarseOf has ${options.coarseOf.length} entries for ${options.nClasses} classes`);
    }
    this.options = { ...options, coarseOf: options.coarseOf ? [...options.coarseOf] : undefined };
  }

  getParams(): SoftmaxRegressionOptions {
    return { ...this.options, coarseOf: this.options.coarseOf ? [...this.options.coarseOf] : undefined };
  }

  protected classCount(fitted: Fitted): number {
    return fitted.nClasses;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: FitOptions = {}): this {
    const o = this.options;
    const { labels, nClasses: k } = checkFitInput(SoftmaxRegression.kind, X, y, o.nClasses ?? o.coarseOf?.length);
    const weights = resolveSampleWeights(labels, k, fitOptions);
    const coarse = o.coarseOf ? { coarseOf: o.coarseOf, weight: o.coarseWeight ?? 0.5 } : undefined;
    const l2 = o.l2 ?? 1e-4;
    const optimizerName = o.optimizer ?? 'adam';
    const nW = X.nCols * k;
    const params = new Float64Array(nW + k); // zero init: the objective is convex
    const grad = new Float64Array(params.length);
    // The L2 penalty is applied by the optimiser (coupled for Adam/SGD: the same update as adding
    // l2·W to the gradient, without an extra pass over W; decoupled for AdamW), so the loss below
    // and the loss curve are the data term only.
    const optimizer = createOptimizer(optimizerName, { lr: o.lr ?? 0.1, weightDecay: l2, decayCount: nW });
    const batchSize = o.batchSize ?? 0;
    const rng = createRng(o.seed ?? 0);
    const lossCurve: number[] = [];
    const epochs = o.epochs ?? 100;
    const byWeights = o.lossScale === 'weights';
    const scaleOf = (w: Float64Array): number => (byWeights ? Math.max(w.reduce((a, b) => a + b, 0), 1e-12) : w.length);
    if (batchSize === 0 || batchSize >= X.nRows) {
      const scale = scaleOf(weights);
      for (let e = 0; e < epochs; e++) {
        lossCurve.push(softmaxRegressionLoss(params, X, labels, weights, k, 0, grad, coarse, scale));
        optimizer.step(params, grad);
      }
    } else {
      const order = Int32Array.from({ length: X.nRows }, (_, i) => i);
      for (let e = 0; e < epochs; e++) {
        rng.shuffle(order);
        let epochLoss = 0;
        for (let start = 0; start < X.nRows; start += batchSize) {
          const idx = order.subarray(start, Math.min(start + batchSize, X.nRows));
          const batch = sliceRows(X, idx);
          const batchLabels = new Int32Array(idx.length);
          const batchWeights = new Float64Array(idx.length);
          for (let j = 0; j < idx.length; j++) {
            batchLabels[j] = labels[idx[j]];
            batchWeights[j] = weights[idx[j]];
          }
          epochLoss += softmaxRegressionLoss(params, batch, batchLabels, batchWeights, k, 0, grad, coarse, scaleOf(batchWeights)) * idx.length;
          optimizer.step(params, grad);
        }
        lossCurve.push(epochLoss / X.nRows);
      }
    }
    this.keep({ nFeatures: X.nCols, nClasses: k, lossCurve }, params);
    return this;
  }

  toJSON(): SoftmaxRegressionJson {
    const f = this.state;
    return { kind: SoftmaxRegression.kind, version: 1, options: this.getParams(), fitted: { nFeatures: f.nFeatures, nClasses: f.nClasses, params: encodeTypedArray(f.params), lossCurve: f.lossCurve } };
  }

  static fromJSON(json: SoftmaxRegressionJson): SoftmaxRegression {
    if (!json || json.kind !== SoftmaxRegression.kind || json.version !== 1) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${SoftmaxRegression.kind} (version 1)`);
    }
    const model = new SoftmaxRegression(stripUndefined(json.options));
    const { nFeatures, nClasses } = json.fitted;
    const params = decodeFloat32(json.fitted.params, `${SoftmaxRegression.kind}.params`);
    if (params.length !== nFeatures * nClasses + nClasses) throw new EcommirError('ECM_ERR_BAD_JSON', `${SoftmaxRegression.kind}: parameter count does not match ${nFeatures}×${nClasses}`);
    model.keep({ nFeatures, nClasses, lossCurve: json.fitted.lossCurve ?? [] }, params);
    return model;
  }

  protected logits(X: CsrMatrix): Float64Array {
    const f = this.state;
    checkPredictInput(SoftmaxRegression.kind, X, f.nFeatures);
    const out = new Float64Array(X.nRows * f.nClasses);
    forwardLogits(f.params64, X, f.nClasses, out);
    return out;
  }
}

export interface SoftmaxRegressionJson {
  kind: 'SoftmaxRegression';
  version: 1;
  options: SoftmaxRegressionOptions;
  fitted: { nFeatures: number; nClasses: number; params: EncodedTypedArray; lossCurve?: number[] };
}

registerLearner(SoftmaxRegression);
