// A pool of workers that run recogniser calls off the event loop. Each worker loads the
// recognisers of one RecognizerSource (model folders, a backend selection) when it starts. A call
// has a bounded queue and an AbortSignal: aborted while queued it is dropped; aborted while
// running, its worker is terminated and replaced, so the slot is free at once and a runaway call
// (a pathological input, a stuck decoder) cannot hold it.
// Workers are threads (piscina) for pure-JavaScript work (text), or processes for work that runs
// native libraries (images: onnxruntime cannot be stopped inside a thread, see process-pool.ts).
// Reused beyond the service: batch prediction on every core, and a new pool on a model reload.
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { InputLimits } from '../data/input-limits.js';
import { describeItem, EcommirError } from '../errors.js';
import { FeatureCache, type FeatureCacheOptions } from '../features/cache.js';
import { TASKS, type Sample, type Task } from '../types.js';
import { raceSignal } from './deadline.js';
import { ProcessPool, QueueFullError } from './process-pool.js';
import type { RecognizerSource } from './source.js';
import { RenewableThreadPool, ThreadsFailedError } from '../renewable-thread-pool.js';
import { THREAD_EXEC_ARGV, threadFile } from '../thread-file.js';
import type { Description, RuntimePredictOptions, RuntimePrediction, WorkerFunction, WorkerInit, WorkerReply, WorkerTask } from './worker-core.js';

const WORKER_FILE = threadFile(import.meta.url, 'worker');

export interface RecognizerPoolOptions {
  source: RecognizerSource;
  /** Names the pool in errors (e.g. the lane: text, image). */
  name?: string;
  /** Worker threads, each with its own copy of the recognisers. Default: the cores available. */
  threads?: number;
  /** Calls allowed to wait for a thread; one more is refused with 503 ECM_ERR_BUSY. Default 1024. */
  maxQueue?: number;
  /** Threads (default) for pure-JavaScript recognisers; processes when native code must be stoppable. */
  isolation?: 'thread' | 'process';
  /** Lower priority (nice increment over this process's) of the workers, so they yield the CPU to others. Default 0. */
  niceIncrement?: number;
  /** Processes only: run them under SCHED_IDLE where the system allows (ProcessPoolOptions.idleScheduling). Default false. */
  idleScheduling?: boolean;
  /** The feature cache of the threads' recognisers. */
  cache?: FeatureCacheOptions;
  limits?: Partial<InputLimits>;
  /** V8 heap limits per thread. */
  resourceLimits?: ResourceLimits;
  /**
   * Tasks each new worker warms up before real work (warm-up.ts): scene loads OCR and embeddings
   * with a blank image, intent runs the text path until V8 has optimised it. Default none.
   */
  warmUp?: readonly Task[];
  /**
   * Threads each worker's native image work may use (ONNX, wasm, libvips). Default: each library's
   * own default; with several workers on one machine, cores / workers keeps them from fighting.
   */
  computeThreads?: number;
  /**
   * While the pool runs, the least time between two trims of the workers' cache (see close), each after
   * a worker wrote to it. Default TRIM_INTERVAL_MS.
   */
  trimIntervalMs?: number;
  /**
   * Threads only (refused under isolation "process"): after all threads failed outside any call, the
   * least wait before a call starts them again; it doubles with each such failure in a row
   * (renewable-thread-pool.ts). Default 1 s.
   */
  threadRetryDelayMs?: number;
  /**
   * Gives up the start when it aborts (the service's start or a reload past its deadline): the workers are stopped, loading or
   * not, and create rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * A long-lived pool (the service, a feature pass over thousands of images) trims its workers' cache
 * at most once a minute while they write: N workers that each count only their own writes could
 * otherwise fill about N caps before it closes. A trim scans the folder (0.3–0.4 s of asynchronous
 * I/O for 7,000 entries), so more often would cost more than the cap's slack.
 */
export const TRIM_INTERVAL_MS = 60_000;

export interface PoolStats {
  threads: number;
  maxQueue: number;
  /** Calls running now. */
  active: number;
  /** Calls waiting for a thread. */
  queued: number;
  /** Workers stopped because their call was aborted (deadline, client gone) or because they failed. */
  terminated: number;
}

/**
 * The workers' cache as they open it: their options alone (a worker thread or process sets defaults
 * only from `cache`; this thread's own defaults are not theirs), the environment read now, as they
 * read it when they start. Undefined when it cannot be made (a bad ECOMMIR_CACHE_MAX_MB): the workers
 * cannot open it either, so they write nothing to trim.
 */
function workersCache(options: FeatureCacheOptions | undefined): FeatureCache | undefined {
  try {
    return new FeatureCache({ ...options, inheritDefaults: false });
  } catch {
    return undefined;
  }
}

/** Trims the workers' cache to its cap; a failure is said, never thrown. */
async function trimWorkersCache(cache: FeatureCache | undefined): Promise<void> {
  try {
    await cache?.trim();
  } catch (err) {
    process.stderr.write(`ecommir: warning: the feature cache could not be trimmed to its cap after the workers stopped (${err instanceof Error ? err.message : String(err)})\n`);
  }
}

export class RecognizerPool {
  readonly name: string;
  readonly threads: number;
  readonly maxQueue: number;
  readonly isolation: 'thread' | 'process';
  #description: Description = { tasks: {} };
  /** The threads (isolation 'thread'); started again by a later call when all have failed (renewable-thread-pool.ts). */
  readonly #threads?: RenewableThreadPool;
  readonly #processes?: ProcessPool;
  #inFlight = 0;
  #terminated = 0;
  #closed = false;
  /** The workers' feature cache, trimmed from here when they stop (see close). */
  readonly #cache?: FeatureCache;
  /** A worker may have written to that cache since the last trim began: one said so, or a call ended without a reply that could say. */
  #workersMayHaveWritten = false;
  readonly #trimIntervalMs: number;
  /** When the last trim began (performance.now()); the pool's start counts as one. */
  #lastTrim = performance.now();
  #trimming?: Promise<void>;
  /** Aborted when a thread fails outside any call before the pool has started: the start fails with it. */
  readonly #faultWhileStarting = new AbortController();
  #started = false;

