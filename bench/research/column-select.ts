// Prototype for rule Z (docs/decision-rules.md): a learner that reads only some column ranges of its input,
// each rescaled, so a stack member can see the dense visual blocks alone, at unit weight, instead of as a
// few hundred columns at weight 0.03 beside tens of thousands of text columns. Ranges are given like
// Python slices, negative positions counting from the end: the dense blocks are the last columns of
// every scene matrix, whatever the size of the fold's text vocabulary. Registered at run time by the
// screen; it moves to src/learn only if the rule adopts it.
import { EcommirError } from '../../src/errors.js';
import type { CsrMatrix } from '../../src/learn/csr.js';
import { checkFitInput, notFitted } from '../../src/learn/head.js';
import { createLearner, learnerFromJSON, registerLearner, type Learner, type LearnerJson, type LearnerSpec } from '../../src/learn/learner.js';
import { withClasses, type EnsembleFitOptions } from '../../src/learn/out-of-fold.js';

export interface ColumnSlice {
  /** First column; negative counts from the end. */
  start: number;
  /** One past the last column; negative counts from the end; absent = to the end. */
  end?: number;
  /** Factor on the slice's values. Default 1. */
  scale?: number;
}

export interface ColumnSelectOptions {
  slices: ColumnSlice[];
  learner: LearnerSpec;
  nClasses?: number;
}

/** The selected columns of `m`, renumbered from 0 in slice order, values scaled. */
export function selectColumns(m: CsrMatrix, slices: readonly ColumnSlice[]): CsrMatrix {
  const at = (p: number) => (p < 0 ? m.nCols + p : p);
  const ranges = slices.map((s) => ({ from: at(s.start), to: s.end === undefined ? m.nCols : at(s.end), scale: s.scale ?? 1 }));
  for (const r of ranges) if (!(r.from >= 0 && r.from <= r.to && r.to <= m.nCols)) throw new EcommirError('ECM_ERR_BAD_OPTION', `column slice [${r.from}, ${r.to}) outside a matrix of ${m.nCols} columns`);
  const offsets: number[] = [];
  let nCols = 0;
  for (const r of ranges) {
    offsets.push(nCols);
    nCols += r.to - r.from;
  }
  const indptr = new Int32Array(m.nRows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let row = 0; row < m.nRows; row++) {
    ranges.forEach((r, j) => {
      for (let e = m.indptr[row]; e < m.indptr[row + 1]; e++) {
        const c = m.indices[e];
        if (c >= r.from && c < r.to) {
          indices.push(c - r.from + offsets[j]);
          values.push(m.values[e] * r.scale);
        }
      }
    });
    indptr[row + 1] = indices.length;
  }
  return { nRows: m.nRows, nCols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

export class ColumnSelectLearner implements Learner {
  static readonly kind = 'ColumnSelect';
  private readonly options: ColumnSelectOptions;
  private fitted: { nClasses: number; inner: Learner } | null = null;

  constructor(options: ColumnSelectOptions) {
    if (!options || !Array.isArray(options.slices) || options.slices.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${ColumnSelectLearner.kind}: needs at least one slice`);
    createLearner(options.learner);
    this.options = structuredClone(options);
  }

  getParams(): ColumnSelectOptions {
    return structuredClone(this.options);
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(ColumnSelectLearner.kind);
    return this.fitted.nClasses;
  }

  private get inner(): Learner {
    if (!this.fitted) throw notFitted(ColumnSelectLearner.kind);
    return this.fitted.inner;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions = {}): this {
    const { labels, nClasses: k } = checkFitInput(ColumnSelectLearner.kind, X, y, this.options.nClasses);
    const inner = createLearner(withClasses(this.options.learner, k)).fit(selectColumns(X, this.options.slices), labels, fitOptions);
    this.fitted = { nClasses: k, inner };
    return this;
  }

  predictProba(X: CsrMatrix): Float32Array {
    return this.inner.predictProba(selectColumns(X, this.options.slices));
  }

  decisionFunction(X: CsrMatrix): Float32Array {
    return this.inner.decisionFunction(selectColumns(X, this.options.slices));
  }

  predict(X: CsrMatrix): Int32Array {
    return this.inner.predict(selectColumns(X, this.options.slices));
  }

  toJSON(): ColumnSelectJson {
    return { kind: ColumnSelectLearner.kind, version: 1, options: this.getParams(), fitted: { nClasses: this.nClasses, inner: this.inner.toJSON() } };
  }

  static fromJSON(json: ColumnSelectJson): ColumnSelectLearner {
    if (!json || json.kind !== ColumnSelectLearner.kind || json.version !== 1 || !json.fitted) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${ColumnSelectLearner.kind} (version 1)`);
    const model = new ColumnSelectLearner(json.options);
    model.fitted = { nClasses: json.fitted.nClasses, inner: learnerFromJSON(json.fitted.inner) };
    return model;
  }
}

export interface ColumnSelectJson {
  kind: 'ColumnSelect';
  version: 1;
  options: ColumnSelectOptions;
  fitted: { nClasses: number; inner: LearnerJson };
}

registerLearner(ColumnSelectLearner);
