// Numeric options of the command line, read one way everywhere: the value is a number within the
// flag's bounds, or the command stops before any work, naming the flag and the value. A flag that was
// not given takes its `fallback`. Worker counts also answer to the machine: each worker process loads
// its own models.
import { availableParallelism, totalmem } from 'node:os';
import { EcommirError } from '../errors.js';

/** Bounds of a number option; `above` and `below` exclude their bound. */
export interface NumberBounds {
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

/** The most augmented copies made of one image: each is a full decode and re-encode; a million ran for ever with no progress line. */
export const MAX_AUGMENT_COPIES = 100;

function parse(value: string): number {
  // Number('') is 0 and Number('1e3') is 1000: an empty value is refused, a written-out one is read.
  return value.trim() === '' ? Number.NaN : Number(value);
}

/**
 * An integer option, at least `min` (default 1) and at most `max` when it has one: a count with no
 * bound (`--threads 100000`, `--per-label 100000000`) filled gigabytes of memory or hung, saying nothing.
 */
export function intOption(value: string, flag: string, bounds?: { min?: number; max?: number }): number;
export function intOption<F>(value: string | undefined, flag: string, bounds: { min?: number; max?: number; fallback: F }): number | F;
export function intOption<F>(value: string | undefined, flag: string, bounds: { min?: number; max?: number; fallback?: F } = {}): number | F | undefined {
  if (value === undefined) return bounds.fallback;
  const min = bounds.min ?? 1;
  const { max } = bounds;
  const n = parse(value);
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `${flag} must be an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A finite number option within its bounds. */
export function numberOption(value: string, flag: string, bounds: NumberBounds): number;
export function numberOption<F>(value: string | undefined, flag: string, bounds: NumberBounds & { fallback: F }): number | F;
export function numberOption<F>(value: string | undefined, flag: string, bounds: NumberBounds & { fallback?: F }): number | F | undefined {
  if (value === undefined) return bounds.fallback;
  const { min, max, above, below } = bounds;
  const n = parse(value);
  const within = Number.isFinite(n) && !(min !== undefined && n < min) && !(max !== undefined && n > max) && !(above !== undefined && n <= above) && !(below !== undefined && n >= below);
  if (!within) throw new EcommirError('ECM_ERR_BAD_OPTION', `${flag} must be a number ${describeBounds(bounds)}, got ${JSON.stringify(value)}`);
  return n;
}

function describeBounds({ min, max, above, below }: NumberBounds): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  const lower = min !== undefined ? `≥ ${min}` : above !== undefined ? `> ${above}` : undefined;
  const upper = max !== undefined ? `≤ ${max}` : below !== undefined ? `< ${below}` : undefined;
  return [lower, upper].filter((part) => part !== undefined).join(' and ');
}

/**
 * Resident memory of one worker process that holds the shipped models and reads new images with OCR:
 * 650–670 MB each, measured on 2026-12-04 (`predict --concurrency 2`, empty feature cache).
 */
export const WORKER_MEMORY_BYTES = 700 * 1024 * 1024;

export interface MachineFacts {
  cores: number;
  memoryBytes: number;
  warn: (message: string) => void;
}

const thisMachine = (): MachineFacts => ({ cores: availableParallelism(), memoryBytes: totalmem(), warn: (m) => process.stderr.write(`ecommir: ${m}\n`) });

/**
 * A count of worker processes, each holding the models: refused when the workers would not fit in
 * memory (a typo such as 64 for 4 would swap the machine), and warned about above the core count,
 * where more workers only wait for a core.
 */
export function workerCountOption(value: string | undefined, flag: string, fallback: number, machine: MachineFacts = thisMachine()): number {
  if (value === undefined) return fallback;
  const n = intOption(value, flag);
  const gb = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  const fit = Math.max(1, Math.floor(machine.memoryBytes / WORKER_MEMORY_BYTES));
  if (n > fit) {
    throw new EcommirError(
      'ECM_ERR_BAD_OPTION',
      `${flag} ${n} would start ${n} worker processes of about ${WORKER_MEMORY_BYTES / 1024 ** 2} MB each (${gb(n * WORKER_MEMORY_BYTES)} GB), more than the ${gb(machine.memoryBytes)} GB of this machine; ` +
        `at most ${fit} fit, and ${machine.cores} (the cores) is the most that run at once`,
    );
  }
  if (n > machine.cores) machine.warn(`${flag} ${n} is more than the ${machine.cores} cores of this machine: the extra workers wait for a core, each holding its own models (about ${WORKER_MEMORY_BYTES / 1024 ** 2} MB)`);
  return n;
}
