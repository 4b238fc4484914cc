// Naive Bayes for counts or TF-IDF rows, with scikit-learn's formulas:
// multinomial (MultinomialNB): log θ_cj = log(N_cj + α) − log(N_c + α·d), plus the class log prior;
// complement (ComplementNB, Rennie et al. 2003): each class is scored by how unlike the *other* classes
// the row is, w_cj = −log((N_~c,j + α) / Σ_j (N_~c,j + α)) (or normalised, `norm`), which suits
// imbalanced text classes. Both are linear in X, so the parameters use the [W, b] layout of the other
// linear heads (W[j, c] = log θ_cj or w_cj, b[c] = class log prior or 0).

import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, checkPredictInput, notFitted, resolveSampleWeights, softmaxRowsInPlace, type Classifier, type FitOptions } from './head.js';
import { linearLogits } from './linear.js';
import { checkOptions, stripUndefined, type OptionSchema } from './options.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from './typed-json.js';
import { registerLearner } from './learner.js';

export interface NaiveBayesOptions {
  /** 'multinomial' (default) or 'complement'. */
  variant?: 'multinomial' | 'complement';
  /** Additive (Laplace/Lidstone) smoothing. Default 1. */
  alpha?: number;
  /** Multinomial: learn class priors from the (weighted) counts, else uniform. Default true. */
  fitPrior?: boolean;
  /** Complement: normalise each class's weights (the "weight normalisation" of Rennie et al.). Default false. */
  norm?: boolean;
  nClasses?: number;
}

const SCHEMA: OptionSchema = {
  variant: { type: 'enum', values: ['multinomial', 'complement'], optional: true },
  alpha: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  fitPrior: { type: 'boolean', optional: true },
  norm: { type: 'boolean', optional: true },
  nClasses: { type: 'number', min: 1, integer: true, optional: true },
};

/** Log prior of a class with no training sample: finite, so parameter averages (soups) stay defined. */
const ABSENT_CLASS_LOG_PRIOR = -50;

interface Fitted {
  nFeatures: number;
  nClasses: number;
  params: Float32Array;
}

export class NaiveBayes implements Classifier {
  static readonly kind = 'NaiveBayes';
  private readonly options: NaiveBayesOptions;
  private fitted: Fitted | null = null;

  constructor(options: NaiveBayesOptions = {}) {
    checkOptions(NaiveBayes.kind, SCHEMA, options as Record<string, unknown>);
    this.options = { ...options };
  }

