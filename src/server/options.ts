// The service's configuration: one defaults object with units, validated and frozen once at start-up.
// What a sample may carry (text, turns, images, pixels) is the library's InputLimits, shared with
// the CLI; the rest is the service's own: bodies, lanes, deadlines, connections, rate.
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../data/input-limits.js';
import { EcommirError } from '../errors.js';
import type { FeatureCacheOptions } from '../features/cache.js';
import { DEFAULT_LANES, InProcessLanes, WorkerLanes, type RecognizerRuntime } from '../runtime/lanes.js';
import type { RecognizerSource } from '../runtime/source.js';
import { DEFAULT_LOAD_TIMEOUT_MS, SwappableRuntime, type ModelFolders, type SwappableRuntimeOptions } from '../runtime/swap.js';
import type { ModelFiles } from '../tasks/default-models.js';
import type { FeedbackStore } from '../feedback/store.js';
import type { Recognizer } from '../tasks/recognizer.js';
import { validateApiKeys } from './auth.js';

export interface ServerLimits extends InputLimits {
  /** Largest request body (JSON or multipart upload), bytes. */
  maxBodyBytes: number;
  /** Request bodies being received or worked on at once, bytes (declared sizes); past it 503. One client (API key, else address) may hold half of it, or one largest body if more. */
  maxBodyBytesInFlight: number;
  /** Most samples in one POST /v1/batch. */
  maxBatch: number;
  /** Text lane (dialogues without images, or whose images are only checked: runtime/lanes.ts): calls at once, and calls allowed to wait. */
  textConcurrency: number;
  textMaxQueue: number;
  /** Image lane (scene requests, dialogues whose images are read, large or costly to decode): calls at once, and calls allowed to wait. */
  imageConcurrency: number;
  imageMaxQueue: number;
  /** Deadline of one classification request from its arrival, queue wait included, ms. */
  timeoutMs: number;
  /** Deadline of a whole batch from its arrival, ms; items unfinished by then report ECM_ERR_TIMEOUT. */
  batchTimeoutMs: number;
  /** Time to receive a whole request (headers and body), ms; a slower one gets 408. */
  requestTimeoutMs: number;
  /** Deadline of a model reload's load (new workers started and warmed up), ms; past it 504 and the models in service stay. */
  reloadTimeoutMs: number;
  /** Deadline of the service's start (its workers started and warmed up), ms; past it the start fails with ECM_ERR_TIMEOUT; 0 for none. */
  startTimeoutMs: number;
  /** Open connections; more are refused by the socket layer. */
  maxConnections: number;
  /** Open connections from one address. */
  maxConnectionsPerAddress: number;
  /** Requests to /v1 per minute per API key (or per address without one); 0 turns the limit off. */
  rateLimitPerMinute: number;
}

/**
 * The limits a client needs to shape a request before sending it (GET /readyz `limits`): the page refuses
 * an image over the limit when it is picked, where it used to read and send it to be refused. The others
 * (lanes, deadlines, connections, rate) are the operator's business.
 */
export const PUBLISHED_LIMITS = ['maxBodyBytes', 'maxBatch', 'maxTurns', 'maxTurnChars', 'maxTextChars', 'maxImages', 'maxImageBytes', 'maxImagePixels', 'maxImageSide'] as const;

export type PublishedLimits = Pick<ServerLimits, (typeof PUBLISHED_LIMITS)[number]>;

export function publishedLimits(limits: Readonly<ServerLimits>): PublishedLimits {
  return Object.fromEntries(PUBLISHED_LIMITS.map((name) => [name, limits[name]])) as PublishedLimits;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  ...DEFAULT_INPUT_LIMITS,
  maxBodyBytes: 32 * 1024 * 1024, // 32 MiB: a batch of a few base64 screenshots
  maxBodyBytesInFlight: 128 * 1024 * 1024,
  maxBatch: 64,
  textConcurrency: DEFAULT_LANES.text.concurrency,
  textMaxQueue: DEFAULT_LANES.text.maxQueue,
  imageConcurrency: DEFAULT_LANES.image.concurrency,
  imageMaxQueue: DEFAULT_LANES.image.maxQueue,
  timeoutMs: 30_000, // OCR of one screenshot is about 0.5–2.5 s on one core
  batchTimeoutMs: 300_000,
  requestTimeoutMs: 60_000,
  reloadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
  startTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
  maxConnections: 1024,
  maxConnectionsPerAddress: 256,
  rateLimitPerMinute: 12_000,
});

export interface RecognizerPair {
  scene?: Recognizer;
  intent?: Recognizer;
}

export interface AuthOptions {
  /** Accepted bearer keys; empty (and no reviewer keys) means no key can succeed. */
  apiKeys: readonly string[];
  /**
   * Keys that may review and relabel every stored sample (also accepted as API keys). With none,
   * every key may; with some, the other keys see only the stored samples of their own requests.
   */
  reviewerKeys: readonly string[];
  /** Requests from a loopback address pass without a key (the local web page). */
  anonymousLoopback: boolean;
}

