// Ensemble selection at the model level: the EcomMIR paper's Algorithm 1 (greedy soup) applied to the
// members' held-out probabilities instead of their weights — sort members by their own held-out score,
// start from the best, and add each next one if the average of the chosen members' probabilities does
// not score worse. Members may differ in kind (a soup needs one architecture; this does not).
// SelectedEnsemble wraps it as a learner: out-of-fold probabilities choose the members, which are then
// refitted on all rows and averaged.
import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, notFitted } from './head.js';
import { createLearner, learnerFromJSON, registerLearner, type Learner, type LearnerJson, type LearnerSpec } from './learner.js';
import { outOfFoldProba, sliceFitOptions, withClasses, type EnsembleFitOptions } from './out-of-fold.js';
import { f1Score } from '../eval/metrics.js';
import './linear-svm.js';
import './naive-bayes.js';
import './knn.js';
import './softmax-regression.js';
import './mlp.js';
import './stacking.js';

export interface EnsembleSelectionResult {
  /** Chosen members (indices into the input), in the order added. */
  members: number[];
  /** Score of the chosen average. */
  score: number;
  /** Each member's own score (input order). */
  individualScores: number[];
}

/** Weighted F1 (scikit-learn's) of the arg-max of `proba` [rows, k] against `y`. */
export function weightedF1OfProba(proba: ArrayLike<number>, y: ArrayLike<number>, k: number): number {
  const n = y.length;
  const pred = argmaxRows(proba, n, k);
  return f1Score(Array.from(y, String), Array.from(pred, String), { average: 'weighted', zeroDivision: 0 });
}

/**
 * Algorithm 1 over probability matrices [n, k] (one per member) and labels y [n]; `score` is
 * higher-is-better (default weighted F1 of the arg-max).
 */
export function greedyEnsembleSelection(
  probas: readonly ArrayLike<number>[],
  y: ArrayLike<number>,
  k: number,
  score: (proba: Float64Array) => number = (p) => weightedF1OfProba(p, y, k),
): EnsembleSelectionResult {
  if (probas.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'ensemble selection needs at least one member');
  const size = y.length * k;
  probas.forEach((p, i) => {
    if (p.length !== size) throw new EcommirError('ECM_ERR_BAD_OPTION', `member ${i} has ${p.length} probabilities, expected ${y.length}×${k}`, { item: { index: i } });
  });
  const individualScores = probas.map((p) => score(Float64Array.from(p)));
  const order = individualScores.map((_, i) => i).sort((a, b) => individualScores[b] - individualScores[a] || a - b);
  const sum = Float64Array.from(probas[order[0]]);
  const members = [order[0]];
  let best = individualScores[order[0]];
  for (const candidate of order.slice(1)) {
    const trial = new Float64Array(size);
    const p = probas[candidate];
    for (let j = 0; j < size; j++) trial[j] = (sum[j] + p[j]) / (members.length + 1);
    const s = score(trial);
    if (s >= best) {
      for (let j = 0; j < size; j++) sum[j] += p[j];
      members.push(candidate);
      best = s;
    }
  }
  return { members, score: best, individualScores };
}

export interface SelectedEnsembleOptions {
  members: LearnerSpec[];
  /** 'greedy' (Algorithm 1 on out-of-fold probabilities, default) or 'all' (plain average, no selection). */
  selection?: 'greedy' | 'all';
  folds?: number;
  seed?: number;
  nClasses?: number;
}

interface Fitted {
  nClasses: number;
  chosen: number[];
  members: Learner[]; // the chosen ones, refitted on all rows
  selection?: EnsembleSelectionResult;
}

export class SelectedEnsemble implements Learner {
  static readonly kind = 'SelectedEnsemble';
  private readonly options: SelectedEnsembleOptions;
  private fitted: Fitted | null = null;

