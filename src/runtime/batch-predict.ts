// Batch prediction on every core of one machine, and the bookkeeping that batch runs share with the
// queue (src/queue/): each sample keyed by its content and the model version, a prediction log
// (`OUT.partial.jsonl`) that a stopped run resumes from, and predictors that answer one sample at a
// time (in this process, or on recogniser pools: text on worker threads, images in worker processes).
// Predictions arrive in any order; the output is written in sample order at the end, so it is
// byte-identical whatever the concurrency.
import { open, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createRecognizers, type BackendSelection } from '../backends/select.js';
import { tasksReadingImages } from '../tasks/recognizer.js';
import { EcommirError, inDataFile } from '../errors.js';
import { decodeSampleImages, decodesImagesFirst } from '../data/input-limits.js';
import type { FeatureCacheOptions } from '../features/cache.js';
import type { Prediction, Sample, Task } from '../types.js';
import { predictionKey, sampleContent, type SampleContent } from './identity.js';
import { batchLaneOf, laneWarmUp, startPools, type Lane } from './lanes.js';
import { threadsPerWorker } from '../vision/threads.js';
import { closedPoolError, RecognizerPool } from './pool.js';
import { backendSource, type RecognizerSource } from './source.js';

/** A sample with the key of its prediction. */
export interface KeyedSample {
  sample: Sample;
  key: string;
  content: SampleContent;
}

/** Keys every sample (reads each image once to hash it), `concurrency` samples at a time, in order. */
export async function keySamples(samples: readonly Sample[], version: string, options: { concurrency?: number; onError?: (sample: Sample, err: unknown) => void } = {}): Promise<KeyedSample[]> {
  const out: (KeyedSample | undefined)[] = new Array(samples.length);
  await forEachConcurrent(samples.length, options.concurrency ?? 8, async (i) => {
    try {
      const content = await sampleContent(samples[i]);
      out[i] = { sample: samples[i], key: predictionKey(content.hash, version), content };
    } catch (err) {
      if (!options.onError) throw err;
      options.onError(samples[i], err);
    }
  });
  return out.filter((k): k is KeyedSample => k !== undefined);
}

/** The first sample of each key: what must be predicted (duplicates are answered by it). */
export function uniqueByKey(keyed: readonly KeyedSample[]): KeyedSample[] {
  const seen = new Set<string>();
  return keyed.filter((k) => !seen.has(k.key) && (seen.add(k.key), true));
}

/** What the output holds for a sample: its key's prediction, with the sample's own id. */
export function predictionFor(sample: Sample, prediction: Prediction): Prediction {
  return { ...prediction, id: sample.id };
}

/** A prediction as a batch writes it: the timing field differs between runs and is left out. */
export function batchPrediction(prediction: Prediction): Prediction {
  const { ms: _ms, ...rest } = prediction;
  return rest;
}

/**
 * The predictions a run has made, one JSON line each (`{"key": …, …prediction}`), appended as they
 * are made. A run stopped at any point (a signal, a crash, a bad sample) is resumed from it: a
 * prediction whose key is in the log is not made again. A line cut short by the stop is dropped.
 */
export class PredictionLog {
  readonly done = new Map<string, Prediction>();
  #file?: FileHandle;
  #writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<PredictionLog> {
    const log = new PredictionLog(path);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
    for (const line of text.slice(0, complete).split('\n')) {
      if (!line.trim()) continue;
      try {
        const { key, ...prediction } = JSON.parse(line) as Prediction & { key?: unknown };
        if (typeof key === 'string' && typeof prediction.label === 'string') log.done.set(key, prediction as Prediction);
      } catch {
        // A line that is not ours (or torn in the middle of the file): predicted again.
      }
    }
    log.#file = await open(path, 'a', 0o600);
    return log;
  }

  /** Appends one prediction; lines are written one after another, whole. */
  append(key: string, prediction: Prediction): Promise<void> {
    this.done.set(key, prediction);
    const line = JSON.stringify({ key, ...prediction }) + '\n';
    this.#writing = this.#writing.then(() => this.#file!.appendFile(line, 'utf8'));
    return this.#writing;
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#file?.close();
    this.#file = undefined;
  }

  /** Closes and deletes the log (the run finished and its output is written). */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }
}

