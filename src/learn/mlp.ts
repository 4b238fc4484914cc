// One-hidden-layer perceptron over CSR input: h = act(X·W1 + b1), dropout on h while training,
// logits = h·W2 + b2. Parameters, flat: [W1: [nFeatures, hidden], W2: [hidden, nClasses],
// b1: [hidden], b2: [nClasses]] — weights first so weight decay covers exactly them.

import { EcommirError } from '../errors.js';
import { sliceRows, type CsrMatrix } from './csr.js';
import { crossEntropyOnLogits, type CoarseTerm } from './cross-entropy.js';
import { checkFitInput, checkPredictInput, resolveSampleWeights, type FitOptions } from './head.js';
import { FlatParameterClassifier, type FlatParameters } from './flat-parameter-classifier.js';
import { createOptimizer, type OptimizerName } from './optim.js';
import { checkOptions, stripUndefined, type OptionSchema } from './options.js';
import { createRng, type Rng } from './random.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from './typed-json.js';
import { registerLearner } from './learner.js';

export type Activation = 'relu' | 'gelu';

export interface MlpOptions {
  /** Hidden units. Default 128. */
  hidden?: number;
  activation?: Activation;
  /** Probability of zeroing a hidden unit while training (inverted dropout). Default 0. */
  dropout?: number;
  /** L2 on W1 and W2 (decoupled with 'adamw'). Default 1e-4. */
  l2?: number;
  epochs?: number;
  lr?: number;
  /** 0 = full batch. Default 32. */
  batchSize?: number;
  optimizer?: OptimizerName;
  seed?: number;
  nClasses?: number;
  coarseOf?: number[];
  coarseWeight?: number;
}

const SCHEMA: OptionSchema = {
  hidden: { type: 'number', min: 1, integer: true, optional: true },
  activation: { type: 'enum', values: ['relu', 'gelu'], optional: true },
  dropout: { type: 'number', min: 0, max: 0.95, optional: true },
  l2: { type: 'number', min: 0, optional: true },
  epochs: { type: 'number', min: 1, integer: true, optional: true },
  lr: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  batchSize: { type: 'number', min: 0, integer: true, optional: true },
  optimizer: { type: 'enum', values: ['adam', 'adamw', 'sgd'], optional: true },
  seed: { type: 'number', integer: true, optional: true },
  nClasses: { type: 'number', min: 1, integer: true, optional: true },
  coarseOf: { type: 'intArray', optional: true },
  coarseWeight: { type: 'number', min: 0, optional: true },
};

export interface MlpShape {
  nFeatures: number;
  hidden: number;
  nClasses: number;
}

/** Offsets of W1, W2, b1, b2 in the flat parameter vector, and its length. */
export function mlpLayout(s: MlpShape): { w1: number; w2: number; b1: number; b2: number; length: number; decayCount: number } {
  const w1 = 0;
  const w2 = s.nFeatures * s.hidden;
  const b1 = w2 + s.hidden * s.nClasses;
  const b2 = b1 + s.hidden;
  return { w1, w2, b1, b2, length: b2 + s.nClasses, decayCount: b1 };
}

