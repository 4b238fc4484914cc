// Out-of-fold probabilities: what stacking and ensemble selection learn from. Each member is fitted k
// times, each time without one stratified fold, and predicts that fold, so every scored row gets a
// probability from a model that never saw it. Rows of one group (a sample and its augmented copies)
// stay in one fold; rows marked `alwaysTrain` (knowledge rows: synthetic samples) join every training
// part and are never scored.
import { stratifiedKFold } from '../data/split.js';
import { EcommirError } from '../errors.js';
import { sliceRows, type CsrMatrix } from './csr.js';
import type { FitOptions } from './head.js';
import { createLearner, type LearnerSpec } from './learner.js';

export interface EnsembleFitOptions extends FitOptions {
  /** [n] group id per row: rows of one group never straddle a fold boundary. Default: each row its own. */
  groups?: ArrayLike<number>;
  /** [n] truthy = in every training part, never scored out of fold (e.g. synthetic knowledge rows). */
  alwaysTrain?: ArrayLike<number | boolean>;
}

export interface OutOfFoldOptions {
  nClasses: number;
  /** Folds. Default 5 (fewer when there are fewer groups). */
  folds?: number;
  seed?: number;
  fitOptions?: EnsembleFitOptions;
}

export interface OutOfFoldResult {
  /** Per member: [n, k] probabilities; rows that were not scored are zero. */
  proba: Float32Array[];
  /** The rows that have out-of-fold probabilities (ascending). */
  scored: Int32Array;
  folds: { train: number[]; test: number[] }[];
}

/** Fold assignment over groups of the scored rows, stratified by each group's label, expanded to rows. */
export function groupedFolds(y: ArrayLike<number>, options: { folds?: number; seed?: number; groups?: ArrayLike<number>; alwaysTrain?: ArrayLike<number | boolean> }): { train: number[]; test: number[] }[] {
  const n = y.length;
  if (options.groups && options.groups.length !== n) throw new EcommirError('ECM_ERR_BAD_OPTION', `groups has ${options.groups.length} entries for ${n} rows`);
  if (options.alwaysTrain && options.alwaysTrain.length !== n) throw new EcommirError('ECM_ERR_BAD_OPTION', `alwaysTrain has ${options.alwaysTrain.length} entries for ${n} rows`);
  const rowsOf = new Map<number, number[]>();
  const fixed: number[] = [];
  for (let i = 0; i < n; i++) {
    if (options.alwaysTrain?.[i]) {
      fixed.push(i);
      continue;
    }
    const g = options.groups ? options.groups[i] : i;
    let rows = rowsOf.get(g);
    if (!rows) rowsOf.set(g, (rows = []));
    rows.push(i);
  }
  const groupRows = [...rowsOf.values()];
  if (groupRows.length < 2) throw new EcommirError('ECM_ERR_BAD_OPTION', `out-of-fold predictions need at least 2 scored groups, got ${groupRows.length}`);
  const k = Math.min(options.folds ?? 5, groupRows.length);
  const folds = stratifiedKFold(groupRows.map((rows) => String(y[rows[0]])), { k, seed: options.seed ?? 0 });
  return folds.map((fold) => ({
    train: [...fold.train.flatMap((g) => groupRows[g]), ...fixed].sort((a, b) => a - b),
    test: fold.test.flatMap((g) => groupRows[g]).sort((a, b) => a - b),
  }));
}

/** Fit options restricted to `rows` (sample weights follow their rows). */
export function sliceFitOptions(options: FitOptions | undefined, rows: readonly number[]): FitOptions {
  if (!options) return {};
  const out: FitOptions = {};
  if (options.classWeight) out.classWeight = options.classWeight;
  if (options.sampleWeight) out.sampleWeight = Float64Array.from(rows, (i) => options.sampleWeight![i]);
  return out;
}

export function outOfFoldProba(specs: readonly LearnerSpec[], X: CsrMatrix, y: ArrayLike<number>, options: OutOfFoldOptions): OutOfFoldResult {
  const k = options.nClasses;
  const fo = options.fitOptions ?? {};
  const folds = groupedFolds(y, { folds: options.folds, seed: options.seed, groups: fo.groups, alwaysTrain: fo.alwaysTrain });
  const proba = specs.map(() => new Float32Array(X.nRows * k));
  for (const fold of folds) {
    const Xtr = sliceRows(X, fold.train);
    const ytr = Int32Array.from(fold.train, (i) => y[i]);
    const Xte = sliceRows(X, fold.test);
    const fitOptions = sliceFitOptions(fo, fold.train);
    specs.forEach((spec, m) => {
      const p = createLearner(withClasses(spec, k)).fit(Xtr, ytr, fitOptions).predictProba(Xte);
      fold.test.forEach((row, j) => proba[m].set(p.subarray(j * k, (j + 1) * k), row * k));
    });
  }
  const scored = Int32Array.from(folds.flatMap((f) => f.test)).sort();
  return { proba, scored, folds };
}

/** The spec with nClasses set, so a fold missing a class still yields k columns. */
export function withClasses(spec: LearnerSpec, nClasses: number): LearnerSpec {
  return { kind: spec.kind, options: { ...spec.options, nClasses } };
}