/** Answers one sample at a time, wherever the recognisers run. */
export interface SamplePredictor {
  /** Which tasks have a recogniser. */
  readonly tasks: Readonly<Record<Task, boolean>>;
  /** The tasks whose recogniser may read a sample's pixels (Recognizer.readsImages): their images go to OCR or a big model. */
  readonly readsImages: readonly Task[];
  predict(sample: Sample, signal?: AbortSignal): Promise<Prediction>;
  close(): Promise<void>;
}

export interface LocalPredictorOptions {
  /** Workers (1: in this process, no pool). Default: the cores available. */
  concurrency?: number;
  /**
   * The lanes the samples need, as batchLaneOf routes them for a model that reads no pixels (pools are
   * started for these at once, and for the other lane at its first sample: the image lane when the
   * model turns out to read a dialogue's images). Default (or none named) both.
   */
  lanes?: readonly Lane[];
  /** Where the recognisers come from in the workers. Default: backendSource(selection). */
  source?: RecognizerSource;
  /** Feature cache of the workers (default: the training cache, ~/.cache/ecommir). */
  cache?: FeatureCacheOptions;
  /**
   * Warm each worker up before work (warm-up.ts): a blank image loads OCR in the image workers, text-only
   * dialogues optimise the text path (default true). Off for backends whose recognisers call a server
   * (mllm): every warm-up sample would be a real request.
   */
  warmUp?: boolean;
  /** The data file the samples come from: an error about a sample names it, as the loader's checks do. */
  file?: string;
}

/**
 * Recognisers for a batch: with concurrency 1 in this process (the sequential reference), else on
 * pools of `concurrency` workers per lane: text samples on worker threads, samples with images in
 * worker processes with cores / concurrency threads each for ONNX, wasm and libvips.
 */
export async function localPredictor(selection: BackendSelection, options: LocalPredictorOptions = {}): Promise<SamplePredictor> {
  const predictor = await predictorFor(selection, options);
  return options.file === undefined ? predictor : namingDataFile(predictor, options.file);
}

async function predictorFor(selection: BackendSelection, options: LocalPredictorOptions): Promise<SamplePredictor> {
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `--concurrency must be a positive integer, got ${concurrency}`);
  if (concurrency === 1 && !options.source && !options.cache) {
    const recognizers = await createRecognizers(selection);
    let closed = false;
    return {
      tasks: { scene: recognizers.scene !== undefined, intent: recognizers.intent !== undefined },
      readsImages: tasksReadingImages(recognizers),
      async predict(sample) {
        // Refused as a closed pool refuses (pool.ts), so that a caller's use after close() fails
        // alike whatever the concurrency, not only when there are workers to stop.
        if (closed) {
          throw new EcommirError('ECM_ERR_BACKEND', 'the in-process predictor is closed (close() was called on it); create a new one to predict', { statusCode: 503 });
        }
        const recognizer = recognizers[sample.task];
        if (!recognizer) throw new EcommirError('ECM_ERR_NO_MODEL', `no ${sample.task} model is loaded`, { statusCode: 503 });
        if (decodesImagesFirst(sample)) await decodeSampleImages(sample);
        return batchPrediction(await recognizer.predict(sample));
      },
      close: async () => {
        closed = true;
      },
    };
  }
  return PooledPredictor.create(options.source ?? backendSource(selection), { warmUp: warmsUp(selection), ...options, concurrency });
}

