// Progress of a long run on stderr: done/total, rate, elapsed, time left. On a terminal one line is
// redrawn at most every `intervalMs`; otherwise (logs, nohup) a full line is printed every
// `logIntervalMs`, so a log file stays short but still shows the run is alive.
import { EcommirError } from '../errors.js';

export interface ProgressOptions {
  total: number;
  /** Shown before the counts. */
  label?: string;
  /** False: print nothing at all. */
  enabled?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Redraw interval on a terminal, ms. */
  intervalMs?: number;
  /** Line interval when not a terminal, ms. */
  logIntervalMs?: number;
  /** Clock, ms (tests pass a fake one). */
  now?: () => number;
}

export interface ProgressSnapshot {
  done: number;
  total: number;
  /** Items per second since start. */
  rate: number;
  elapsedMs: number;
  /** Estimated, from the mean rate; undefined before the first item. */
  remainingMs?: number;
  failed: number;
}

export class Progress {
  readonly total: number;
  readonly #label: string;
  readonly #enabled: boolean;
  readonly #stream: NodeJS.WritableStream & { isTTY?: boolean };
  readonly #interval: number;
  readonly #now: () => number;
  readonly #start: number;
  #done = 0;
  #failed = 0;
  #lastPrint = -Infinity;

  constructor(options: ProgressOptions) {
    if (!Number.isInteger(options.total) || options.total < 0) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `progress total must be a non-negative integer, got ${options.total}`);
    }
    this.total = options.total;
    this.#label = options.label ?? '';
    this.#enabled = options.enabled ?? true;
    this.#stream = options.stream ?? process.stderr;
    this.#interval = this.#stream.isTTY ? (options.intervalMs ?? 1000) : (options.logIntervalMs ?? 15_000);
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /** Count n items as finished (failed ones too: they are done, not pending). */
  tick(n = 1, options: { failed?: boolean } = {}): void {
    this.#done += n;
    if (options.failed) this.#failed += n;
    const t = this.#now();
    if (t - this.#lastPrint >= this.#interval) {
      this.#lastPrint = t;
      this.#print(false);
    }
  }

  snapshot(): ProgressSnapshot {
    const elapsedMs = this.#now() - this.#start;
    const rate = elapsedMs > 0 ? (this.#done * 1000) / elapsedMs : 0;
    const remainingMs = this.#done > 0 && rate > 0 ? ((this.total - this.#done) / rate) * 1000 : undefined;
    return { done: this.#done, total: this.total, rate, elapsedMs, remainingMs, failed: this.#failed };
  }

  /** The final line (always printed when enabled). */
  finish(): ProgressSnapshot {
    this.#print(true);
    return this.snapshot();
  }

  format(s: ProgressSnapshot = this.snapshot()): string {
    const pct = s.total ? ((100 * s.done) / s.total).toFixed(1) : '100.0';
    const left = s.remainingMs === undefined ? '?' : formatDuration(s.remainingMs);
    const failed = s.failed ? ` ${s.failed} failed` : '';
    return `${this.#label ? this.#label + ' ' : ''}${s.done}/${s.total} (${pct}%) ${s.rate.toFixed(2)}/s elapsed ${formatDuration(s.elapsedMs)} left ${left}${failed}`;
  }

  #print(final: boolean): void {
    if (!this.#enabled) return;
    const line = this.format();
    if (this.#stream.isTTY) this.#stream.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    else this.#stream.write(`${line}\n`);
  }
}

/** 75_000 → "1m15s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
