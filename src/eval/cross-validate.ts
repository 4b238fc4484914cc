// Stratified k-fold cross-validation of a whole recogniser (features fitted inside each fold, so
// nothing of a test fold leaks into its model), repeated over seeds: with 4 to 40 samples a label,
// one fold's gain can be luck, so what is reported is the mean (and spread) over folds and seeds.
import { stratifiedKFold } from '../data/split.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Prediction, Sample } from '../types.js';
import { evaluateLabels, type TaskEvaluation } from './evaluate.js';

export interface FoldModel {
  predictMany(samples: readonly Sample[]): Promise<Prediction[]>;
}

export interface CrossValidationOptions {
  k?: number;
  seeds?: number[];
  /** Called after each fold: for progress lines. */
  onFold?: (info: { seed: number; fold: number; k: number; weightedF1: number }) => void;
}

export interface CrossValidationResult {
  k: number;
  seeds: number[];
  /** Weighted F1 of each seed's pooled out-of-fold predictions (fine labels). */
  seedWeightedF1: number[];
  /** Weighted F1 of each fold (all seeds). */
  foldWeightedF1: number[];
  mean: { weightedF1: number; macroF1: number; accuracy: number; coarseWeightedF1: number; coarseMacroF1: number };
  std: { weightedF1: number };
  /** The first seed's out-of-fold evaluation (per-class report, confusion). */
  first: TaskEvaluation;
  /** The first seed's out-of-fold predictions, in sample order. */
  predictions: Prediction[];
}

export async function crossValidate(
  samples: readonly Sample[],
  fit: (train: readonly Sample[], seed: number) => Promise<FoldModel>,
  taxonomy: Taxonomy,
  options: CrossValidationOptions = {},
): Promise<CrossValidationResult> {
  const k = options.k ?? 5;
  const seeds = options.seeds ?? [0, 1, 2];
  const gold = samples.map((s) => s.label ?? '');
  const goldCoarse = gold.map((l) => taxonomy.coarseOf(l));
  const perSeed: { fine: TaskEvaluation; coarse: TaskEvaluation; predictions: Prediction[] }[] = [];
  const foldWeightedF1: number[] = [];
  for (const seed of seeds) {
    const predictions: Prediction[] = new Array(samples.length);
    const folds = stratifiedKFold(gold, { k, seed });
    for (const [f, fold] of folds.entries()) {
      const model = await fit(fold.train.map((i) => samples[i]), seed);
      const testSamples = fold.test.map((i) => samples[i]);
      const predicted = await model.predictMany(testSamples);
      fold.test.forEach((i, j) => (predictions[i] = predicted[j]));
      const foldScore = evaluateLabels(fold.test.map((i) => gold[i]), predicted.map((p) => p.label)).weightedF1;
      foldWeightedF1.push(foldScore);
      options.onFold?.({ seed, fold: f, k, weightedF1: foldScore });
    }
    perSeed.push({
      fine: evaluateLabels(gold, predictions.map((p) => p.label)),
      coarse: evaluateLabels(goldCoarse, predictions.map((p) => p.coarse)),
      predictions,
    });
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const seedWeightedF1 = perSeed.map((s) => s.fine.weightedF1);
  const m = mean(seedWeightedF1);
  return {
    k,
    seeds,
    seedWeightedF1,
    foldWeightedF1,
    mean: {
      weightedF1: m,
      macroF1: mean(perSeed.map((s) => s.fine.macroF1)),
      accuracy: mean(perSeed.map((s) => s.fine.accuracy)),
      coarseWeightedF1: mean(perSeed.map((s) => s.coarse.weightedF1)),
      coarseMacroF1: mean(perSeed.map((s) => s.coarse.macroF1)),
    },
    std: { weightedF1: Math.sqrt(mean(seedWeightedF1.map((x) => (x - m) ** 2))) },
    first: perSeed[0].fine,
    predictions: perSeed[0].predictions,
  };
}
