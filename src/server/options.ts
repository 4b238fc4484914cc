// The service's configuration: one defaults object with units, validated and frozen once at start-up.
import { EcommirError } from '../errors.js';
import type { Recognizer } from '../tasks/recognizer.js';

export interface ServerLimits {
  /** Largest request body (JSON or multipart upload), bytes. */
  maxBodyBytes: number;
  /** Largest encoded image, bytes. */
  maxImageBytes: number;
  /** Largest decoded image, pixels (width × height): the decompression-bomb guard. */
  maxImagePixels: number;
  /** Most images in one dialogue. */
  maxImagesPerSample: number;
  /** Most turns in one dialogue. */
  maxTurns: number;
  /** Most samples in one POST /v1/batch. */
  maxBatch: number;
  /** Recogniser calls running at once (CPU-bound work: about the number of cores). */
  concurrency: number;
  /** Recogniser calls allowed to wait for a slot; one more gets 503 ECM_ERR_BUSY. */
  maxQueue: number;
  /** Deadline of one classification request from its arrival, queue wait included, ms. */
  timeoutMs: number;
  /** Deadline of a whole batch from its arrival, ms; items unfinished by then report ECM_ERR_TIMEOUT. */
  batchTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 32 * 1024 * 1024, // 32 MiB: a batch of a few base64 screenshots
  maxImageBytes: 10 * 1024 * 1024, // 10 MiB
  maxImagePixels: 40_000_000, // 40 MP; a 1080×2400 phone screenshot is 2.6 MP
  maxImagesPerSample: 16,
  maxTurns: 200,
  maxBatch: 64,
  concurrency: 2,
  maxQueue: 128,
  timeoutMs: 30_000, // OCR of one screenshot is about 2.4 s on one core
  batchTimeoutMs: 300_000,
});

export interface RecognizerPair {
  scene?: Recognizer;
  intent?: Recognizer;
}

export interface AuthOptions {
  /** Accepted bearer keys; empty means no key can succeed. */
  apiKeys: readonly string[];
  /** Requests from a loopback address pass without a key (the local web page). */
  anonymousLoopback: boolean;
}

export interface BuildAppOptions {
  /** The recognisers; a missing one makes its endpoint (and /readyz) answer 503 ECM_ERR_NO_MODEL. */
  recognizers?: RecognizerPair;
  auth?: Partial<AuthOptions>;
  limits?: Partial<ServerLimits>;
  /** Below this confidence a prediction is flagged uncertain. */
  threshold?: number;
  /** Ranked labels returned per prediction. */
  topK?: number;
  /** Fastify's logger; off by default (tests, the bench). */
  logger?: boolean;
}

export interface ResolvedServerOptions {
  recognizers: RecognizerPair;
  auth: AuthOptions;
  limits: ServerLimits;
  threshold: number;
  topK: number;
  logger: boolean;
}

/** Fills defaults and checks every number once, so the routes can trust them. */
export function resolveServerOptions(options: BuildAppOptions = {}): Readonly<ResolvedServerOptions> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...dropUndefined(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < (name === 'maxQueue' ? 0 : 1)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `server limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `threshold must be in [0, 1], got ${threshold}`);
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `topK must be a positive integer, got ${topK}`);
  const apiKeys = (options.auth?.apiKeys ?? []).map((key) => key.trim()).filter((key) => key !== '');
  return Object.freeze({
    recognizers: Object.freeze({ ...(options.recognizers ?? {}) }),
    auth: Object.freeze({ apiKeys: Object.freeze(apiKeys), anonymousLoopback: options.auth?.anonymousLoopback ?? false }),
    limits: Object.freeze(limits),
    threshold,
    topK,
    logger: options.logger ?? false,
  });
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== undefined)) as Partial<T>;
}