  getParams(): NaiveBayesOptions {
    return { ...this.options };
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(NaiveBayes.kind);
    return this.fitted.nClasses;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: FitOptions = {}): this {
    const o = this.options;
    const { labels, nClasses: k } = checkFitInput(NaiveBayes.kind, X, y, o.nClasses);
    const weights = resolveSampleWeights(labels, k, fitOptions);
    const d = X.nCols;
    const alpha = o.alpha ?? 1;
    const featureCount = new Float64Array(k * d); // [k, d]
    const classCount = new Float64Array(k);
    for (let i = 0; i < X.nRows; i++) {
      const c = labels[i];
      classCount[c] += weights[i];
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
        if (X.values[p] < 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${NaiveBayes.kind}: negative value ${X.values[p]} (naive Bayes needs counts or other non-negative features)`, { item: { index: i } });
        featureCount[c * d + X.indices[p]] += weights[i] * X.values[p];
      }
    }
    const params = new Float32Array(d * k + k);
    if ((o.variant ?? 'multinomial') === 'multinomial') {
      for (let c = 0; c < k; c++) {
        let total = 0;
        for (let j = 0; j < d; j++) total += featureCount[c * d + j] + alpha;
        const logTotal = Math.log(total);
        for (let j = 0; j < d; j++) params[j * k + c] = Math.log(featureCount[c * d + j] + alpha) - logTotal;
      }
      const totalCount = classCount.reduce((a, b) => a + b, 0);
      for (let c = 0; c < k; c++) {
        params[d * k + c] = o.fitPrior === false ? -Math.log(k) : classCount[c] > 0 ? Math.log(classCount[c] / totalCount) : ABSENT_CLASS_LOG_PRIOR;
      }
    } else {
      const featureAll = new Float64Array(d);
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) featureAll[j] += featureCount[c * d + j];
      const logged = new Float64Array(d);
      for (let c = 0; c < k; c++) {
        let total = 0;
        for (let j = 0; j < d; j++) total += featureAll[j] + alpha - featureCount[c * d + j];
        let sum = 0;
        for (let j = 0; j < d; j++) {
          logged[j] = Math.log((featureAll[j] + alpha - featureCount[c * d + j]) / total);
          sum += logged[j];
        }
        for (let j = 0; j < d; j++) params[j * k + c] = o.norm ? logged[j] / sum : -logged[j];
      }
      // scikit-learn adds the prior only when there is a single class; the bias stays 0 otherwise.
      if (k === 1) params[d * k] = 0;
    }
    this.fitted = { nFeatures: d, nClasses: k, params };
    return this;
  }

  /** Joint log-likelihood [n, k] (up to a per-row constant). */
  decisionFunction(X: CsrMatrix): Float32Array {
    return Float32Array.from(this.jointLogLikelihood(X));
  }

  predictProba(X: CsrMatrix): Float32Array {
    const jll = this.jointLogLikelihood(X);
    softmaxRowsInPlace(jll, X.nRows, this.fitted!.nClasses);
    return Float32Array.from(jll);
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.jointLogLikelihood(X), X.nRows, this.nClasses);
  }

  parameters(): Float32Array {
    if (!this.fitted) throw notFitted(NaiveBayes.kind);
    return this.fitted.params.slice();
  }

  setParameters(params: ArrayLike<number>): this {
    if (!this.fitted) throw notFitted(NaiveBayes.kind);
    if (params.length !== this.fitted.params.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `${NaiveBayes.kind}: ${params.length} parameters given, the model has ${this.fitted.params.length}`);
    this.fitted = { ...this.fitted, params: Float32Array.from(params) };
    return this;
  }

  toJSON(): NaiveBayesJson {
    if (!this.fitted) throw notFitted(NaiveBayes.kind);
    const f = this.fitted;
    return { kind: NaiveBayes.kind, version: 1, options: this.getParams(), fitted: { nFeatures: f.nFeatures, nClasses: f.nClasses, params: encodeTypedArray(f.params) } };
  }

  static fromJSON(json: NaiveBayesJson): NaiveBayes {
    if (!json || json.kind !== NaiveBayes.kind || json.version !== 1 || !json.fitted) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${NaiveBayes.kind} (version 1)`);
    const model = new NaiveBayes(stripUndefined(json.options));
    const { nFeatures, nClasses } = json.fitted;
    const params = decodeFloat32(json.fitted.params, `${NaiveBayes.kind}.params`);
    if (params.length !== nFeatures * nClasses + nClasses) throw new EcommirError('ECM_ERR_BAD_JSON', `${NaiveBayes.kind}: parameter count does not match ${nFeatures}×${nClasses}`);
    model.fitted = { nFeatures, nClasses, params };
    return model;
  }

  private jointLogLikelihood(X: CsrMatrix): Float64Array {
    if (!this.fitted) throw notFitted(NaiveBayes.kind);
    checkPredictInput(NaiveBayes.kind, X, this.fitted.nFeatures);
    return linearLogits(this.fitted.params, X, this.fitted.nClasses);
  }
}

export interface NaiveBayesJson {
  kind: 'NaiveBayes';
  version: 1;
  options: NaiveBayesOptions;
  fitted: { nFeatures: number; nClasses: number; params: EncodedTypedArray };
}

registerLearner(NaiveBayes);