  constructor(options: SelectedEnsembleOptions) {
    if (!options || !Array.isArray(options.members) || options.members.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${SelectedEnsemble.kind}: needs at least one member`);
    for (const key of Object.keys(options)) if (!['members', 'selection', 'folds', 'seed', 'nClasses'].includes(key)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${SelectedEnsemble.kind}: unknown option "${key}"`);
    if (options.selection !== undefined && !['greedy', 'all'].includes(options.selection)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${SelectedEnsemble.kind}: selection must be greedy or all`);
    options.members.forEach((m) => createLearner(m));
    this.options = structuredClone(options);
  }

  getParams(): SelectedEnsembleOptions {
    return structuredClone(this.options);
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(SelectedEnsemble.kind);
    return this.fitted.nClasses;
  }

  /** Which members were chosen (indices into options.members) and the out-of-fold scores behind the choice. */
  get selection(): { chosen: readonly number[]; result?: EnsembleSelectionResult } {
    if (!this.fitted) throw notFitted(SelectedEnsemble.kind);
    return { chosen: this.fitted.chosen, result: this.fitted.selection };
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions = {}): this {
    const { labels, nClasses: k } = checkFitInput(SelectedEnsemble.kind, X, y, this.options.nClasses);
    const specs = this.options.members.map((m) => withClasses(m, k));
    let chosen = specs.map((_, i) => i);
    let selection: EnsembleSelectionResult | undefined;
    if ((this.options.selection ?? 'greedy') === 'greedy' && specs.length > 1) {
      const oof = outOfFoldProba(specs, X, labels, { nClasses: k, folds: this.options.folds, seed: this.options.seed, fitOptions });
      const rows = Array.from(oof.scored);
      const yScored = Int32Array.from(rows, (i) => labels[i]);
      const scoredProba = oof.proba.map((p) => {
        const out = new Float32Array(rows.length * k);
        rows.forEach((r, j) => out.set(p.subarray(r * k, (r + 1) * k), j * k));
        return out;
      });
      selection = greedyEnsembleSelection(scoredProba, yScored, k);
      chosen = selection.members;
    }
    const all = sliceFitOptions(fitOptions, Array.from({ length: X.nRows }, (_, i) => i));
    const members = chosen.map((i) => createLearner(specs[i]).fit(X, labels, all));
    this.fitted = { nClasses: k, chosen, members, selection };
    return this;
  }

  predictProba(X: CsrMatrix): Float32Array {
    if (!this.fitted) throw notFitted(SelectedEnsemble.kind);
    const { members, nClasses: k } = this.fitted;
    const sum = new Float64Array(X.nRows * k);
    for (const m of members) {
      const p = m.predictProba(X);
      for (let j = 0; j < sum.length; j++) sum[j] += p[j];
    }
    return Float32Array.from(sum, (s) => s / members.length);
  }

  /** Log of the averaged probabilities (floored at 1e-6). */
  decisionFunction(X: CsrMatrix): Float32Array {
    return this.predictProba(X).map((p) => Math.log(Math.max(p, 1e-6)));
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.predictProba(X), X.nRows, this.nClasses);
  }

  toJSON(): SelectedEnsembleJson {
    if (!this.fitted) throw notFitted(SelectedEnsemble.kind);
    const f = this.fitted;
    return { kind: SelectedEnsemble.kind, version: 1, options: this.getParams(), fitted: { nClasses: f.nClasses, chosen: f.chosen, members: f.members.map((m) => m.toJSON()), selection: f.selection } };
  }

  static fromJSON(json: SelectedEnsembleJson): SelectedEnsemble {
    if (!json || json.kind !== SelectedEnsemble.kind || json.version !== 1 || !json.fitted || !Array.isArray(json.fitted.members)) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${SelectedEnsemble.kind} (version 1)`);
    const model = new SelectedEnsemble(json.options);
    model.fitted = { nClasses: json.fitted.nClasses, chosen: json.fitted.chosen, members: json.fitted.members.map(learnerFromJSON), selection: json.fitted.selection };
    return model;
  }
}

export interface SelectedEnsembleJson {
  kind: 'SelectedEnsemble';
  version: 1;
  options: SelectedEnsembleOptions;
  fitted: { nClasses: number; chosen: number[]; members: LearnerJson[]; selection?: EnsembleSelectionResult };
}

registerLearner(SelectedEnsemble);
