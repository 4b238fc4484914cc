// A weighted log-linear opinion pool of differently biased learners (a product of experts):
//   p(c | x) ∝ exp( Σ_m w_m · log q_m(c | x) + w_π · log π(c) ),
// where q_m = softmax(z_m / T_m) is member m's decision score put on a probability scale by its own
// temperature, π the label frequency of the real training rows, and the weights w ≥ 0 are fitted by
// minimising the negative log-likelihood of *out-of-fold* member scores over the real rows (the NLL is
// convex in w). A weight of 0 drops a member, so the pool also selects; the weights carry the overall
// temperature, so the pooled probabilities come out calibrated. Compared with stacking (a softmax meta
// over m·k inputs) it has m + 1 parameters: a few hundred real rows can fit them without overfitting.
// Knowledge rows (always-train) join every training part and are never scored.
import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, notFitted, softmaxRowsInPlace } from './head.js';
import { createLearner, learnerFromJSON, registerLearner, type Learner, type LearnerJson, type LearnerSpec } from './learner.js';
import { fitScoreCalibration, realLogPrior } from './oof-calibration.js';
import { outOfFoldProba, sliceFitOptions, withClasses, type EnsembleFitOptions } from './out-of-fold.js';
import './linear-svm.js';
import './naive-bayes.js';
import './knn.js';
import './softmax-regression.js';
import './row-subset.js';

export interface LogLinearPoolOptions {
  members: LearnerSpec[];
  /** Pool the real rows' label frequencies as one more expert (its weight fitted too). Default true. */
  prior?: boolean;
  /** Folds of the out-of-fold scores. Default 5. */
  folds?: number;
  seed?: number;
  nClasses?: number;
}

interface Fitted {
  nClasses: number;
  members: Learner[];
  temperatures: number[];
  weights: number[];
  priorWeight: number;
  logPrior: number[];
  /** Mean out-of-fold NLL of the pool, and of each member alone (temperature-scaled). */
  oofNll: number;
  memberNll: number[];
}

/** Row-wise log softmax(z / T) of scores [n, k], in place into `out`. */
function logSoftmaxScaled(z: ArrayLike<number>, n: number, k: number, temperature: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c] / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[i * k + c] / temperature - max);
    const lse = Math.log(sum) + max;
    for (let c = 0; c < k; c++) out[i * k + c] = z[i * k + c] / temperature - lse;
  }
}

/**
 * Weights w ≥ 0 (one per matrix of log-probabilities [n, k]) minimising the mean NLL of
 * softmax(Σ_m w_m·L_m) at `labels`: projected gradient descent with backtracking. Exported for tests.
 */
