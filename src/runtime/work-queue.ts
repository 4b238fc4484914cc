// A bounded concurrency limiter in front of the recognisers: CPU-heavy calls (a lane's predictions)
// or calls to a scarce remote (a big-model engine's request slots) run a few at a time, a burst waits
// in a bounded queue, and a full queue is refused at once (503) rather than piling up memory and
// latency. A caller whose deadline passes while still queued is dropped unrun.
import { EcommirError } from '../errors.js';

interface Waiter {
  start: () => void;
}

export class WorkQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
    /** Names the queue in the busy error (a lane: text, image). */
    readonly name = 'work',
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `task` when a slot is free. The signal only cancels the wait: a task already running
   * keeps its slot until it settles (recognisers cannot be interrupted), so load stays bounded.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.concurrency) return this.execute(task);
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new EcommirError('ECM_ERR_BUSY', `the ${this.name} queue is full: ${this.running} running and ${this.waiting.length} waiting; retry later`, { statusCode: 503 }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.execute(task).then(resolve, reject);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private async execute<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.start();
    }
  }
}
