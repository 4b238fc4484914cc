// Training an adapter the paper's way: a seeded 9:1 stratified train/validation split; Adam with weight
// decay on the image adapter; snapshots every few epochs of one run from one initialisation (plus the
// zero-shot initialisation itself, so that a soup can fall back towards it, as WiSE-FT does); the greedy
// soup of Algorithm 1 over the snapshots, scored by validation weighted F1; a temperature fitted on the
// soup's validation logits. Extra rows (pseudo-labelled samples) join the training part only.
import { stratifiedSplit } from '../../data/split.js';
import { EcommirError } from '../../errors.js';
import { f1Score } from '../../eval/metrics.js';
import { fitTemperature } from '../../learn/calibration.js';
import { argmaxRows } from '../../learn/head.js';
import { Adam } from '../../learn/optim.js';
import { createRng } from '../../learn/random.js';
import { greedySoup, uniformSoup } from '../../learn/soup.js';
import { adapterForward, adapterLayout, initialAdapter, trainableMask, type AdapterMode, type AdapterShape } from './adapter.js';

export interface AdapterTrainingOptions {
  mode?: AdapterMode;
  /** Rank r of the image adapter. Default 16. */
  rank?: number;
  epochs?: number; // default 30
  lr?: number; // default 1e-3
  /** Coupled L2 on the image adapter (A, B). Default 1e-4. */
  weightDecay?: number;
  batchSize?: number; // default 32
  /** A snapshot every this many epochs (and at the last). Default max(1, epochs / 6). */
  snapshotEvery?: number;
  soup?: 'greedy' | 'uniform' | 'last';
  /** The zero-shot initialisation is a soup candidate. Default true. */
  soupWithInit?: boolean;
  validationFraction?: number; // default 0.1
  calibrate?: 'validation' | 'none';
  seed?: number;
}

export interface AdapterTrainingReport {
  mode: AdapterMode;
  nTrain: number;
  nExtra: number;
  nValidation: number;
  /** Epoch of each checkpoint (0 = the zero-shot initialisation). */
  checkpointEpochs: number[];
  checkpointScores: number[];
  zeroShotWeightedF1: number;
  soup: { kind: string; members: number[]; weightedF1: number };
  finalLoss: number;
  temperature: number;
}

export interface TrainedAdapter {
  params: Float32Array;
  shape: AdapterShape;
  temperature: number;
  report: AdapterTrainingReport;
}

export function trainClipAdapter(
  X: Float32Array, // [n, D] unit image embeddings
  y: Int32Array, // [n]
  labels: readonly string[],
  labelEmbeddings: Float32Array, // [k, D] zero-shot, unit rows
  scale: number,
  options: AdapterTrainingOptions = {},
  extra?: { X: Float32Array; y: Int32Array },
): TrainedAdapter {
  const k = labels.length;
  const dim = labelEmbeddings.length / k;
  const n = y.length;
  if (!Number.isInteger(dim) || X.length !== n * dim) throw new EcommirError('ECM_ERR_BAD_OPTION', `embeddings [${X.length}] are not ${n} rows of ${dim}`);
  const mode = options.mode ?? 'joint';
  const epochs = positiveInt(options.epochs ?? 30, 'epochs');
  const batchSize = positiveInt(options.batchSize ?? 32, 'batchSize');
  const snapshotEvery = positiveInt(options.snapshotEvery ?? Math.max(1, Math.round(epochs / 6)), 'snapshotEvery');
  const seed = options.seed ?? 0;
  const shape: AdapterShape = { nClasses: k, dim, rank: positiveInt(options.rank ?? 16, 'rank') };

  const names = Array.from(y, (c) => labels[c]);
  const split = stratifiedSplit(names, { testFraction: options.validationFraction ?? 0.1, seed });
  // Training rows index one matrix: the labelled rows, then the extra ones.
  const nExtra = extra ? extra.y.length : 0;
  const Xall = extra ? concat(X, extra.X) : X;
  const yall = extra ? Int32Array.from([...y, ...extra.y]) : y;
  const trainRows = [...split.train, ...Array.from({ length: nExtra }, (_, i) => n + i)];
  const valRows = split.test.length > 0 ? split.test : split.train; // a tiny set has no validation part: score on train
  const Xval = gatherRows(X, valRows, dim);
  const yvalNames = valRows.map((i) => names[i]);
  const score = (params: ArrayLike<number>): number => {
    const { logits } = adapterForward(params, shape, scale, Xval, valRows.length);
    const pred = argmaxRows(logits, valRows.length, k);
    return f1Score(yvalNames, Array.from(pred, (c) => labels[c]), { average: 'weighted' });
  };

  const init = initialAdapter(shape, labelEmbeddings, seed);
  const params = Float64Array.from(init);
  const mask = trainableMask(shape, mode);
  const at = adapterLayout(shape);
  const imageTrained = mode !== 'text';
  const optimizer = new Adam({ lr: options.lr ?? 1e-3, weightDecay: imageTrained ? (options.weightDecay ?? 1e-4) : 0, decayCount: at.T });
  const grad = new Float64Array(params.length);
  const rng = createRng(seed + 1);
  const order = Int32Array.from(trainRows);
  const checkpoints: Float32Array[] = [Float32Array.from(init)];
  const checkpointEpochs = [0];
  let finalLoss = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    let epochLoss = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.subarray(start, Math.min(order.length, start + batchSize));
      grad.fill(0);
      const { loss } = adapterForward(params, shape, scale, Xall, Xall.length / dim, { y: yall, rows, grad });
      epochLoss += loss * rows.length;
      for (let i = 0; i < grad.length; i++) if (!mask[i]) grad[i] = 0;
      optimizer.step(params, grad);
      for (let i = 0; i < params.length; i++) if (!mask[i]) params[i] = init[i]; // frozen blocks stay put under decay
    }
    finalLoss = epochLoss / order.length;
    if (epoch % snapshotEvery === 0 || epoch === epochs) {
      checkpoints.push(Float32Array.from(params));
      checkpointEpochs.push(epoch);
    }
  }

  const candidates = options.soupWithInit === false ? checkpoints.slice(1) : checkpoints;
  const offset = options.soupWithInit === false ? 1 : 0;
  const kind = options.soup ?? 'greedy';
  const greedy = greedySoup(candidates, score);
  const members = kind === 'greedy' ? greedy.members.map((m) => m + offset) : kind === 'uniform' ? candidates.map((_, i) => i + offset) : [checkpoints.length - 1];
  const souped = uniformSoup(members.map((m) => checkpoints[m]));
  const soupScore = score(souped);
  let temperature = 1;
  if (options.calibrate !== 'none' && split.test.length > 0) {
    const { logits } = adapterForward(souped, shape, scale, Xval, valRows.length);
    temperature = fitTemperature(logits, Int32Array.from(valRows, (i) => y[i]), k);
  }
  const checkpointScores = offset ? [score(checkpoints[0]), ...greedy.individualScores] : greedy.individualScores;
  return {
    params: souped,
    shape,
    temperature,
    report: {
      mode,
      nTrain: split.train.length,
      nExtra,
      nValidation: split.test.length,
      checkpointEpochs,
      checkpointScores,
      zeroShotWeightedF1: checkpointScores[0],
      soup: { kind, members, weightedF1: soupScore },
      finalLoss,
      temperature,
    },
  };
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `${name} must be a positive integer, got ${value}`);
  return value;
}

function gatherRows(X: Float32Array, rows: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim); // [m, D]
  rows.forEach((r, i) => out.set(X.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
