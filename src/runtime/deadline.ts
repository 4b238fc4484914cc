// Deadlines as AbortSignals whose reason is an ECM_ERR_TIMEOUT error, so that waiting in a queue and
// waiting for the work stop at the same moment with the same code: a request's, and a model reload's.
import { EcommirError } from '../errors.js';

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer; call when the work is done. */
  clear(): void;
  /** Aborts early (e.g. the client went away). */
  abort(reason: unknown): void;
}

/** Node fires a timer of more than 2^31 − 1 ms (24.8 days) after 1 ms: a longer deadline is that long. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function startDeadline(ms: number, what: string): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new EcommirError('ECM_ERR_TIMEOUT', `${what} did not finish within ${ms} ms`, { statusCode: 504 }));
  }, Math.min(ms, LONGEST_TIMER_MS));
  timer.unref();
  return {
    signal: controller.signal,
    clear: () => clearTimeout(timer),
    abort: (reason) => {
      clearTimeout(timer);
      controller.abort(reason);
    },
  };
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {}); // the work still runs to completion; its late failure is not unhandled
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