function namingDataFile(predictor: SamplePredictor, file: string): SamplePredictor {
  return {
    tasks: predictor.tasks,
    readsImages: predictor.readsImages,
    predict: (sample, signal) =>
      predictor.predict(sample, signal).catch((err: unknown) => {
        throw inDataFile(err, file);
      }),
    close: () => predictor.close(),
  };
}

/** Whether workers should warm their recognisers up on samples of their own first: only for local models. */
export function warmsUp(selection: BackendSelection): boolean {
  return selection.backend !== 'mllm';
}

/** Recogniser pools per lane, sized for a batch (queues hold what the caller keeps in flight). */
export class PooledPredictor implements SamplePredictor {
  readonly #pools: Partial<Record<Lane, Promise<RecognizerPool>>>;
  #closed = false;

  private constructor(
    started: Partial<Record<Lane, RecognizerPool>>,
    private readonly startLane: (lane: Lane) => Promise<RecognizerPool>,
    readonly tasks: Readonly<Record<Task, boolean>>,
    readonly readsImages: readonly Task[],
  ) {
    this.#pools = Object.fromEntries(Object.entries(started).filter(([, pool]) => pool).map(([lane, pool]) => [lane, Promise.resolve(pool)]));
  }

  static async create(source: RecognizerSource, options: LocalPredictorOptions & { concurrency: number }): Promise<PooledPredictor> {
    // None named (an empty list): both, as when the option is left out; a pool must describe the recognisers.
    const lanes = new Set(options.lanes?.length ? options.lanes : ['text', 'image']);
    const n = options.concurrency;
    const common = { source, cache: options.cache, threads: n, maxQueue: 1 << 20 };
    const warm = options.warmUp ?? true;
    const start = (lane: Lane, signal: AbortSignal): Promise<RecognizerPool> =>
      lane === 'text'
        ? RecognizerPool.create({ ...common, name: 'text', isolation: 'thread', warmUp: laneWarmUp('text', warm), signal })
        : RecognizerPool.create({ ...common, name: 'image', isolation: 'process', computeThreads: threadsPerWorker(n), warmUp: laneWarmUp('image', warm), signal });
    const [text, image] = await startPools([lanes.has('text') ? (signal) => start('text', signal) : undefined, lanes.has('image') ? (signal) => start('image', signal) : undefined]);
    // Every worker loads the same recognisers, so either lane describes them.
    const described = (image ?? text)!;
    const tasks = { scene: described.tasks.scene !== undefined, intent: described.tasks.intent !== undefined };
    const startLater = async (lane: Lane): Promise<RecognizerPool> => (await startPools([(signal) => start(lane, signal)]))[0]!;
    return new PooledPredictor({ text, image }, startLater, tasks, described.readsImages);
  }

  async predict(sample: Sample, signal?: AbortSignal): Promise<Prediction> {
    const pool = await this.poolOf(batchLaneOf(sample, this.readsImages.includes(sample.task)));
    // The submission record stays here: the worker needs what the recognisers read.
    const { raw: _raw, ...bare } = sample;
    return batchPrediction(await pool.predict(bare, {}, signal, decodesImagesFirst(sample)));
  }

  /** The lane's pool, started at its first sample when it was not among the lanes asked for; refused after close() as a started pool refuses. */
  private poolOf(lane: Lane): Promise<RecognizerPool> {
    const pool = this.#pools[lane];
    if (pool) return pool;
    if (this.#closed) {
      return Promise.reject(closedPoolError(lane));
    }
    return (this.#pools[lane] = this.startLane(lane));
  }

  async close(): Promise<void> {
    this.#closed = true;
    // A pool still starting is closed once it has started; one that failed to start has nothing to close.
    await Promise.all(Object.values(this.#pools).map((pool) => pool.then((p) => p.close(), () => undefined)));
  }
}

/**
 * Runs `task(i)` for i in [0, count) with at most `limit` running at once. After the first error
 * nothing new starts; the running ones finish, then that error is thrown.
 */
export async function forEachConcurrent(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
  if (failure) throw failure.error;
}