export function fitPoolWeights(logProbas: readonly Float64Array[], labels: ArrayLike<number>, k: number, iterations = 300): { weights: number[]; nll: number } {
  const m = logProbas.length;
  const n = labels.length;
  const nllAndGrad = (w: number[], grad: number[] | null): number => {
    let total = 0;
    if (grad) grad.fill(0);
    const s = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let v = 0;
        for (let j = 0; j < m; j++) v += w[j] * logProbas[j][i * k + c];
        s[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(s[c] - max);
      const lse = Math.log(sum) + max;
      total += lse - s[labels[i]];
      if (grad) {
        for (let j = 0; j < m; j++) {
          let expected = 0;
          for (let c = 0; c < k; c++) expected += Math.exp(s[c] - lse) * logProbas[j][i * k + c];
          grad[j] += (expected - logProbas[j][i * k + labels[i]]) / n;
        }
      }
    }
    return total / n;
  };
  let w = new Array<number>(m).fill(1 / Math.max(1, m));
  const grad = new Array<number>(m).fill(0);
  let f = nllAndGrad(w, grad);
  let step = 1;
  for (let it = 0; it < iterations; it++) {
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const next = w.map((x, j) => Math.max(0, x - step * grad[j]));
      const fn = nllAndGrad(next, null);
      if (fn < f - 1e-12) {
        w = next;
        f = nllAndGrad(w, grad);
        step *= 1.5;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { weights: w, nll: f };
}

export class LogLinearPool implements Learner {
  static readonly kind = 'LogLinearPool';
  private readonly options: LogLinearPoolOptions;
  private fitted: Fitted | null = null;

  constructor(options: LogLinearPoolOptions) {
    if (!options || !Array.isArray(options.members) || options.members.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${LogLinearPool.kind}: needs at least one member`);
    for (const key of Object.keys(options)) if (!['members', 'prior', 'folds', 'seed', 'nClasses'].includes(key)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${LogLinearPool.kind}: unknown option "${key}"`);
    if (options.folds !== undefined && !(Number.isInteger(options.folds) && options.folds >= 2)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${LogLinearPool.kind}: folds must be an integer ≥ 2`);
    options.members.forEach((m) => createLearner(m));
    this.options = structuredClone(options);
  }

  getParams(): LogLinearPoolOptions {
    return structuredClone(this.options);
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(LogLinearPool.kind);
    return this.fitted.nClasses;
  }

  /** The fitted pool: member temperatures and weights, the prior's weight, out-of-fold NLLs. */
  get pool(): Omit<Fitted, 'members'> {
    if (!this.fitted) throw notFitted(LogLinearPool.kind);
    const { members: _members, ...rest } = this.fitted;
    return rest;
  }

  /** The fitted members, in option order. */
  get members(): readonly Learner[] {
    if (!this.fitted) throw notFitted(LogLinearPool.kind);
    return this.fitted.members;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions = {}): this {
    const { labels, nClasses: k } = checkFitInput(LogLinearPool.kind, X, y, this.options.nClasses);
    const specs = this.options.members.map((m) => withClasses(m, k));
    const oof = outOfFoldProba(specs, X, labels, { nClasses: k, folds: this.options.folds, seed: this.options.seed, fitOptions, output: 'decision' });
    const rows = Array.from(oof.scored);
    const n = rows.length;
    const yScored = Int32Array.from(rows, (i) => labels[i]);
    const flat = new Array<number>(k).fill(0);
    const temperatures: number[] = [];
    const memberNll: number[] = [];
    const logProbas: Float64Array[] = oof.proba.map((z) => {
      const scored = new Float32Array(n * k);
      rows.forEach((r, j) => scored.set(z.subarray(r * k, (r + 1) * k), j * k));
      const calibration = fitScoreCalibration(scored, yScored, k, flat);
      temperatures.push(calibration.temperature);
      memberNll.push(calibration.oofNll);
      const out = new Float64Array(n * k);
      logSoftmaxScaled(scored, n, k, calibration.temperature, out);
      return out;
    });
    const logPrior = realLogPrior(labels, k, fitOptions);
    const usePrior = this.options.prior ?? true;
    if (usePrior) logProbas.push(Float64Array.from({ length: n * k }, (_, j) => logPrior[j % k]));
    const { weights, nll } = fitPoolWeights(logProbas, yScored, k);
    const all = sliceFitOptions(fitOptions, Array.from({ length: X.nRows }, (_, i) => i));
    // A member with weight 0 is not consulted at prediction, so it need not be refitted.
    const members = specs.map((spec, j) => (weights[j] > 0 ? createLearner(spec).fit(X, labels, all) : createLearner(spec)));
    this.fitted = {
      nClasses: k,
      members,
      temperatures,
      weights: weights.slice(0, specs.length),
      priorWeight: usePrior ? weights[specs.length] : 0,
      logPrior,
      oofNll: nll,
      memberNll,
    };
    return this;
  }

  /** The pooled log-scores Σ_m w_m·log q_m + w_π·log π (their softmax is predictProba). */
  decisionFunction(X: CsrMatrix): Float32Array {
    if (!this.fitted) throw notFitted(LogLinearPool.kind);
    const f = this.fitted;
    const k = f.nClasses;
    const n = X.nRows;
    const s = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) s[i * k + c] = f.priorWeight * f.logPrior[c];
    const buffer = new Float64Array(n * k);
    f.members.forEach((member, j) => {
      if (!(f.weights[j] > 0)) return;
      logSoftmaxScaled(member.decisionFunction(X), n, k, f.temperatures[j], buffer);
      for (let t = 0; t < s.length; t++) s[t] += f.weights[j] * buffer[t];
    });
    return Float32Array.from(s);
  }

  predictProba(X: CsrMatrix): Float32Array {
    const s = Float64Array.from(this.decisionFunction(X));
    softmaxRowsInPlace(s, X.nRows, this.nClasses);
    return Float32Array.from(s);
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.decisionFunction(X), X.nRows, this.nClasses);
  }

  toJSON(): LogLinearPoolJson {
    if (!this.fitted) throw notFitted(LogLinearPool.kind);
    const f = this.fitted;
    return {
      kind: LogLinearPool.kind,
      version: 1,
      options: this.getParams(),
      fitted: { ...this.pool, members: f.members.map((m, j) => (f.weights[j] > 0 ? m.toJSON() : null)) },
    };
  }

  static fromJSON(json: LogLinearPoolJson): LogLinearPool {
    if (!json || json.kind !== LogLinearPool.kind || json.version !== 1 || !json.fitted || !Array.isArray(json.fitted.members)) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${LogLinearPool.kind} (version 1)`);
    const model = new LogLinearPool(json.options);
    const f = json.fitted;
    const m = json.options.members.length;
    const finite = (xs: unknown, len: number) => Array.isArray(xs) && xs.length === len && xs.every((x) => Number.isFinite(x));
    if (f.members.length !== m || !finite(f.weights, m) || !finite(f.temperatures, m) || !finite(f.logPrior, f.nClasses) || !Number.isFinite(f.priorWeight)) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `${LogLinearPool.kind}: members, weights and temperatures must match the ${m} members, the prior the ${f.nClasses} classes`);
    }
    const members = f.members.map((j, i) => (j === null ? createLearner(withClasses(json.options.members[i], f.nClasses)) : learnerFromJSON(j)));
    model.fitted = { nClasses: f.nClasses, members, temperatures: f.temperatures, weights: f.weights, priorWeight: f.priorWeight, logPrior: f.logPrior, oofNll: f.oofNll, memberNll: f.memberNll };
    return model;
  }
}

export interface LogLinearPoolJson {
  kind: 'LogLinearPool';
  version: 1;
  options: LogLinearPoolOptions;
  fitted: Omit<Fitted, 'members'> & { members: (LearnerJson | null)[] };
}

registerLearner(LogLinearPool);