const GELU_C = Math.sqrt(2 / Math.PI);
// GELU, tanh approximation (as in GPT-2 / nanoGPT).
function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}
function geluGrad(x: number): number {
  const u = GELU_C * (x + 0.044715 * x * x * x);
  const t = Math.tanh(u);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

/**
 * Forward pass. Returns pre-activations [n, hidden], activations after dropout [n, hidden] and logits
 * [n, k]. `dropMask` [n, hidden] holds the inverted-dropout scale (0 or 1/(1−p)) or is null.
 */
function forward(params: Float64Array, s: MlpShape, X: CsrMatrix, activation: Activation, dropMask: Float64Array | null) {
  const { hidden: h, nClasses: k } = s;
  const L = mlpLayout(s);
  const n = X.nRows;
  const pre = new Float64Array(n * h);
  const act = new Float64Array(n * h);
  const logits = new Float64Array(n * k);
  const { indptr, indices, values } = X;
  for (let i = 0; i < n; i++) {
    const o = i * h;
    for (let u = 0; u < h; u++) pre[o + u] = params[L.b1 + u];
    const end = indptr[i + 1];
    for (let p = indptr[i]; p < end; p++) {
      const base = indices[p] * h;
      const v = values[p];
      for (let u = 0; u < h; u++) pre[o + u] += v * params[base + u];
    }
    for (let u = 0; u < h; u++) {
      const a = activation === 'relu' ? (pre[o + u] > 0 ? pre[o + u] : 0) : gelu(pre[o + u]);
      act[o + u] = dropMask ? a * dropMask[o + u] : a;
    }
    const oz = i * k;
    for (let c = 0; c < k; c++) logits[oz + c] = params[L.b2 + c];
    for (let u = 0; u < h; u++) {
      const a = act[o + u];
      if (a === 0) continue;
      const base = L.w2 + u * k;
      for (let c = 0; c < k; c++) logits[oz + c] += a * params[base + c];
    }
  }
  return { pre, act, logits };
}

/** Loss and gradient of the MLP objective (float64); exported for gradient checks. */
export function mlpLoss(
  params: Float64Array,
  shape: MlpShape,
  X: CsrMatrix,
  labels: Int32Array,
  weights: Float64Array,
  activation: Activation,
  l2: number,
  grad: Float64Array,
  dropMask: Float64Array | null = null,
  coarse?: CoarseTerm,
): number {
  const { hidden: h, nClasses: k } = shape;
  const L = mlpLayout(shape);
  const n = X.nRows;
  const { pre, act, logits } = forward(params, shape, X, activation, dropMask);
  const dLogits = new Float64Array(n * k);
  let loss = crossEntropyOnLogits(logits, n, k, labels, weights, n, dLogits, coarse);
  grad.fill(0);
  const dPre = new Float64Array(h);
  const { indptr, indices, values } = X;
  for (let i = 0; i < n; i++) {
    const o = i * h;
    const oz = i * k;
    for (let c = 0; c < k; c++) grad[L.b2 + c] += dLogits[oz + c];
    for (let u = 0; u < h; u++) {
      const base = L.w2 + u * k;
      const a = act[o + u];
      let dAct = 0;
      for (let c = 0; c < k; c++) {
        grad[base + c] += a * dLogits[oz + c];
        dAct += params[base + c] * dLogits[oz + c];
      }
      if (dropMask) dAct *= dropMask[o + u];
      const z = pre[o + u];
      dPre[u] = activation === 'relu' ? (z > 0 ? dAct : 0) : dAct * geluGrad(z);
      grad[L.b1 + u] += dPre[u];
    }
    const end = indptr[i + 1];
    for (let p = indptr[i]; p < end; p++) {
      const base = indices[p] * h;
      const v = values[p];
      for (let u = 0; u < h; u++) grad[base + u] += v * dPre[u];
    }
  }
  if (l2 > 0) {
    let sq = 0;
    for (let j = 0; j < L.decayCount; j++) {
      sq += params[j] * params[j];
      grad[j] += l2 * params[j];
    }
    loss += 0.5 * l2 * sq;
  }
  return loss;
}

/** He-style init for W1 (scaled by 1/sqrt of the mean non-zeros per row, since inputs are sparse), Glorot for W2, zero biases. */
function initParams(shape: MlpShape, meanNnz: number, rng: Rng): Float64Array {
  const L = mlpLayout(shape);
  const params = new Float64Array(L.length);
  const s1 = Math.sqrt(2 / Math.max(1, meanNnz));
  for (let j = L.w1; j < L.w2; j++) params[j] = rng.normal() * s1;
  const s2 = Math.sqrt(2 / (shape.hidden + shape.nClasses));
  for (let j = L.w2; j < L.b1; j++) params[j] = rng.normal() * s2;
  return params;
}

interface Fitted extends FlatParameters {
  shape: MlpShape;
}

export class MlpClassifier extends FlatParameterClassifier<Fitted> {
  static readonly kind = 'MlpClassifier';
  private readonly options: MlpOptions;

  constructor(options: MlpOptions = {}) {
    super();
    checkOptions(MlpClassifier.kind, SCHEMA, options as Record<string, unknown>);
    if (options.coarseOf && options.nClasses !== undefined && options.coarseOf.length !== options.nClasses) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${MlpClassifier.kind}: coarseOf has ${options.coarseOf.length} entries for ${options.nClasses} classes`);
    }
    this.options = { ...options, coarseOf: options.coarseOf ? [...options.coarseOf] : undefined };
  }

  getParams(): MlpOptions {
    return { ...this.options, coarseOf: this.options.coarseOf ? [...this.options.coarseOf] : undefined };
  }

  protected classCount(fitted: Fitted): number {
    return fitted.shape.nClasses;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: FitOptions = {}): this {
    const o = this.options;
    const { labels, nClasses } = checkFitInput(MlpClassifier.kind, X, y, o.nClasses ?? o.coarseOf?.length);
    const weights = resolveSampleWeights(labels, nClasses, fitOptions);
    const shape: MlpShape = { nFeatures: X.nCols, hidden: o.hidden ?? 128, nClasses };
    const L = mlpLayout(shape);
    const activation = o.activation ?? 'relu';
    const dropout = o.dropout ?? 0;
    const coarse = o.coarseOf ? { coarseOf: o.coarseOf, weight: o.coarseWeight ?? 0.5 } : undefined;
    const rng = createRng(o.seed ?? 0);
    const params = initParams(shape, X.indptr[X.nRows] / X.nRows, rng);
    const grad = new Float64Array(L.length);
    const l2 = o.l2 ?? 1e-4;
    const optimizerName = o.optimizer ?? 'adam';
    const decoupled = optimizerName === 'adamw';
    const optimizer = createOptimizer(optimizerName, { lr: o.lr ?? 1e-3, weightDecay: decoupled ? l2 : 0, decayCount: L.decayCount });
    const lossL2 = decoupled ? 0 : l2;
    const batchSize = o.batchSize ?? 32;
    const size = batchSize === 0 ? X.nRows : Math.min(batchSize, X.nRows);
    const order = Int32Array.from({ length: X.nRows }, (_, i) => i);
    const lossCurve: number[] = [];
    for (let e = 0; e < (o.epochs ?? 50); e++) {
      rng.shuffle(order);
      let epochLoss = 0;
      for (let start = 0; start < X.nRows; start += size) {
        const idx = order.subarray(start, Math.min(start + size, X.nRows));
        const batch = sliceRows(X, idx);
        const bLabels = Int32Array.from(idx, (i) => labels[i]);
        const bWeights = Float64Array.from(idx, (i) => weights[i]);
        let mask: Float64Array | null = null;
        if (dropout > 0) {
          mask = new Float64Array(idx.length * shape.hidden);
          for (let j = 0; j < mask.length; j++) mask[j] = rng.next() < dropout ? 0 : 1 / (1 - dropout);
        }
        epochLoss += mlpLoss(params, shape, batch, bLabels, bWeights, activation, lossL2, grad, mask, coarse) * idx.length;
        optimizer.step(params, grad);
      }
      lossCurve.push(epochLoss / X.nRows);
    }
    this.keep({ shape, lossCurve }, params);
    return this;
  }

  toJSON(): MlpJson {
    const f = this.state;
    return { kind: MlpClassifier.kind, version: 1, options: this.getParams(), fitted: { shape: f.shape, params: encodeTypedArray(f.params), lossCurve: f.lossCurve } };
  }

  static fromJSON(json: MlpJson): MlpClassifier {
    if (!json || json.kind !== MlpClassifier.kind || json.version !== 1 || !json.fitted?.shape) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${MlpClassifier.kind} (version 1)`);
    }
    const model = new MlpClassifier(stripUndefined(json.options));
    const shape = json.fitted.shape;
    const params = decodeFloat32(json.fitted.params, `${MlpClassifier.kind}.params`);
    if (params.length !== mlpLayout(shape).length) throw new EcommirError('ECM_ERR_BAD_JSON', `${MlpClassifier.kind}: parameter count does not match its shape`);
    model.keep({ shape, lossCurve: json.fitted.lossCurve ?? [] }, params);
    return model;
  }

  protected logits(X: CsrMatrix): Float64Array {
    const f = this.state;
    checkPredictInput(MlpClassifier.kind, X, f.shape.nFeatures);
    return forward(f.params64, f.shape, X, this.options.activation ?? 'relu', null).logits;
  }
}

export interface MlpJson {
  kind: 'MlpClassifier';
  version: 1;
  options: MlpOptions;
  fitted: { shape: MlpShape; params: EncodedTypedArray; lossCurve?: number[] };
}

registerLearner(MlpClassifier);