  private constructor(options: RecognizerPoolOptions) {
    this.name = options.name ?? 'recogniser';
    this.threads = options.threads ?? availableParallelism();
    this.maxQueue = options.maxQueue ?? 1024;
    for (const [what, value, min] of [['threads', this.threads, 1], ['maxQueue', this.maxQueue, 0]] as const) {
      if (!Number.isInteger(value) || value < min) throw new EcommirError('ECM_ERR_BAD_OPTION', `pool ${what} must be an integer ≥ ${min}, got ${value}`);
    }
    const workerData: WorkerInit = { source: options.source, cache: options.cache, limits: options.limits, warmUp: options.warmUp, threads: options.computeThreads };
    this.#cache = workersCache(options.cache);
    this.#trimIntervalMs = options.trimIntervalMs ?? TRIM_INTERVAL_MS;
    if (!(this.#trimIntervalMs >= 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `pool trimIntervalMs must be ≥ 0, got ${this.#trimIntervalMs}`);
    this.isolation = options.isolation ?? 'thread';
    if (options.idleScheduling && this.isolation !== 'process') {
      throw new EcommirError('ECM_ERR_BAD_OPTION', 'pool idleScheduling needs isolation "process": the policy is given to a process as it starts');
    }
    if (options.threadRetryDelayMs !== undefined && this.isolation === 'process') {
      // Refused rather than ignored: a caller who set it expects the wait it names, and processes have none.
      throw new EcommirError('ECM_ERR_BAD_OPTION', 'pool threadRetryDelayMs needs isolation "thread": worker processes have no such wait (one that ends while serving is replaced at once)');
    }
    if (this.isolation === 'process') {
      this.#processes = new ProcessPool({
        processes: this.threads,
        maxQueue: this.maxQueue,
        init: workerData,
        niceIncrement: options.niceIncrement,
        idleScheduling: options.idleScheduling,
      });
      return;
    }
    const threadOptions = {
      filename: WORKER_FILE,
      name: 'default',
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: this.maxQueue,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      niceIncrement: options.niceIncrement ?? 0,
      resourceLimits: options.resourceLimits,
      // A thread started from src/ registers tsx itself (worker-tsx.mjs); THREAD_EXEC_ARGV says why no other flags.
      execArgv: [...THREAD_EXEC_ARGV],
      workerData,
    };
    const threads: RenewableThreadPool = new RenewableThreadPool({
      newPool: () => {
        const threadPool = new Piscina(threadOptions);
        // A thread is destroyed when its running call is aborted, when it fails, or when the pool closes.
        threadPool.on('workerDestroy', () => {
          if (!this.#closed && threadPool === threads.current) this.#terminated++;
        });
        return threadPool;
      },
      // A thread that fails holding no call: say, out of its resourceLimits while loading, beside the
      // thread that took the start's call.
      onThreadFault: (fault, left) => this.#threadFailed(fault, left),
      threadRetryDelayMs: options.threadRetryDelayMs,
    });
    this.#threads = threads;
    threads.acquire();
  }

  #threadFailed(cause: unknown, left: number): void {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (!this.#started) {
      this.#faultWhileStarting.abort(new EcommirError('ECM_ERR_BACKEND', `a ${this.name} worker thread failed while loading: ${message}`, { cause, statusCode: 500 }));
      return;
    }
    process.stderr.write(
      `ecommir: warning: a ${this.name} worker thread failed outside any call (${message}); ${left} of ${this.threads} running` +
        (left ? '\n' : '; the calls waiting for one fail, and a later call starts the threads again\n'),
    );
  }

