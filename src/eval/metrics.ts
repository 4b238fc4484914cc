// Classification metrics that give the same numbers as scikit-learn 1.2 for single-label
// multiclass targets (the challenge's official scorer is sklearn's weighted F1), including its
// label set, its zero-division conventions and its averaging rules. Comments name the sklearn
// behaviour each branch reproduces, because "almost the same" metric silently moves a leaderboard.
import { EcommirError } from '../errors.js';

export type Average = 'weighted' | 'macro' | 'micro';
/** sklearn's `zero_division`: 'warn' behaves as 0 (we do not print warnings). */
export type ZeroDivision = 'warn' | 0 | 1;

export interface MetricOptions {
  /** The labels to report, in this order. Default: sorted union of yTrue and yPred (numpy.unique order). */
  labels?: readonly string[];
  /** Default null (per-class arrays), as sklearn's precision_recall_fscore_support. */
  average?: Average | null;
  zeroDivision?: ZeroDivision;
}

export interface PerClassScores {
  labels: string[];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
  /** sklearn returns None for the support of an average. */
  support: null;
}

/** Code-point order, as numpy sorts unicode strings (NOT localeCompare, which orders by pinyin/collation). */
export function compareCodePoints(a: string, b: string): number {
  // JavaScript's < compares UTF-16 code units; that differs from code points only for astral
  // characters against U+E000–U+FFFF, so compare by code point explicitly.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const da = ca.value.codePointAt(0)!;
    const db = cb.value.codePointAt(0)!;
    if (da !== db) return da < db ? -1 : 1;
  }
}

/** sklearn's unique_labels for string targets: the sorted set of every label seen. */
export function uniqueLabels(...arrays: readonly (readonly string[])[]): string[] {
  const set = new Set<string>();
  for (const a of arrays) for (const x of a) set.add(x);
  return [...set].sort(compareCodePoints);
}