export interface WorkerOptions {
  /** Where each worker loads its recognisers from (see runtime/source.ts: backendSource). */
  source: RecognizerSource;
  /** The workers' feature cache (serve: private and bounded). */
  cache?: FeatureCacheOptions;
  /** Nice increment of the image lane's processes (default 10; 0 = the text lane's priority where SCHED_IDLE is off or unavailable). */
  imageNice?: number;
  /** Run the image lane's processes under SCHED_IDLE where the system allows (default true). */
  imageIdle?: boolean;
  /** The model folders `source` loads (reported as versions in /readyz and on every prediction). */
  models?: ModelFolders;
  /**
   * The source for other model folders: what a reload (POST /v1/admin/reload, SIGHUP) loads, and the
   * start too when given. It gets the model files as read for their versions; a source that passes them
   * on (BackendSelection.modelFiles) has its workers parse them, where `source` alone reads the folders.
   */
  sourceFor?: (models: ModelFolders, files?: ModelFiles) => RecognizerSource;
  /** Warm each new worker up before it takes work (WorkerLanesOptions.warmUp). Default true. */
  warmUp?: boolean;
  /** The tasks a big-model backend answers (SwappableRuntimeOptions.backends): their version and the backend in /readyz. */
  backends?: SwappableRuntimeOptions['backends'];
}

export interface BuildAppOptions {
  /**
   * Recognisers as objects: they run in this process, on its event loop (tests, a library user's
   * own recogniser). `workers` runs them off the loop instead.
   */
  recognizers?: RecognizerPair;
  /** Recognisers loaded in worker threads and processes, one lane each for text and images. */
  workers?: WorkerOptions;
  /** A runtime built by the caller (who closes it); wins over `recognizers` and `workers`. */
  runtime?: RecognizerRuntime;
  auth?: Partial<AuthOptions>;
  /** Keys of POST /v1/admin/reload and /v1/admin/rollback (none: those answer 403; SIGHUP still reloads). */
  adminKeys?: readonly string[];
  /** Stores every prediction and takes corrections (POST /v1/feedback, GET /v1/review). Closed with the app. */
  feedback?: FeedbackStore;
  limits?: Partial<ServerLimits>;
  /** Below this confidence a prediction is flagged uncertain. */
  threshold?: number;
  /** Ranked labels returned per prediction. */
  topK?: number;
  /** Fastify's logger: false (default, tests and the bench), true (info to stdout), or a stream. */
  logger?: boolean | { stream: NodeJS.WritableStream; level?: string };
}

export interface ResolvedServerOptions {
  runtime: RecognizerRuntime;
  /** buildApp made the runtime, so closing the app closes it. */
  ownsRuntime: boolean;
  auth: AuthOptions;
  adminKeys: readonly string[];
  feedback?: FeedbackStore;
  limits: ServerLimits;
  threshold: number;
  topK: number;
  logger: BuildAppOptions['logger'];
}

/** Limits where 0 means something (no queue; no rate limit; no start deadline): the rest must be ≥ 1. */
const LIMITS_ALLOWING_ZERO: ReadonlySet<string> = new Set<keyof ServerLimits>(['textMaxQueue', 'imageMaxQueue', 'rateLimitPerMinute', 'startTimeoutMs']);

/** Fills defaults and checks every number once, so the routes can trust them. */
export async function resolveServerOptions(options: BuildAppOptions = {}): Promise<Readonly<ResolvedServerOptions>> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...dropUndefined(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    const min = LIMITS_ALLOWING_ZERO.has(name) ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `server limit ${name} must be an integer ≥ ${min}, got ${String(value)}`);
    }
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `threshold must be in [0, 1], got ${threshold}`);
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `topK must be a positive integer, got ${topK}`);
  const apiKeys = validateApiKeys(options.auth?.apiKeys ?? [], 'auth.apiKeys');
  const reviewerKeys = validateApiKeys(options.auth?.reviewerKeys ?? [], 'auth.reviewerKeys', 'reviewer');
  const lanes = {
    text: { concurrency: limits.textConcurrency, maxQueue: limits.textMaxQueue },
    image: { concurrency: limits.imageConcurrency, maxQueue: limits.imageMaxQueue },
  };
  let runtime = options.runtime;
  const ownsRuntime = runtime === undefined;
  if (!runtime && options.workers) {
    // Behind a SwappableRuntime, so that a reload can replace the lanes without dropping a request.
    const workers = options.workers;
    runtime = await SwappableRuntime.create({
      folders: workers.models ?? {},
      build: (folders, signal, files) =>
        WorkerLanes.create({ source: workers.sourceFor ? workers.sourceFor(folders, files) : workers.source, cache: workers.cache, lanes, limits, imageNiceIncrement: workers.imageNice, imageIdleScheduling: workers.imageIdle, warmUp: workers.warmUp, signal }),
      loadTimeoutMs: limits.reloadTimeoutMs,
      startTimeoutMs: limits.startTimeoutMs,
      smokeTimeoutMs: limits.timeoutMs,
      checkAtStart: workers.warmUp !== false,
      backends: workers.backends,
    });
  }
  runtime ??= new InProcessLanes({ ...(options.recognizers ?? {}) }, lanes, limits);
  return Object.freeze({
    runtime,
    ownsRuntime,
    auth: Object.freeze({ apiKeys: Object.freeze(apiKeys), reviewerKeys: Object.freeze(reviewerKeys), anonymousLoopback: options.auth?.anonymousLoopback ?? false }),
    adminKeys: Object.freeze(validateApiKeys(options.adminKeys ?? [], 'adminKeys')),
    feedback: options.feedback,
    limits: Object.freeze(limits),
    threshold,
    topK,
    logger: options.logger ?? false,
  });
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== undefined)) as Partial<T>;
}
