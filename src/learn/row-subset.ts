// A learner fitted on one kind of training row only: the knowledge rows (synthetic samples written from
// the label definitions) or the real rows. As an ensemble member it makes experts that are biased
// differently on purpose — one that knows only what the knowledge says, one that knows only what real
// shoppers wrote — for the ensemble to weigh on out-of-fold scores of real rows. Rows are told apart
// by the `alwaysTrain` mark the recognisers set on knowledge rows.
import { EcommirError } from '../errors.js';
import type { CsrMatrix } from './csr.js';
import { sliceRows } from './csr.js';
import { checkFitInput, notFitted } from './head.js';
import { createLearner, learnerFromJSON, registerLearner, type Learner, type LearnerJson, type LearnerSpec } from './learner.js';
import { sliceFitOptions, withClasses, type EnsembleFitOptions } from './out-of-fold.js';

export interface RowSubsetOptions {
  rows: 'knowledge' | 'real';
  learner: LearnerSpec;
  nClasses?: number;
}

export class RowSubsetLearner implements Learner {
  static readonly kind = 'RowSubset';
  private readonly options: RowSubsetOptions;
  private fitted: { nClasses: number; inner: Learner } | null = null;

  constructor(options: RowSubsetOptions) {
    if (!options || !['knowledge', 'real'].includes(options.rows)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${RowSubsetLearner.kind}: rows must be knowledge or real`);
    for (const key of Object.keys(options)) if (!['rows', 'learner', 'nClasses'].includes(key)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${RowSubsetLearner.kind}: unknown option "${key}"`);
    createLearner(options.learner);
    this.options = structuredClone(options);
  }

  getParams(): RowSubsetOptions {
    return structuredClone(this.options);
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(RowSubsetLearner.kind);
    return this.fitted.nClasses;
  }

  /** The fitted learner inside. */
  get inner(): Learner {
    if (!this.fitted) throw notFitted(RowSubsetLearner.kind);
    return this.fitted.inner;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions = {}): this {
    const { labels, nClasses: k } = checkFitInput(RowSubsetLearner.kind, X, y, this.options.nClasses);
    const wantKnowledge = this.options.rows === 'knowledge';
    const rows: number[] = [];
    for (let i = 0; i < X.nRows; i++) if (Boolean(fitOptions.alwaysTrain?.[i]) === wantKnowledge) rows.push(i);
    if (rows.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${RowSubsetLearner.kind}: no ${this.options.rows} rows to fit on`);
    const inner = createLearner(withClasses(this.options.learner, k)).fit(sliceRows(X, rows), Int32Array.from(rows, (i) => labels[i]), sliceFitOptions(fitOptions, rows));
    this.fitted = { nClasses: k, inner };
    return this;
  }

  predictProba(X: CsrMatrix): Float32Array {
    return this.inner.predictProba(X);
  }

  decisionFunction(X: CsrMatrix): Float32Array {
    return this.inner.decisionFunction(X);
  }

  predict(X: CsrMatrix): Int32Array {
    return this.inner.predict(X);
  }

  toJSON(): RowSubsetJson {
    return { kind: RowSubsetLearner.kind, version: 1, options: this.getParams(), fitted: { nClasses: this.nClasses, inner: this.inner.toJSON() } };
  }

  static fromJSON(json: RowSubsetJson): RowSubsetLearner {
    if (!json || json.kind !== RowSubsetLearner.kind || json.version !== 1 || !json.fitted) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${RowSubsetLearner.kind} (version 1)`);
    const model = new RowSubsetLearner(json.options);
    model.fitted = { nClasses: json.fitted.nClasses, inner: learnerFromJSON(json.fitted.inner) };
    return model;
  }
}

export interface RowSubsetJson {
  kind: 'RowSubset';
  version: 1;
  options: RowSubsetOptions;
  fitted: { nClasses: number; inner: LearnerJson };
}

registerLearner(RowSubsetLearner);