function checkTargets(yTrue: readonly string[], yPred: readonly string[]): void {
  // A string is array-like too: f1Score('abc', 'abd') scored its characters.
  for (const [name, y] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    if (!Array.isArray(y)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${name} must be a list of labels, got ${y === null ? 'null' : typeof y}`);
  }
  if (yTrue.length !== yPred.length) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `yTrue and yPred have different lengths (${yTrue.length} vs ${yPred.length})`,
    );
  }
  for (let i = 0; i < yTrue.length; i++) {
    if (typeof yTrue[i] !== 'string' || typeof yPred[i] !== 'string') {
      throw new EcommirError('ECM_ERR_BAD_OPTION', 'labels must be strings', { item: { index: i } });
    }
  }
}

function checkZeroDivision(z: unknown): ZeroDivision {
  if (z === undefined) return 'warn';
  if (z === 'warn' || z === 0 || z === 1) return z;
  throw new EcommirError('ECM_ERR_BAD_OPTION', `zeroDivision must be 'warn', 0 or 1, got ${String(z)}`);
}

function checkAverage(a: unknown): Average | null {
  if (a === undefined || a === null) return null;
  if (a === 'weighted' || a === 'macro' || a === 'micro') return a;
  throw new EcommirError('ECM_ERR_BAD_OPTION', `average must be 'weighted', 'macro', 'micro' or null, got ${String(a)}`);
}

/**
 * Per-label true-positive, predicted and true counts (sklearn's multilabel_confusion_matrix sums).
 * Samples whose labels are outside `labels` count for none of them.
 */
function countSums(yTrue: readonly string[], yPred: readonly string[], labels: readonly string[]) {
  const index = new Map<string, number>();
  labels.forEach((l, i) => {
    if (!index.has(l)) index.set(l, i);
  });
  const n = labels.length;
  const tp = new Float64Array(n); // [nLabels]
  const predSum = new Float64Array(n); // [nLabels]
  const trueSum = new Float64Array(n); // [nLabels]
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined) trueSum[t]++;
    if (p !== undefined) predSum[p]++;
    if (t !== undefined && t === p) tp[t]++;
  }
  return { tp, predSum, trueSum };
}

/** sklearn's _prf_divide: x/y, and the zero-division value where y is 0. */
function prfDivide(num: Float64Array, den: Float64Array, zeroDivision: ZeroDivision): Float64Array {
  const zeroValue = zeroDivision === 1 ? 1 : 0;
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) out[i] = den[i] === 0 ? zeroValue : num[i] / den[i];
  return out;
}

function weightedMean(values: Float64Array, weights: Float64Array | null): number {
  // numpy.average: sum(v*w)/sum(w), or the plain mean without weights.
  let s = 0;
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    const wi = weights ? weights[i] : 1;
    s += values[i] * wi;
    w += wi;
  }
  return s / w;
}

/**
 * scikit-learn's precision_recall_fscore_support (beta = 1). With `average` null it returns the
 * per-class arrays for `labels` (default: sorted union of both targets); with an average it
 * returns the averaged precision, recall and F1 and a null support.
 */
export function precisionRecallFscoreSupport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: MetricOptions & { average: Average },
): AveragedScores;
export function precisionRecallFscoreSupport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options?: MetricOptions & { average?: null },
): PerClassScores;
export function precisionRecallFscoreSupport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options?: MetricOptions,
): PerClassScores | AveragedScores;
export function precisionRecallFscoreSupport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: MetricOptions = {},
): PerClassScores | AveragedScores {
  checkTargets(yTrue, yPred);
  const average = checkAverage(options.average);
  const zeroDivision = checkZeroDivision(options.zeroDivision);
  const present = uniqueLabels(yTrue, yPred);
  const labels = options.labels ? [...options.labels] : present;
  if (options.labels && labels.length === 0) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', 'labels must not be empty');
  }
  let { tp, predSum, trueSum } = countSums(yTrue, yPred, labels);

  if (average === 'micro') {
    // sklearn sums the counts over the requested labels before dividing.
    const sum = (a: Float64Array) => Float64Array.of(a.reduce((x, y) => x + y, 0));
    tp = sum(tp);
    predSum = sum(predSum);
    trueSum = sum(trueSum);
  }

  const precision = prfDivide(tp, predSum, zeroDivision);
  const recall = prfDivide(tp, trueSum, zeroDivision);
  const f1 = new Float64Array(precision.length);
  for (let i = 0; i < f1.length; i++) {
    // sklearn: denom = p + r, with 0 replaced by 1; so F is 1 only when p = r = 1 by zero_division.
    const denom = precision[i] + recall[i];
    f1[i] = (2 * precision[i] * recall[i]) / (denom === 0 ? 1 : denom);
  }

  if (average === null) {
    return {
      labels,
      precision: [...precision],
      recall: [...recall],
      f1: [...f1],
      support: [...trueSum],
    };
  }

  let weights: Float64Array | null = null;
  if (average === 'weighted') {
    weights = trueSum;
    const totalWeight = trueSum.reduce((x, y) => x + y, 0);
    if (totalWeight === 0) {
      // sklearn: no true sample of any requested label.
      const zeroValue = zeroDivision === 1 ? 1 : 0;
      const totalPred = predSum.reduce((x, y) => x + y, 0);
      if (totalPred === 0) return { precision: zeroValue, recall: zeroValue, f1: zeroValue, support: null };
      return { precision: 0, recall: zeroValue, f1: 0, support: null };
    }
  }
  return {
    precision: weightedMean(precision, weights),
    recall: weightedMean(recall, weights),
    f1: weightedMean(f1, weights),
    support: null,
  };
}

/** scikit-learn's f1_score; `average` defaults to 'weighted' (the challenge's metric), not sklearn's 'binary'. */
export function f1Score(yTrue: readonly string[], yPred: readonly string[], options: MetricOptions & { average?: Average } = {}): number {
  return precisionRecallFscoreSupport(yTrue, yPred, { ...options, average: options.average ?? 'weighted' }).f1;
}

/** scikit-learn's accuracy_score: the fraction of exact matches. */
export function accuracyScore(yTrue: readonly string[], yPred: readonly string[]): number {
  checkTargets(yTrue, yPred);
  if (yTrue.length === 0) return NaN; // numpy's mean of an empty array
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

export interface ConfusionMatrix {
  labels: string[];
  /** counts[i][j]: samples whose true label is labels[i] and predicted label labels[j]. */
  counts: number[][];
}

/** scikit-learn's confusion_matrix: rows are true labels, columns predictions; samples outside `labels` are left out. */
export function confusionMatrix(yTrue: readonly string[], yPred: readonly string[], options: { labels?: readonly string[] } = {}): ConfusionMatrix {
  checkTargets(yTrue, yPred);
  const labels = options.labels ? [...options.labels] : uniqueLabels(yTrue, yPred);
  if (options.labels && labels.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'labels must not be empty');
  const index = new Map<string, number>();
  labels.forEach((l, i) => {
    if (!index.has(l)) index.set(l, i);
  });
  const counts = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined && p !== undefined) counts[t][p]++;
  }
  return { labels, counts };
}

export interface ReportRow {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** sklearn's classification_report(output_dict=True), with camel-case keys. */
export interface ClassificationReport {
  labels: string[];
  perClass: Record<string, ReportRow>;
  /** Present when the labels cover every label seen (sklearn then prints "accuracy" instead of "micro avg"). */
  accuracy?: number;
  /** Present instead of accuracy when a `labels` subset was given. */
  microAvg?: ReportRow;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
}

export function classificationReport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: { labels?: readonly string[]; zeroDivision?: ZeroDivision } = {},
): ClassificationReport {
  const per = precisionRecallFscoreSupport(yTrue, yPred, { labels: options.labels, zeroDivision: options.zeroDivision, average: null });
  const perClass: Record<string, ReportRow> = {};
  per.labels.forEach((l, i) => {
    perClass[l] = { precision: per.precision[i], recall: per.recall[i], f1: per.f1[i], support: per.support[i] };
  });
  const totalSupport = per.support.reduce((x, y) => x + y, 0);
  const avg = (average: Average): ReportRow => {
    const s = precisionRecallFscoreSupport(yTrue, yPred, { labels: per.labels, zeroDivision: options.zeroDivision, average });
    return { precision: s.precision, recall: s.recall, f1: s.f1, support: totalSupport };
  };
  const present = uniqueLabels(yTrue, yPred);
  const labelSet = new Set(per.labels);
  const microIsAccuracy = !options.labels || (labelSet.size === present.length && present.every((l) => labelSet.has(l)));
  const report: ClassificationReport = { labels: per.labels, perClass, macroAvg: avg('macro'), weightedAvg: avg('weighted') };
  // sklearn reports the micro-averaged precision under "accuracy".
  if (microIsAccuracy) report.accuracy = avg('micro').precision;
  else report.microAvg = avg('micro');
  return report;
}
