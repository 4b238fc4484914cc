// Confidences that mean something for any learner: its scores (SVM margins, logits, log-probabilities
// of an ensemble) become probabilities softmax(z/T + α·log π), where the temperature T and the weight
// α of the label-frequency prior π are fitted on *out-of-fold* scores of the training rows — each
// scored by a model that did not see it — by minimising their negative log-likelihood. The training
// fit of a margin learner is nearly separable, so a temperature fitted on it would make every
// confidence 1; out-of-fold scores are what a new sample looks like. Knowledge rows (always-train)
// join every training part and are never scored: their labels are the generator's, not the shoppers'.
//
// π is the label frequency of the real training rows (one count per group, +1 smoothing): training
// with balanced class weights (and uniform synthetic rows) teaches the learner a uniform prior, while
// new samples come with the real frequencies; α = 0 keeps the learner's prior.
import { EcommirError } from '../errors.js';
import { sliceRows, type CsrMatrix } from './csr.js';
import { goldenSectionMinimize } from './golden-section.js';
import { softmaxRowsInPlace } from './head.js';
import { createLearner, type LearnerSpec } from './learner.js';
import { groupedFolds, sliceFitOptions, type EnsembleFitOptions } from './out-of-fold.js';

export interface ScoreCalibration {
  temperature: number;
  /** α: the weight of `logPrior` (0 = none). */
  priorPower: number;
  /** [k] log label frequency of the real training rows. */
  logPrior: number[];
  /** Mean out-of-fold NLL at the chosen (T, α). */
  oofNll: number;
  /** Scored rows behind the fit. */
  nScored: number;
}

export interface OutOfFoldScores {
  /** [rows, k] scores of the scored rows, in `rows` order. */
  scores: Float32Array;
  rows: number[];
}

/** Out-of-fold decision scores of `spec` over the real (not always-train) rows, grouped folds. */
export function outOfFoldScores(spec: LearnerSpec, X: CsrMatrix, y: ArrayLike<number>, fitOptions: EnsembleFitOptions, options: { folds?: number; seed?: number } = {}): OutOfFoldScores {
  const k = (spec.options?.nClasses as number | undefined) ?? Math.max(...Array.from(y)) + 1;
  const folds = groupedFolds(y, { folds: options.folds ?? 5, seed: options.seed ?? 0, groups: fitOptions.groups, alwaysTrain: fitOptions.alwaysTrain });
  const rows = folds.flatMap((f) => f.test);
  const at = new Map(rows.map((r, j) => [r, j]));
  const scores = new Float32Array(rows.length * k);
  for (const fold of folds) {
    const model = createLearner(spec).fit(sliceRows(X, fold.train), Int32Array.from(fold.train, (i) => y[i]), sliceFitOptions(fitOptions, fold.train));
    const z = model.decisionFunction(sliceRows(X, fold.test));
    fold.test.forEach((row, j) => scores.set(z.subarray(j * k, (j + 1) * k), at.get(row)! * k));
  }
  return { scores, rows };
}

/** Log label frequencies of the real rows, one count per group, +1 smoothing. */
export function realLogPrior(y: ArrayLike<number>, k: number, fitOptions: EnsembleFitOptions): number[] {
  const seen = new Set<number>();
  const counts = new Float64Array(k).fill(1);
  for (let i = 0; i < y.length; i++) {
    if (fitOptions.alwaysTrain?.[i]) continue;
    const g = fitOptions.groups ? fitOptions.groups[i] : i;
    if (seen.has(g)) continue;
    seen.add(g);
    counts[y[i]]++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return Array.from(counts, (c) => Math.log(c / total));
}

/** Mean NLL of softmax(z/T + α·logPrior) at `labels`. */
export function calibratedNll(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number, temperature: number, priorPower: number, logPrior: readonly number[]): number {
  const n = labels.length;
  let total = 0;
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      row[c] = scores[i * k + c] / temperature + priorPower * logPrior[c];
      if (row[c] > max) max = row[c];
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(row[c] - max);
    total += Math.log(sum) + max - row[labels[i]];
  }
  return total / n;
}

/** T minimising the NLL for a fixed α: golden-section search on log T over [log 0.01, log 100]. */
export function fitTemperatureWithPrior(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number, priorPower: number, logPrior: readonly number[]): number {
  const f = (logT: number): number => calibratedNll(scores, labels, k, Math.exp(logT), priorPower, logPrior);
  return Math.exp(goldenSectionMinimize(f, Math.log(0.01), Math.log(100), { maxSteps: 100, tolerance: 1e-6 }));
}

/**
 * Fits T (and α among `priorPowers`, default [0]) on given out-of-fold scores: for each α the NLL-best
 * T, then the α with the lowest NLL (ties to the earlier one).
 */
export function fitScoreCalibration(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number, logPrior: readonly number[], priorPowers: readonly number[] = [0]): ScoreCalibration {
  if (labels.length === 0 || scores.length !== labels.length * k) throw new EcommirError('ECM_ERR_BAD_OPTION', `calibration needs ${labels.length}×${k} scores, got ${scores.length}`);
  let best: ScoreCalibration | undefined;
  for (const priorPower of priorPowers) {
    const temperature = fitTemperatureWithPrior(scores, labels, k, priorPower, logPrior);
    const oofNll = calibratedNll(scores, labels, k, temperature, priorPower, logPrior);
    if (!best || oofNll < best.oofNll - 1e-12) best = { temperature, priorPower, logPrior: [...logPrior], oofNll, nScored: labels.length };
  }
  return best!;
}

/** Out-of-fold scores of `spec` inside the training data, then the calibration fitted on them. */
export function fitOutOfFoldCalibration(
  spec: LearnerSpec,
  X: CsrMatrix,
  y: ArrayLike<number>,
  fitOptions: EnsembleFitOptions,
  options: { folds?: number; seed?: number; priorPowers?: readonly number[] } = {},
): ScoreCalibration {
  const k = (spec.options?.nClasses as number | undefined) ?? Math.max(...Array.from(y)) + 1;
  const oof = outOfFoldScores(spec, X, y, fitOptions, options);
  return fitScoreCalibration(oof.scores, Int32Array.from(oof.rows, (i) => y[i]), k, realLogPrior(y, k, fitOptions), options.priorPowers ?? [0]);
}

/** [n, k] probabilities softmax(z/T + α·logPrior) of scores [n, k]. */
export function calibrateScores(scores: ArrayLike<number>, k: number, calibration: Pick<ScoreCalibration, 'temperature' | 'priorPower' | 'logPrior'>): Float32Array {
  const n = scores.length / k;
  const out = new Float64Array(scores.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = scores[i * k + c] / calibration.temperature + calibration.priorPower * calibration.logPrior[c];
  softmaxRowsInPlace(out, n, k);
  return Float32Array.from(out);
}

/** A saved calibration, checked. */
export function parseScoreCalibration(json: unknown, k: number, source: string): ScoreCalibration {
  const c = json as ScoreCalibration;
  const ok =
    c &&
    typeof c === 'object' &&
    Number.isFinite(c.temperature) &&
    c.temperature > 0 &&
    Number.isFinite(c.priorPower) &&
    Array.isArray(c.logPrior) &&
    c.logPrior.length === k &&
    c.logPrior.every((x) => Number.isFinite(x));
  if (!ok) throw new EcommirError('ECM_ERR_BAD_JSON', `${source}: expected {temperature > 0, priorPower, logPrior: ${k} finite numbers}`);
  return { temperature: c.temperature, priorPower: c.priorPower, logPrior: [...c.logPrior], oofNll: Number(c.oofNll), nScored: Number(c.nScored) };
}
