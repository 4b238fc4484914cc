// Stratified k-fold cross-validation of a whole recogniser (features fitted inside each fold, so
// nothing of a test fold leaks into its model), repeated over seeds: with 4 to 40 samples a label,
// one fold's gain can be luck, so what is reported is the mean (and spread) over folds and seeds.
// Grouped samples (a source image and its copies) stay on one side of every split; extra training
// data that is never scored (synthetic knowledge samples) joins every training fold and no test fold.
// nested-cv.ts adds the selection of a configuration inside each training fold; transfer.ts the
// knowledge-transfer protocol. All three return an `Estimate` (out-of-fold predictions + summary).
import { stratifiedGroupKFold, type Split } from '../data/split.js';
import { EcommirError } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Prediction, Sample } from '../types.js';
import { evaluateLabels, type TaskEvaluation } from './evaluate.js';

export interface FoldModel {
  predictMany(samples: readonly Sample[]): Promise<Prediction[]>;
}

/** Fits a model on training samples; `seed` is the outer seed of the run. */
export type FitFn = (train: readonly Sample[], seed: number) => Promise<FoldModel>;

export interface SplitOptions {
  /**
   * Samples with the same key stay on one side of every split (a source image and its augmented
   * copies, samples that share an image). Default: every sample is its own group.
   */
  groupOf?: (sample: Sample) => string;
  /**
   * Added to every training fold (and every inner training fold), never to a test fold and never
   * scored: synthetic knowledge samples, for instance. Their ids must not be among the scored ones.
   */
  extraTraining?: readonly Sample[];
}

export interface CrossValidationOptions extends SplitOptions {
  k?: number;
  seeds?: number[];
  /** Called after each fold: for progress lines. */
  onFold?: (info: { seed: number; fold: number; k: number; weightedF1: number }) => void;
}

/** What every protocol (CV, nested CV, knowledge transfer) reports for one task. */
export interface Estimate {
  seeds: number[];
  /** Weighted F1 of each seed's pooled out-of-fold predictions (fine labels). */
  seedWeightedF1: number[];
  mean: { weightedF1: number; macroF1: number; accuracy: number; coarseWeightedF1: number; coarseMacroF1: number };
  std: { weightedF1: number };
  /** The first seed's out-of-fold evaluation (per-class report, confusion). */
  first: TaskEvaluation;
  /** The first seed's out-of-fold predictions, in sample order. */
  predictions: Prediction[];
  /** Every seed's out-of-fold predicted fine labels, [seed][sample] in sample order (for pooling). */
  seedLabels: string[][];
}

export interface CrossValidationResult extends Estimate {
  k: number;
  /** Weighted F1 of each fold (all seeds). */
  foldWeightedF1: number[];
}

export async function crossValidate(
  samples: readonly Sample[],
  fit: FitFn,
  taxonomy: Taxonomy,
  options: CrossValidationOptions = {},
): Promise<CrossValidationResult> {
  return runOuterFolds(samples, taxonomy, options, async (train, _test, seed) => fit(train, seed));
}

/**
 * The outer loop shared by plain and nested CV: for each seed, stratified (grouped) folds; `fitFold`
 * gets the training fold (with the extra training samples appended) and returns the fold's model.
 */
export async function runOuterFolds(
  samples: readonly Sample[],
  taxonomy: Taxonomy,
  options: CrossValidationOptions,
  fitFold: (train: readonly Sample[], test: readonly Sample[], seed: number, fold: number) => Promise<FoldModel>,
): Promise<CrossValidationResult> {
  const k = options.k ?? 5;
  const seeds = options.seeds ?? [0, 1, 2];
  const extra = checkExtraTraining(samples, options.extraTraining);
  const gold = goldLabels(samples);
  const perSeed: Prediction[][] = [];
  const foldWeightedF1: number[] = [];
  for (const seed of seeds) {
    const predictions: Prediction[] = new Array(samples.length);
    for (const [f, fold] of foldsOf(samples, { k, seed, groupOf: options.groupOf }).entries()) {
      const testSamples = fold.test.map((i) => samples[i]);
      const model = await fitFold([...fold.train.map((i) => samples[i]), ...extra], testSamples, seed, f);
      const predicted = await model.predictMany(testSamples);
      if (predicted.length !== testSamples.length) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `the fold model returned ${predicted.length} predictions for ${testSamples.length} samples`);
      }
      fold.test.forEach((i, j) => (predictions[i] = predicted[j]));
      const foldScore = evaluateLabels(fold.test.map((i) => gold[i]), predicted.map((p) => p.label)).weightedF1;
      foldWeightedF1.push(foldScore);
      options.onFold?.({ seed, fold: f, k, weightedF1: foldScore });
    }
    perSeed.push(predictions);
  }
  return { k, foldWeightedF1, ...summarizeEstimate(samples, seeds, perSeed, taxonomy) };
}

/** Stratified k folds of `samples` by gold label, over groups when `groupOf` is given. */
export function foldsOf(samples: readonly Sample[], options: { k: number; seed: number; groupOf?: (s: Sample) => string }): Split[] {
  const groups = options.groupOf ? samples.map(options.groupOf) : undefined;
  return stratifiedGroupKFold(goldLabels(samples), groups, { k: options.k, seed: options.seed });
}

/** Means and spreads over seeds of per-seed predictions of every sample (each in sample order). */
export function summarizeEstimate(samples: readonly Sample[], seeds: readonly number[], perSeed: readonly Prediction[][], taxonomy: Taxonomy): Estimate {
  if (perSeed.length === 0 || perSeed.length !== seeds.length) throw new EcommirError('ECM_ERR_BAD_OPTION', 'one list of predictions per seed is needed');
  const gold = goldLabels(samples);
  const goldCoarse = gold.map((l) => taxonomy.coarseOf(l));
  const fine = perSeed.map((p) => evaluateLabels(gold, p.map((x) => x.label)));
  const coarse = perSeed.map((p) => evaluateLabels(goldCoarse, p.map((x) => x.coarse)));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const seedWeightedF1 = fine.map((s) => s.weightedF1);
  const m = mean(seedWeightedF1);
  return {
    seeds: [...seeds],
    seedWeightedF1,
    mean: {
      weightedF1: m,
      macroF1: mean(fine.map((s) => s.macroF1)),
      accuracy: mean(fine.map((s) => s.accuracy)),
      coarseWeightedF1: mean(coarse.map((s) => s.weightedF1)),
      coarseMacroF1: mean(coarse.map((s) => s.macroF1)),
    },
    std: { weightedF1: Math.sqrt(mean(seedWeightedF1.map((x) => (x - m) ** 2))) },
    first: fine[0],
    predictions: perSeed[0],
    seedLabels: perSeed.map((p) => p.map((x) => x.label)),
  };
}

function goldLabels(samples: readonly Sample[]): string[] {
  return samples.map((s) => {
    if (typeof s.label !== 'string' || s.label === '') throw new EcommirError('ECM_ERR_BAD_RECORD', 'a scored sample has no gold label', { item: { id: s.id, index: s.index } });
    return s.label;
  });
}

/** The extra training samples, refused when one of them is also a scored sample (that would leak). */
export function checkExtraTraining(scored: readonly Sample[], extra: readonly Sample[] | undefined): readonly Sample[] {
  if (!extra || extra.length === 0) return [];
  const ids = new Set(scored.map((s) => s.id));
  const clash = extra.find((s) => ids.has(s.id));
  if (clash) throw new EcommirError('ECM_ERR_BAD_OPTION', `extra training sample ${clash.id} is also a scored sample`, { item: { id: clash.id } });
  return extra;
}
