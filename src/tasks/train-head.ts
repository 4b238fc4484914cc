// Training a recogniser's head the paper's way: a seeded 9:1 stratified train/validation split; several
// checkpoints from one initialisation (zero, for the convex softmax head) that differ in training
// length and regularisation; the best single checkpoint, the uniform soup and the greedy soup
// (Algorithm 1) scored by validation weighted F1; a temperature fitted on the validation logits.
// With `refit`, the chosen recipe is re-trained on all data (same members, same init) and souped the
// same way, so the shipped model sees every labelled sample.
import { stratifiedGroupKFold, stratifiedGroupSplit, type Split } from '../data/split.js';
import { f1Score } from '../eval/metrics.js';
import { applyTemperature, fitTemperature } from '../learn/calibration.js';
import { sliceRows, type CsrMatrix } from '../learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../learn/softmax-regression.js';
import { greedySoup, uniformSoup } from '../learn/soup.js';

export type SoupMode = 'single' | 'uniform' | 'greedy';

export interface HeadTrainingOptions {
  head: SoftmaxRegressionOptions;
  /** Variations of `head` trained as checkpoints; one checkpoint (the base) when empty. */
  checkpoints?: Partial<SoftmaxRegressionOptions>[];
  soup?: SoupMode;
  /** Fraction held out for validation (checkpoint choice, soup, temperature). Default 0.1. */
  validationFraction?: number;
  /**
   * Where the temperature is fitted: on out-of-fold logits of the soup's first member over 5 folds of all
   * data ('crossval', default: a 10% validation split of a few hundred samples is often all correct,
   * which drives T to its bound and every confidence to 1), on the validation split ('validation'),
   * or not at all ('none', T = 1).
   */
  calibrate?: 'crossval' | 'validation' | 'none';
  /** Re-train the chosen recipe on all samples. Default true. */
  refit?: boolean;
  classWeight?: 'balanced';
  seed?: number;
  /**
   * [n] source id of each row: rows of one source (an image and its augmented copies) always fall on
   * the same side of the validation split and of the calibration folds, so no copy of a training
   * image is scored as validation.
   */
  groups?: Int32Array;
  /**
   * [n] 1 for rows that only ever train (knowledge: synthetic samples): they join every training side
   * (the 9:1 split's, the calibration folds') and are never validated or calibrated on.
   */
  trainOnly?: Uint8Array;
  /** [n] weight of each row in the loss (with classWeight, the two multiply). */
  sampleWeight?: Float32Array;
}

export interface HeadTrainingReport {
  nTrain: number;
  nValidation: number;
  checkpointScores: number[];
  bestSingle: { index: number; weightedF1: number };
  uniformSoup: { weightedF1: number };
  greedySoup: { weightedF1: number; members: number[] };
  chosen: SoupMode;
  temperature: number;
}

export interface TrainedHead {
  head: SoftmaxRegression;
  temperature: number;
  report: HeadTrainingReport;
  /** The rows of the 9:1 split. */
  split: Split;
}

