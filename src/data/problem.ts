// A problem found while loading: the same facts an EcommirError carries, kept as data so that
// `skipBad` loading and `data inspect` can report every problem instead of stopping at the first.
import { EcommirError, type ErrorCode, type ItemRef } from '../errors.js';
import type { Taxonomy } from '../labels/taxonomy.js';
import type { Task } from '../types.js';
import type { InputLimits } from './input-limits.js';

export interface Problem {
  code: ErrorCode;
  /** The full message, naming the item. */
  message: string;
  item: ItemRef;
}

export function problemFromError(err: EcommirError): Problem {
  return { code: err.code, message: err.message, item: err.item ?? {} };
}

/**
 * A record a `--skip-bad` run left out, as the CLI lists it (predict's `<out>.errors.jsonl`, `train
 * --json`'s `skipped`): which record, and why. `attempts` is set for a queued sample that failed its tries.
 */
export interface SkippedRecord {
  index?: number;
  id?: string;
  code: ErrorCode;
  message: string;
  attempts?: number;
}

export function skippedRecord(p: Problem & { attempts?: number }): SkippedRecord {
  return { index: p.item.index, id: p.item.id, code: p.code, message: p.message, ...(p.attempts !== undefined ? { attempts: p.attempts } : {}) };
}

/** Options shared by the loaders. */
export interface LoadOptions {
  /** Folder the record's image names are resolved against. */
  imagesDir?: string;
  /** Probe every image (exists, complete, supported, within limits). */
  checkImages?: boolean;
  /** With checkImages, also decode every image in full as predict does, so that a truncated file is found. */
  decodeImages?: boolean;
  /**
   * Hold every sample to these input limits (the HTTP API's, with its errors: empty user turns,
   * text, image count, then each image's header and the sample's pixels), the file named. With
   * checkImages too, the headers are read once, by this check.
   */
  inputLimits?: Readonly<InputLimits>;
  /** Collect problems and keep the good samples instead of throwing the first problem. */
  skipBad?: boolean;
  /**
   * The label sets a gold label must belong to when the record lists no candidates of its own (the
   * native format): a task's taxonomy here, else the shipped one. Challenge records are checked
   * against the candidates their instruction lists.
   */
  taxonomies?: Partial<Record<Task, Taxonomy>>;
  /**
   * Hold each gold label to its label set, the candidates or the taxonomy (default true). False reads
   * labels as written, for a command that makes no use of them: `data clean` refused a whole file
   * over one label it never read.
   */
  checkLabels?: boolean;
}

export interface LoadResult<T> {
  samples: T[];
  problems: Problem[];
}

/**
 * Runs `step` for each item; an EcommirError becomes a problem when skipBad is on and is thrown
 * otherwise. Other errors are bugs and always propagate.
 */
export async function collectOrThrow<In, Out>(
  items: readonly In[],
  skipBad: boolean,
  step: (item: In, index: number) => Promise<Out> | Out,
  concurrency = 1,
): Promise<LoadResult<Out>> {
  const results: (Out | undefined)[] = new Array(items.length);
  const problemsAt: (Problem | undefined)[] = new Array(items.length);
  let next = 0;
  // A holder, not a `let`: the workers set it, and TypeScript does not track closures' writes.
  const first: { failure?: EcommirError } = {};
  const worker = async (): Promise<void> => {
    while (next < items.length && !first.failure) {
      const index = next++;
      try {
        results[index] = await step(items[index], index);
      } catch (err) {
        if (!(err instanceof EcommirError)) throw err;
        if (!skipBad) {
          // Keep the earliest failing record so that the error is the same whatever the concurrency.
          first.failure = earlier(first.failure, err);
          return;
        }
        problemsAt[index] = problemFromError(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (first.failure) throw first.failure;
  const samples: Out[] = [];
  const problems: Problem[] = [];
  for (let i = 0; i < items.length; i++) {
    if (problemsAt[i]) problems.push(problemsAt[i]!);
    else if (results[i] !== undefined) samples.push(results[i]!);
  }
  return { samples, problems };
}

/**
 * `step` for the records of a reader that already refused some by index (a repeated key, found
 * while parsing): those are thrown here, so that collectOrThrow reports or skips them as any bad record.
 */
export function throwingRefused<In, Out>(
  refused: ReadonlyMap<number, EcommirError>,
  step: (item: In, index: number) => Promise<Out>,
): (item: In, index: number) => Promise<Out> {
  return async (item, index) => {
    const refusal = refused.get(index);
    if (refusal) throw refusal;
    return step(item, index);
  };
}

function earlier(a: EcommirError | undefined, b: EcommirError): EcommirError {
  return a && (a.item?.index ?? Infinity) <= (b.item?.index ?? Infinity) ? a : b;
}
