// Training a recogniser's head the paper's way: a seeded 9:1 stratified train/validation split; several
// checkpoints from one initialisation (zero, for the convex softmax head) that differ in training
// length and regularisation; the best single checkpoint, the uniform soup and the greedy soup
// (Algorithm 1) scored by validation weighted F1; a temperature fitted on the validation logits.
// With `refit`, the chosen recipe is re-trained on all data (same members, same init) and souped the
// same way, so the shipped model sees every labelled sample.
import { stratifiedKFold, stratifiedSplit, type Split } from '../data/split.js';
import { EcommirError } from '../errors.js';
import { f1Score } from '../eval/metrics.js';
import { applyTemperature, fitTemperature } from '../learn/calibration.js';
import { sliceRows, type CsrMatrix } from '../learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../learn/softmax-regression.js';
import type { FitOptions } from '../learn/head.js';
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
  /** [n] 1 = a row that is always trained on and never validated or calibrated on (knowledge rows). */
  alwaysTrain?: Uint8Array;
  /** [n] per-row weight (multiplies the class weight). */
  sampleWeight?: Float64Array;
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
  const fitOptionsFor = (rows: readonly number[] | null): FitOptions => ({
    ...(options.classWeight ? { classWeight: options.classWeight } : {}),
    ...(options.sampleWeight ? { sampleWeight: rows ? Float64Array.from(rows, (i) => options.sampleWeight![i]) : options.sampleWeight } : {}),
  });
  const names = Array.from(y, (c) => labels[c]);
  const grouping = groupRows(y, labels, options.groups, options.alwaysTrain);
  const split = grouping.expand(stratifiedSplit(grouping.labels, { testFraction: options.validationFraction ?? 0.1, seed }));
  const Xtr = sliceRows(X, split.train);
  const Xva = sliceRows(X, split.test);
  const ytr = Int32Array.from(split.train, (i) => y[i]);
  const yvaNames = split.test.map((i) => names[i]);

  const trainOptions = fitOptionsFor(split.train);
  const models = recipes.map((r) => new SoftmaxRegression(r).fit(Xtr, ytr, trainOptions));
  const probe = new SoftmaxRegression(recipes[0]).fit(sliceRows(Xtr, [0]), ytr.subarray(0, 1), fitOptionsFor([split.train[0]])); // a shell to score parameter vectors
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
  const fitSoup = (Xa: CsrMatrix, ya: Int32Array): Float32Array => uniformSoup(members.map((i) => new SoftmaxRegression(recipes[i]).fit(Xa, ya, fitOptionsFor(null)).parameters()));
  let temperature = 1;
  if (options.calibrate === 'validation') {
    temperature = fitTemperature(probe.decisionFunction(Xva), Int32Array.from(split.test, (i) => y[i]), labels.length);
  } else if (options.calibrate !== 'none') {
    const k = labels.length;
    const oof = new Float32Array(X.nRows * k); // [n, k] out-of-fold logits
    for (const fold of stratifiedKFold(grouping.labels, { k: 5, seed }).map(grouping.expand)) {
      // The soup's first member stands for the soup here: one fit per fold instead of one per member
      // keeps training within budget, and the members' logits differ little (same data, same init).
      probe.setParameters(new SoftmaxRegression(recipes[members[0]]).fit(sliceRows(X, fold.train), Int32Array.from(fold.train, (i) => y[i]), fitOptionsFor(fold.train)).parameters());
      const logits = probe.decisionFunction(sliceRows(X, fold.test));
      fold.test.forEach((row, j) => oof.set(logits.subarray(j * k, (j + 1) * k), row * k));
    }
    const scored = [...new Set(stratifiedKFold(grouping.labels, { k: 5, seed }).map(grouping.expand).flatMap((f) => f.test))].sort((a, b) => a - b);
    temperature = options.alwaysTrain ? fitTemperature(sliceLogits(oof, scored, k), Int32Array.from(scored, (i) => y[i]), k) : fitTemperature(oof, y, k);
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

function sliceLogits(logits: Float32Array, rows: readonly number[], k: number): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, j) => out.set(logits.subarray(r * k, (r + 1) * k), j * k));
  return out;
}

/**
 * Splits made over sources (groups) and expanded back to rows; without groups, each row is its own
 * source. Always-train rows belong to no source: they join every training side.
 */
function groupRows(y: Int32Array, labels: readonly string[], groups?: Int32Array, alwaysTrain?: Uint8Array): { labels: string[]; expand: (split: Split) => Split } {
  if (!groups && !alwaysTrain) return { labels: Array.from(y, (c) => labels[c]), expand: (split) => split };
  groups ??= Int32Array.from(y, (_, i) => i);
  if (groups.length !== y.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `groups has ${groups.length} entries for ${y.length} rows`);
  if (alwaysTrain && alwaysTrain.length !== y.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `alwaysTrain has ${alwaysTrain.length} entries for ${y.length} rows`);
  const fixed: number[] = [];
  const ids: number[] = [];
  const rowsOf = new Map<number, number[]>();
  groups.forEach((g, row) => {
    if (alwaysTrain?.[row]) {
      fixed.push(row);
      return;
    }
    let rows = rowsOf.get(g);
    if (!rows) {
      rowsOf.set(g, (rows = []));
      ids.push(g);
    }
    rows.push(row);
  });
  const expandSide = (side: number[]) => side.flatMap((i) => rowsOf.get(ids[i])!).sort((a, b) => a - b);
  return {
    labels: ids.map((g) => labels[y[rowsOf.get(g)![0]]]),
    expand: (split) => ({ train: [...expandSide(split.train), ...fixed].sort((a, b) => a - b), test: expandSide(split.test) }),
  };
}

/** Calibrated probabilities [n, k] from a head's logits and a temperature. */
export function calibratedProba(head: SoftmaxRegression, X: CsrMatrix, temperature: number): Float32Array {
  return applyTemperature(head.decisionFunction(X), head.nClasses, temperature);
}
