// A piscina pool that is started anew once all its threads have failed outside any task. Piscina
// reports such a failure (a thread failing as it loads: a replacement, or a first thread) as the
// pool's 'error' event, which, unheard, is thrown on the event loop and ends the process. It does
// not replace a replacement that failed as it loaded, and starts a thread for a task only as the task
// comes: with no thread left, the tasks queued for one would wait for the next task, forever on an
// idle service. So the pool is given up: its queued tasks fail with the fault, and the next task
// starts a new one. A load that always fails would then start a whole pool for every task, each loading
// again: say, the threads' code removed by a deploy under a running service (seen in a probe: every new
// thread failed with "Cannot find module"), or models that no longer fit the threads' heap limit. (A
// model folder that is gone does not fail the thread: the worker answers each call with its load error.)
// So a new start waits a while after a give-up, twice as long after each give-up in a row, and the
// tasks that come meanwhile fail at once.
import type { Piscina } from 'piscina';
import { EcommirError } from './errors.js';
import { closeForGood, stopForGood } from './thread-pool-stop.js';

/** The first wait after a give-up; each give-up in a row doubles it, up to MAX_RETRY_DELAY_MS. */
export const RETRY_DELAY_MS = 1_000;
export const MAX_RETRY_DELAY_MS = 30_000;

/** "1.3 s": a wait as the errors say it, rounded up so that it never reads 0. */
function describeWait(ms: number): string {
  return `${Math.ceil(ms / 100) / 10} s`;
}

/** A task failed because the pool's threads all failed outside any task. */
export class ThreadsFailedError extends Error {
  /** What the last thread failed with. */
  readonly fault: unknown;
  /** The fault's message. */
  readonly reason: string;
  /** Set when the task was refused without being queued: a new pool starts after this wait. */
  readonly retryInMs?: number;
  /**
   * When to retry, as the end of a message: "; they start again in 1.3 s; retry then", or "; retry"
   * for a task lost with its pool (the next task starts a new one). Callers that name the threads
   * their own way end their message with it.
   */
  readonly retryAdvice: string;

  constructor(fault: unknown, retryInMs?: number) {
    const reason = fault instanceof Error ? fault.message : String(fault);
    const retryAdvice = retryInMs === undefined ? '; retry' : `; they start again in ${describeWait(retryInMs)}; retry then`;
    super(`threads failed outside any task (${reason})${retryAdvice}`, { cause: fault });
    this.name = 'ThreadsFailedError';
    this.fault = fault;
    this.reason = reason;
    this.retryInMs = retryInMs;
    this.retryAdvice = retryAdvice;
  }
}

export interface RenewableThreadPoolOptions {
  /** Makes a pool; its 'error' events are handled here. */
  newPool: () => Piscina;
  /** Told of every thread that failed outside any task, with the threads of its pool still running (0: the pool is given up). */
  onThreadFault?: (fault: unknown, threadsLeft: number) => void;
  /** The first wait after a give-up, ≥ 0. Default RETRY_DELAY_MS; the doubling stops at MAX_RETRY_DELAY_MS (or at this, if longer). */
  threadRetryDelayMs?: number;
}

export class RenewableThreadPool {
  readonly #newPool: () => Piscina;
  readonly #onThreadFault?: (fault: unknown, threadsLeft: number) => void;
  readonly #retryDelayMs: number;
  #current?: Piscina;
  /** Why each pool given up on failed, for the tasks it held. */
  readonly #faults = new WeakMap<Piscina, unknown>();
  /** The stops of the pools given up on (stop() waits for them all). */
  readonly #stopping = new Set<Promise<void>>();
  #givenUpInARow = 0;
  #lastFault: unknown;
  /** No new pool starts before this (performance.now()). */
  #retryAt = 0;
  #stopped = false;

  constructor(options: RenewableThreadPoolOptions) {
    this.#newPool = options.newPool;
    this.#onThreadFault = options.onThreadFault;
    this.#retryDelayMs = options.threadRetryDelayMs ?? RETRY_DELAY_MS;
    // Named as the callers' option of the same name (the text lane's pool, the JSON body parser) is.
    if (!(this.#retryDelayMs >= 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `threadRetryDelayMs must be ≥ 0, got ${this.#retryDelayMs}`);
  }

  /** The pool running now, if any. */
  get current(): Piscina | undefined {
    return this.#current;
  }

  /**
   * The pool running now, or a new one. Throws ThreadsFailedError while the wait after a give-up
   * lasts, and an Error once stopped: a pool started then would never be stopped.
   */
  acquire(): Piscina {
    if (this.#stopped) throw new Error('the thread pool is stopped');
    if (this.#current) return this.#current;
    const wait = this.#retryAt - performance.now();
    if (wait > 0) throw new ThreadsFailedError(this.#lastFault, wait);
    const pool = this.#newPool();
    pool.on('error', (fault: unknown) => this.#threadFailed(pool, fault));
    return (this.#current = pool);
  }

  /** Runs a task on the pool running now (or a new one); a task lost to a give-up fails with ThreadsFailedError. */
  async run(task: unknown, options?: Parameters<Piscina['run']>[1]): Promise<unknown> {
    const pool = this.acquire();
    try {
      const result = await pool.run(task, options);
      // A thread loaded and answered: the next give-up is not one in a row.
      if (pool === this.#current) this.#givenUpInARow = 0;
      return result;
    } catch (err) {
      if (this.#faults.has(pool)) throw new ThreadsFailedError(this.#faults.get(pool));
      throw err;
    }
  }

  #threadFailed(pool: Piscina, fault: unknown): void {
    if (pool !== this.#current) return;
    const left = pool.threads.length;
    // Not told while stopping (a thread may throw as it is terminated); the give-up still counts, so
    // that a close does not wait for piscina's close timeout on tasks queued for threads now gone.
    if (!this.#stopped) this.#onThreadFault?.(fault, left);
    if (left > 0) return;
    this.#faults.set(pool, fault);
    this.#lastFault = fault;
    this.#current = undefined;
    this.#givenUpInARow++;
    const longest = Math.max(MAX_RETRY_DELAY_MS, this.#retryDelayMs);
    this.#retryAt = performance.now() + Math.min(longest, this.#retryDelayMs * 2 ** (this.#givenUpInARow - 1));
    const stop = stopForGood(pool).catch(() => {});
    this.#stopping.add(stop);
    void stop.then(() => this.#stopping.delete(stop));
  }

  /**
   * Stops the pool for good ('close' lets its tasks finish first, 'destroy' rejects them) and waits
   * for the stops of the pools given up on. No pool starts after it.
   */
  async stop(how: 'close' | 'destroy'): Promise<void> {
    this.#stopped = true;
    const pool = this.#current;
    if (pool) await (how === 'close' ? closeForGood(pool) : stopForGood(pool));
    await Promise.all(this.#stopping);
  }
}