  /** Starts the threads and waits until the recognisers are loaded (or failed to load). */
  static async create(options: RecognizerPoolOptions): Promise<RecognizerPool> {
    const { signal } = options;
    signal?.throwIfAborted();
    const pool = new RecognizerPool(options);
    try {
      // Raced rather than passed to the call: an aborted call would start a replacement worker, which
      // destroy() would only kill again.
      const until = signal ? AbortSignal.any([signal, pool.#faultWhileStarting.signal]) : pool.#faultWhileStarting.signal;
      const untilAborted = <T>(work: Promise<T>): Promise<T> => raceSignal(work, until);
      if (pool.#processes) await untilAborted(pool.#processes.started);
      pool.#description = await untilAborted(pool.call<Description>({ op: 'describe' }));
      pool.#started = true;
    } catch (err) {
      await pool.destroy();
      throw err;
    }
    return pool;
  }

  /** Fine labels per loaded task. */
  get tasks(): Partial<Record<Task, readonly string[]>> {
    return this.#description.tasks;
  }

  /** The tasks whose answers depend on the scene model too (Recognizer.readsSceneModel). */
  get readsSceneModel(): readonly Task[] {
    return this.#description.readsSceneModel ?? [];
  }

  /** The tasks whose recogniser may read a sample's pixels (Recognizer.readsImages); every task until told. */
  get readsImages(): readonly Task[] {
    return this.#description.readsImages ?? TASKS;
  }

  /** Why the recognisers failed to load, if they did. */
  get loadError(): { code: string; message: string } | undefined {
    return this.#description.loadError;
  }

  get stats(): PoolStats {
    const queued = this.#processes ? this.#processes.queueSize : (this.#threads?.current?.queueSize ?? 0);
    const terminated = this.#terminated + (this.#processes?.terminated ?? 0);
    return { threads: this.threads, maxQueue: this.maxQueue, active: Math.max(0, this.#inFlight - queued), queued, terminated };
  }

  /** Classifies one sample in a worker thread. */
  predict(sample: Sample, options: RuntimePredictOptions = {}, signal?: AbortSignal, verifyImages = false): Promise<RuntimePrediction> {
    // The signal stays here (it cannot be copied to a worker): it aborts the call as a whole.
    const { imageHashes, signal: _signal, imageLoad: _route, ...recognizerOptions } = options;
    return this.call<RuntimePrediction>({ op: 'predict', sample, options: recognizerOptions, verifyImages, ...(imageHashes ? { imageHashes } : {}) }, signal);
  }

  /** Calls a module's function in a worker (e.g. a feature pass): args and result are copied across. */
  run<T>(fn: WorkerFunction, args: unknown, signal?: AbortSignal): Promise<T> {
    return this.call<T>({ op: 'run', fn, args }, signal);
  }

  private async call<T>(task: WorkerTask, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    // Piscina would start new threads after close() while the processes refuse: both refuse here alike.
    if (this.#closed) throw this.closedError();
    this.#inFlight++;
    let reply: WorkerReply<T>;
    try {
      const running = this.#threads ? this.#threads.run(task, { signal: signal ?? null }) : this.#processes!.run(task, signal);
      reply = (await running) as WorkerReply<T>;
    } catch (err) {
      // Lost to threads that all failed (queued, or refused while they wait to start again), the call
      // reached no worker that could have written.
      if (!(err instanceof ThreadsFailedError)) this.#workersWrote();
      if (signal?.aborted) {
        throw signal.reason;
      }
      if (this.#closed) throw this.closedError(err);
      if (err instanceof ThreadsFailedError) {
        throw new EcommirError('ECM_ERR_BACKEND', `the ${this.name} worker threads failed outside any call (${err.reason})${err.retryAdvice}`, { cause: err.fault, statusCode: 500 });
      }
      if (err instanceof QueueFullError || (err instanceof Error && /queue is at limit|No task queue available/i.test(err.message))) {
        throw new EcommirError('ECM_ERR_BUSY', `the ${this.name} queue is full: ${this.threads} running and ${this.stats.queued} waiting; retry later`, { statusCode: 503 });
      }
      throw new EcommirError('ECM_ERR_BACKEND', `a ${this.name} worker failed: ${(err as Error).message}`, { cause: err, statusCode: 500 });
    } finally {
      this.#inFlight--;
    }
    if (reply.wroteCache) this.#workersWrote();
    if (reply.ok) return reply.value;
    const { code, message, statusCode, stack, item } = reply.error;
    // The message names the item already: rebuilt with the item kept as data (err.item), not named twice.
    const prefix = item ? `${describeItem(item)}: ` : '';
    const bare = prefix && message.startsWith(prefix) ? message.slice(prefix.length) : message;
    throw new EcommirError(code, bare, { statusCode, item: prefix && message.startsWith(prefix) ? item : undefined, cause: stack ? Object.assign(new Error(message), { stack }) : undefined });
  }

  private closedError(cause?: unknown): EcommirError {
    return closedPoolError(this.name, cause);
  }

  /** Notes a write; trims now when the last trim began at least trimIntervalMs ago and none runs. */
  #workersWrote(): void {
    this.#workersMayHaveWritten = true;
    if (this.#closed || this.#trimming || performance.now() - this.#lastTrim < this.#trimIntervalMs) return;
    this.#trimNow();
  }

  /** A trim's scan sees every write reported before it began: later ones mark the pool again. */
  #trimNow(): Promise<void> {
    this.#workersMayHaveWritten = false;
    this.#lastTrim = performance.now();
    const trim = trimWorkersCache(this.#cache).finally(() => {
      if (this.#trimming === trim) this.#trimming = undefined;
    });
    return (this.#trimming = trim);
  }

  /**
   * Finishes the queued and running calls, then stops the threads, then holds their feature cache to
   * its cap: each worker counted only its own writes, and one stopped mid-eviction left it undone.
   * The trim scans the folder (0.3–0.4 s for 7,000 entries), so it runs only after workers wrote to
   * it: a pool that classified text dialogues closes at once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await (this.#processes ? this.#processes.close() : this.#threads!.stop('close'));
    await this.#trimming;
    if (this.#workersMayHaveWritten) await this.#trimNow();
  }

  /** Stops the threads at once; calls still queued or running are rejected. A trim under way is let finish. */
  async destroy(): Promise<void> {
    this.#closed = true;
    await (this.#processes ? this.#processes.destroy() : this.#threads!.stop('destroy'));
    await this.#trimming;
  }
}

/** What a closed pool answers, and a predictor's pool never started before its close() (batch-predict.ts). */
export function closedPoolError(name: string, cause?: unknown): EcommirError {
  return new EcommirError('ECM_ERR_BACKEND', `the ${name} pool is closed (close() or destroy() was called on it or on the predictor that owns it); create a new one to predict`, { cause, statusCode: 503 });
}
