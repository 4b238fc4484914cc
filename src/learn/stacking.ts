// Stacked generalisation (Wolpert 1992; scikit-learn's StackingClassifier): differently biased members
// are fitted on all rows, and a small meta-learner combines their probabilities. The meta-learner is
// trained on *out-of-fold* member probabilities (out-of-fold.ts), so it learns how far to trust each
// member on rows that member did not see — not on its over-confident training fit.
import { EcommirError } from '../errors.js';
import { csrFromDense, sliceRows, type CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, notFitted } from './head.js';
import { createLearner, learnerFromJSON, registerLearner, type Learner, type LearnerJson, type LearnerSpec } from './learner.js';
import { outOfFoldProba, sliceFitOptions, withClasses, type EnsembleFitOptions } from './out-of-fold.js';
import './linear-svm.js';
import './naive-bayes.js';
import './knn.js';
import './softmax-regression.js';
import './mlp.js';

export interface StackingOptions {
  members: LearnerSpec[];
  /** The meta-learner. Default softmax regression, l2 1e-3, 300 full-batch Adam steps. */
  meta?: LearnerSpec;
  /** 'proba' (scikit-learn's default) or 'logProba' (the meta-learner then pools members log-linearly). */
  metaInput?: 'proba' | 'logProba';
  /** Folds of the out-of-fold predictions. Default 5. */
  folds?: number;
  seed?: number;
  nClasses?: number;
}

export const DEFAULT_META: LearnerSpec = { kind: 'SoftmaxRegression', options: { l2: 1e-3, epochs: 300, lr: 0.05 } };

interface Fitted {
  nClasses: number;
  members: Learner[];
  meta: Learner;
}

export class StackingClassifier implements Learner {
  static readonly kind = 'StackingClassifier';
  private readonly options: StackingOptions;
  private fitted: Fitted | null = null;

  constructor(options: StackingOptions) {
    if (!options || !Array.isArray(options.members) || options.members.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${StackingClassifier.kind}: needs at least one member`);
    for (const key of Object.keys(options)) if (!['members', 'meta', 'metaInput', 'folds', 'seed', 'nClasses'].includes(key)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${StackingClassifier.kind}: unknown option "${key}"`);
    if (options.metaInput !== undefined && !['proba', 'logProba'].includes(options.metaInput)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${StackingClassifier.kind}: metaInput must be proba or logProba`);
    if (options.folds !== undefined && !(Number.isInteger(options.folds) && options.folds >= 2)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${StackingClassifier.kind}: folds must be an integer ≥ 2`);
    options.members.forEach((m) => createLearner(m)); // validates kinds and options now
    createLearner(options.meta ?? DEFAULT_META);
    this.options = structuredClone(options);
  }

  getParams(): StackingOptions {
    return structuredClone(this.options);
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(StackingClassifier.kind);
    return this.fitted.nClasses;
  }

  /** The fitted members (in option order) and the meta-learner. */
  get parts(): { members: readonly Learner[]; meta: Learner } {
    if (!this.fitted) throw notFitted(StackingClassifier.kind);
    return { members: this.fitted.members, meta: this.fitted.meta };
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions = {}): this {
    const { labels, nClasses: k } = checkFitInput(StackingClassifier.kind, X, y, this.options.nClasses);
    const specs = this.options.members.map((m) => withClasses(m, k));
    const oof = outOfFoldProba(specs, X, labels, { nClasses: k, folds: this.options.folds, seed: this.options.seed, fitOptions });
    const rows = Array.from(oof.scored);
    const Z = sliceRows(this.metaFeatures(oof.proba, X.nRows, k), rows);
    const meta = createLearner(withClasses(this.options.meta ?? DEFAULT_META, k)).fit(Z, Int32Array.from(rows, (i) => labels[i]), sliceFitOptions(fitOptions, rows));
    const all = sliceFitOptions(fitOptions, Array.from({ length: X.nRows }, (_, i) => i));
    const members = specs.map((spec) => createLearner(spec).fit(X, labels, all));
    this.fitted = { nClasses: k, members, meta };
    return this;
  }

  predictProba(X: CsrMatrix): Float32Array {
    if (!this.fitted) throw notFitted(StackingClassifier.kind);
    const f = this.fitted;
    return f.meta.predictProba(this.metaFeatures(f.members.map((m) => m.predictProba(X)), X.nRows, f.nClasses));
  }

  decisionFunction(X: CsrMatrix): Float32Array {
    if (!this.fitted) throw notFitted(StackingClassifier.kind);
    const f = this.fitted;
    return f.meta.decisionFunction(this.metaFeatures(f.members.map((m) => m.predictProba(X)), X.nRows, f.nClasses));
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.predictProba(X), X.nRows, this.nClasses);
  }

  toJSON(): StackingJson {
    if (!this.fitted) throw notFitted(StackingClassifier.kind);
    return { kind: StackingClassifier.kind, version: 1, options: this.getParams(), fitted: { nClasses: this.fitted.nClasses, members: this.fitted.members.map((m) => m.toJSON()), meta: this.fitted.meta.toJSON() } };
  }

  static fromJSON(json: StackingJson): StackingClassifier {
    if (!json || json.kind !== StackingClassifier.kind || json.version !== 1 || !json.fitted || !Array.isArray(json.fitted.members)) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${StackingClassifier.kind} (version 1)`);
    const model = new StackingClassifier(json.options);
    model.fitted = { nClasses: json.fitted.nClasses, members: json.fitted.members.map(learnerFromJSON), meta: learnerFromJSON(json.fitted.meta) };
    // Shapes checked now, not at the first prediction (which failed as if the input were wrong).
    const { nClasses, members, meta } = model.fitted;
    const odd = members.findIndex((m) => m.nClasses !== nClasses);
    if (members.length === 0 || odd >= 0 || meta.nClasses !== nClasses) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `${StackingClassifier.kind}: ${members.length === 0 ? 'no members' : odd >= 0 ? `member ${odd} has ${members[odd].nClasses} classes, the stack ${nClasses}` : `the meta-learner has ${meta.nClasses} classes, the stack ${nClasses}`}`);
    }
    try {
      meta.predictProba(csrFromDense(new Float32Array(0), 0, members.length * nClasses));
    } catch (cause) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `${StackingClassifier.kind}: its meta-learner does not take the ${members.length} members' ${members.length * nClasses} probabilities (${(cause as Error).message})`, { cause });
    }
    return model;
  }

  /** [n, m·k] dense block of the members' probabilities (or their logs), as CSR for the meta-learner. */
  private metaFeatures(probas: readonly Float32Array[], n: number, k: number): CsrMatrix {
    const m = probas.length;
    const log = this.options.metaInput === 'logProba';
    const data = new Float32Array(n * m * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        for (let c = 0; c < k; c++) {
          const p = probas[j][i * k + c];
          // Log-probabilities floored at 1e-4 and shifted to be ≥ 0, so every input is finite and sparse-friendly.
          data[i * m * k + j * k + c] = log ? Math.log(Math.max(p, 1e-4)) - Math.log(1e-4) : p;
        }
      }
    }
    return csrFromDense(data, n, m * k);
  }
}

export interface StackingJson {
  kind: 'StackingClassifier';
  version: 1;
  options: StackingOptions;
  fitted: { nClasses: number; members: LearnerJson[]; meta: LearnerJson };
}

registerLearner(StackingClassifier);