export function trainHead(X: CsrMatrix, y: Int32Array, labels: readonly string[], options: HeadTrainingOptions): TrainedHead {
  const seed = options.seed ?? 0;
  const recipes = (options.checkpoints?.length ? options.checkpoints : [{}]).map((v) => ({ ...options.head, nClasses: labels.length, seed, ...v }));
  const weightsOf = (rows: readonly number[] | undefined) => (options.sampleWeight ? { sampleWeight: rows ? Float32Array.from(rows, (i) => options.sampleWeight![i]) : options.sampleWeight } : {});
  const fitOptions = (rows?: readonly number[]) => ({ ...(options.classWeight ? { classWeight: options.classWeight } : {}), ...weightsOf(rows) });
  const names = Array.from(y, (c) => labels[c]);
  // Splits are drawn over the scored rows only; train-only rows are added to every training side.
  const scored = options.trainOnly ? Array.from(y, (_, i) => i).filter((i) => !options.trainOnly![i]) : Array.from(y, (_, i) => i);
  const trainOnlyRows = options.trainOnly ? Array.from(y, (_, i) => i).filter((i) => options.trainOnly![i]) : [];
  const lift = (sub: Split): Split => ({ train: [...sub.train.map((i) => scored[i]), ...trainOnlyRows].sort((a, b) => a - b), test: sub.test.map((i) => scored[i]) });
  const scoredNames = scored.map((i) => names[i]);
  const scoredGroups = options.groups ? scored.map((i) => options.groups![i]) : undefined;
  const split = lift(stratifiedGroupSplit(scoredNames, scoredGroups, { testFraction: options.validationFraction ?? 0.1, seed }));
  const Xtr = sliceRows(X, split.train);
  const Xva = sliceRows(X, split.test);
  const ytr = Int32Array.from(split.train, (i) => y[i]);
  const yvaNames = split.test.map((i) => names[i]);

  const models = recipes.map((r) => new SoftmaxRegression(r).fit(Xtr, ytr, fitOptions(split.train)));
  const probe = new SoftmaxRegression(recipes[0]).fit(sliceRows(Xtr, [0]), ytr.subarray(0, 1), fitOptions([split.train[0]])); // a shell to score parameter vectors
  const score = (params: Float32Array): number => {
    probe.setParameters(params);
    const pred = probe.predict(Xva);
    return f1Score(yvaNames, Array.from(pred, (c) => labels[c]), { average: 'weighted' });
  };
  const checkpoints = models.map((m) => m.parameters());
  const greedy = greedySoup(checkpoints, score);
  const checkpointScores = greedy.individualScores;
  const bestIndex = checkpointScores.indexOf(Math.max(...checkpointScores));
  const uniformScore = score(uniformSoup(checkpoints));
  const chosen = options.soup ?? 'greedy';
  const members = chosen === 'single' ? [bestIndex] : chosen === 'uniform' ? recipes.map((_, i) => i) : greedy.members;

  const soupParams = uniformSoup(members.map((i) => checkpoints[i]));
  probe.setParameters(soupParams);
  const fitSoup = (Xa: CsrMatrix, ya: Int32Array): Float32Array => uniformSoup(members.map((i) => new SoftmaxRegression(recipes[i]).fit(Xa, ya, fitOptions()).parameters()));
  let temperature = 1;
  if (options.calibrate === 'validation') {
    temperature = fitTemperature(probe.decisionFunction(Xva), Int32Array.from(split.test, (i) => y[i]), labels.length);
  } else if (options.calibrate !== 'none') {
    const k = labels.length;
    const oof = new Float32Array(scored.length * k); // [scored rows, k] out-of-fold logits
    const position = new Map(scored.map((row, j) => [row, j]));
    for (const fold of stratifiedGroupKFold(scoredNames, scoredGroups, { k: 5, seed }).map(lift)) {
      // The soup's first member stands for the soup here: one fit per fold instead of one per member
      // keeps training within budget, and the members' logits differ little (same data, same init).
      probe.setParameters(new SoftmaxRegression(recipes[members[0]]).fit(sliceRows(X, fold.train), Int32Array.from(fold.train, (i) => y[i]), fitOptions(fold.train)).parameters());
      const logits = probe.decisionFunction(sliceRows(X, fold.test));
      fold.test.forEach((row, j) => oof.set(logits.subarray(j * k, (j + 1) * k), position.get(row)! * k));
    }
    temperature = fitTemperature(oof, Int32Array.from(scored, (i) => y[i]), k);
  }

  const head = probe.setParameters(options.refit === false ? soupParams : fitSoup(X, y));
  return {
    head,
    temperature,
    split,
    report: {
      nTrain: split.train.length,
      nValidation: split.test.length,
      checkpointScores,
      bestSingle: { index: bestIndex, weightedF1: checkpointScores[bestIndex] },
      uniformSoup: { weightedF1: uniformScore },
      greedySoup: { weightedF1: greedy.score, members: greedy.members },
      chosen,
      temperature,
    },
  };
}

/** Calibrated probabilities [n, k] from a head's logits and a temperature. */
export function calibratedProba(head: SoftmaxRegression, X: CsrMatrix, temperature: number): Float32Array {
  return applyTemperature(head.decisionFunction(X), head.nClasses, temperature);
}
