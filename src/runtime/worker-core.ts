// What a pool worker does, thread or process alike: load the recognisers once from the pool's
// source, then answer tasks. Everything CPU-bound of a classification happens here (denoising,
// text features, image decode, OCR, embeddings, the head), never on the service's event loop.
import { decodeSampleImages, resolveInputLimits, type InputLimits } from '../data/input-limits.js';
import { EcommirError, type ErrorCode, type ItemRef } from '../errors.js';
import { diskEntriesWritten, setDefaultFeatureCacheOptions, type FeatureCacheOptions } from '../features/cache.js';
import type { RecognizerSet } from '../backends/select.js';
import { tasksReadingImages, tasksReadingSceneModel, type PredictOptions } from '../tasks/recognizer.js';
import type { Prediction, Sample, Task } from '../types.js';
import { imageDHashes } from '../vision/difference-hash.js';
import { setVisionThreads } from '../vision/threads.js';
import { loadRecognizerSource, type RecognizerSource } from './source.js';
import { warmUp } from './warm-up.js';
import type { ImageLoad } from './lanes.js';

export interface WorkerInit {
  source: RecognizerSource;
  /** The feature cache every recogniser of this thread uses (the service's private one). */
  cache?: FeatureCacheOptions;
  limits?: Partial<InputLimits>;
  /** Tasks whose recognisers answer warm-up samples after loading, so the first real ones are fast (warm-up.ts). */
  warmUp?: readonly Task[];
  /** Threads this worker's native image work may use (ONNX, wasm, libvips): its share of the cores. */
  threads?: number;
}

/** A function the worker imports and calls with plain data (a feature pass, not a recogniser call). */
export interface WorkerFunction {
  /** URL (file:) of an ES module. */
  module: string;
  /** Name of its export: `(args) => Promise<result>`; args and result are structured-cloneable. */
  export: string;
}

/** What the service may ask of a runtime beyond the recogniser's own options. */
export interface RuntimePredictOptions extends PredictOptions {
  /** Also return each image's dHash (the feedback store's similarity), made where the image is decoded. */
  imageHashes?: boolean;
  /**
   * The sample's images as their headers describe them (the service probes them first): with it, a
   * dialogue whose model reads no pixels and whose images are small and cheap to decode is checked
   * and answered in the text lane (lanes.ts, laneOf). Stays with the runtime.
   */
  imageLoad?: ImageLoad;
}

export type RuntimePrediction = Prediction & {
  /** With `imageHashes`: each of the sample's images' dHash, in order; null where it could not be made. */
  imageHashes?: (string | null)[];
};

export type WorkerTask =
  | { op: 'describe' }
  | { op: 'predict'; sample: Sample; options: PredictOptions; verifyImages?: boolean; imageHashes?: boolean }
  | { op: 'run'; fn: WorkerFunction; args: unknown };

export interface WorkerFailure {
  code: ErrorCode;
  message: string;
  statusCode: number;
  /** The item an EcommirError names (its message names it already). */
  item?: ItemRef;
  /** Not an EcommirError: a bug or a backend failure, logged in full by the service. */
  stack?: string;
}

export type WorkerReply<T> = ({ ok: true; value: T } | { ok: false; error: WorkerFailure }) & {
  /** This thread wrote feature-cache entries to disk since its last reply (its pool then trims the folder: soon, and at close). */
  wroteCache?: true;
};

export interface Description {
  /** Fine labels of each loaded task. */
  tasks: Partial<Record<Task, string[]>>;
  /** The tasks whose answers depend on the scene model too (Recognizer.readsSceneModel). */
  readsSceneModel?: Task[];
  /** The tasks whose recogniser may read a sample's pixels (Recognizer.readsImages). */
  readsImages?: Task[];
  /** Why loading failed, when it did. */
  loadError?: WorkerFailure;
}

let limits = resolveInputLimits();
let loaded: { set?: RecognizerSet; error?: WorkerFailure } = {};

function failure(err: unknown): WorkerFailure {
  if (err instanceof EcommirError) return { code: err.code, message: err.message, statusCode: err.statusCode, ...(err.item ? { item: err.item } : {}) };
  const e = err instanceof Error ? err : new Error(String(err));
  return { code: 'ECM_ERR_BACKEND', message: e.message, statusCode: 500, stack: e.stack };
}

/**
 * Loads the recognisers (and warms them up) before the first task, so that a new worker (one
 * replacing a terminated one) is warm when it takes work. A failure is kept and reported, not thrown.
 */
export async function initWorker(init: WorkerInit): Promise<void> {
  if (init.cache) setDefaultFeatureCacheOptions(init.cache);
  if (init.threads !== undefined) setVisionThreads(init.threads);
  limits = resolveInputLimits(init.limits);
  loaded = await loadRecognizerSource(init.source).then(
    (set) => ({ set }),
    (err: unknown) => ({ error: failure(err) }),
  );
  if (init.warmUp && loaded.set) await warmUp(loaded.set, init.warmUp);
}

async function predict(sample: Sample, options: PredictOptions, verifyImages: boolean, imageHashes: boolean): Promise<RuntimePrediction> {
  if (loaded.error) throw new EcommirError(loaded.error.code, loaded.error.message, { statusCode: loaded.error.statusCode });
  const recognizer = loaded.set?.[sample.task];
  if (!recognizer) throw new EcommirError('ECM_ERR_NO_MODEL', `no ${sample.task} model is loaded`, { statusCode: 503 });
  // A truncated file fails here with a 4xx naming it, before any model sees garbage pixels. The hashes are made from
  // the check's thumbnails, so a call that asks for them has its images checked too.
  const thumbnails = verifyImages || imageHashes ? await decodeSampleImages(sample, limits) : [];
  const prediction = await recognizer.predict(sample, options);
  if (!imageHashes) return prediction;
  return { ...prediction, imageHashes: await imageDHashes(thumbnails) };
}

async function runFunction(fn: WorkerFunction, args: unknown): Promise<unknown> {
  const module = (await import(fn.module)) as Record<string, unknown>;
  const f = module[fn.export];
  if (typeof f !== 'function') throw new Error(`${fn.module} has no function export ${fn.export}`);
  return (f as (args: unknown) => unknown)(args);
}

/** diskEntriesWritten() when this thread last replied. */
let writtenAtLastReply = 0;

export async function handleTask(task: WorkerTask): Promise<WorkerReply<unknown>> {
  const reply = await answer(task);
  const written = diskEntriesWritten();
  if (written === writtenAtLastReply) return reply;
  writtenAtLastReply = written;
  return { ...reply, wroteCache: true };
}

async function answer(task: WorkerTask): Promise<WorkerReply<unknown>> {
  try {
    if (task.op === 'describe') {
      const tasks: Description['tasks'] = {};
      for (const name of ['scene', 'intent'] as const) {
        const recognizer = loaded.set?.[name];
        if (recognizer) tasks[name] = [...recognizer.labels];
      }
      return { ok: true, value: { tasks, readsSceneModel: tasksReadingSceneModel(loaded.set ?? {}), readsImages: tasksReadingImages(loaded.set ?? {}), loadError: loaded.error } satisfies Description };
    }
    if (task.op === 'run') return { ok: true, value: await runFunction(task.fn, task.args) };
    return { ok: true, value: await predict(task.sample, task.options, task.verifyImages === true, task.imageHashes === true) };
  } catch (err) {
    return { ok: false, error: failure(err) };
  }
}
