// The job queue's shared vocabulary (BullMQ over Redis): where the queue lives, what a job carries,
// and how a worker turns a job back into a sample. One queue per model version
// (`ecommir:predict-<version>`): a worker only takes jobs its models can answer, and a fleet in the
// middle of a model roll-out never mixes answers of two models. A job's id is the key of its
// prediction (content hash + model version), so the same sample enqueued twice, by a duplicate or a
// re-run, is one job, answered once.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EcommirError, type ErrorCode } from '../errors.js';
import type { KeyedSample } from '../runtime/batch-predict.js';
import type { ImageRef, Role, Sample, Task } from '../types.js';

/** Key prefix of every queue of ecommir in Redis. */
export const QUEUE_PREFIX = 'ecommir';

/** The queue of one model version. */
export function queueName(version: string): string {
  return `predict-${version}`;
}

/** BullMQ refuses integer-looking custom ids; a letter in front keeps every key valid. */
export function jobIdOf(key: string): string {
  return `p${key}`;
}

export const JOB_FORMAT = 1;

/** An image of a job: where a worker reads it (a path on shared storage, or the bytes inline) and its hash. */
export interface JobImage {
  name: string;
  sha256: string;
  path?: string;
  base64?: string;
}

export interface PredictJobData {
  format: typeof JOB_FORMAT;
  /** The model version whose queue the job was put on: a worker serving another refuses it. */
  modelVersion: string;
  sample: {
    id: string;
    index: number;
    task: Task;
    candidates: string[];
    /** Turns, their images as indexes into `images`. */
    turns: { role: Role; text: string; images: number[] }[];
    images: JobImage[];
  };
}

export interface JobDefaults {
  /** Tries of a job before it goes to the dead letters (failed set). */
  attempts: number;
  /** First retry after this many ms, doubling each time. */
  backoffMs: number;
  /** Answers are kept this long (a re-run within it costs nothing); dead letters twice as long. */
  keepSeconds: number;
}

export const DEFAULT_JOB_OPTIONS: Readonly<JobDefaults> = Object.freeze({ attempts: 3, backoffMs: 1000, keepSeconds: 24 * 3600 });

/** BullMQ options of a prediction job. */
export function bullJobOptions(key: string, defaults: JobDefaults) {
  return {
    jobId: jobIdOf(key),
    attempts: defaults.attempts,
    backoff: { type: 'exponential' as const, delay: defaults.backoffMs },
    removeOnComplete: { age: defaults.keepSeconds },
    removeOnFail: { age: 2 * defaults.keepSeconds },
  };
}

/** The job of a keyed sample. Images go by path (workers share the storage) or inline. */
export async function jobData(keyed: KeyedSample, version: string, options: { inlineImages?: boolean } = {}): Promise<PredictJobData> {
  const { sample, content } = keyed;
  const indexOf = (ref: ImageRef) => {
    const i = sample.images.indexOf(ref);
    return i >= 0 ? i : sample.images.findIndex((r) => r.name === ref.name);
  };
  const images: JobImage[] = [];
  for (const [i, ref] of sample.images.entries()) {
    const image: JobImage = { name: ref.name, sha256: content.imageHashes[i] };
    if (options.inlineImages || ref.bytes || !ref.path) image.base64 = Buffer.from(ref.bytes ?? (await readFile(ref.path ?? ref.name))).toString('base64');
    else image.path = ref.path;
    images.push(image);
  }
  return {
    format: JOB_FORMAT,
    modelVersion: version,
    sample: {
      id: sample.id,
      index: sample.index,
      task: sample.task,
      candidates: sample.candidates,
      turns: sample.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map(indexOf) })),
      images,
    },
  };
}

/** A job's image bytes changed since it was enqueued, or a job is malformed: retrying cannot help. */
/** A job that no retry can answer; `code` is what the client's errors file reports for it. */
export class BadJobError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = 'ECM_ERR_BAD_RECORD',
  ) {
    super(message);
  }
}

/** Refuses what is not an ecommir prediction job, before its model version is looked at (a stray job was named by its missing version). */
export function checkJobFormat(data: PredictJobData | undefined): void {
  if (data?.format !== JOB_FORMAT || !data.sample || !Array.isArray(data.sample.images) || !Array.isArray(data.sample.turns)) {
    throw new BadJobError(`not an ecommir prediction job of format ${JOB_FORMAT}`);
  }
}

/**
 * The sample a job describes, its images read into memory and checked against the hashes the job
 * was keyed by. A file that cannot be read is an ordinary error (shared storage can hiccup: the job
 * is retried); bytes that differ are a BadJobError.
 */
export async function sampleFromJob(data: PredictJobData): Promise<Sample> {
  checkJobFormat(data);
  const s = data.sample;
  const images: ImageRef[] = [];
  for (const image of s.images) {
    let bytes: Uint8Array;
    if (image.base64 !== undefined) bytes = new Uint8Array(Buffer.from(image.base64, 'base64'));
    else if (image.path) bytes = new Uint8Array(await readFile(image.path));
    else throw new BadJobError(`image ${image.name} has neither a path nor bytes`);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== image.sha256) throw new BadJobError(`image ${image.name} is not the one enqueued (its bytes changed: sha256 ${digest.slice(0, 12)}…, expected ${String(image.sha256).slice(0, 12)}…)`, 'ECM_ERR_IMAGE_CORRUPT');
    images.push({ name: image.name, bytes });
  }
  const turns = s.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map((i) => images[i]) }));
  if (turns.some((t) => t.images.some((ref) => ref === undefined))) throw new BadJobError('a turn points at an image the job does not have');
  return { id: s.id, index: s.index, task: s.task, candidates: s.candidates, turns, images };
}

/** A redis:// URL with the password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** HOST:PORT or [IPv6]:PORT, as `redis-cli -h HOST -p PORT` users think of a Redis. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/**
 * The redis:// URL of a `--queue` or `--redis` value; `what` is the flag the user typed, so an error
 * names it. HOST:PORT is taken as redis://HOST:PORT: a URL would have `//` after its scheme, so
 * nothing else is meant by it, and `redis:6379` (a Compose service named redis) parsed as a URL has
 * no host at all.
 */
export function redisUrl(given: string, what = 'the Redis of the queue'): string {
  const text = given.trim();
  const url = HOST_PORT.test(text) ? `redis://${text}` : text;
  const shown = URL.canParse(url) ? redactUrl(url) : JSON.stringify(given);
  if (!/^rediss?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `${what} must be a URL like redis://127.0.0.1:6379 (or HOST:PORT; rediss:// for TLS), got ${shown}`);
  }
  return url;
}

/** BullMQ's connection options for a redis:// URL. */
export function connectionOptions(url: string) {
  // BullMQ's own retries space out to 20 s: a run would sit that long after Redis is back. A retry
  // every 2 s at most costs nothing, and watchRedis keeps them out of the log.
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(500 * times, 2000) };
}

/** An error that says Redis cannot be reached (BullMQ's connections retry these by themselves). */
export function isConnectionError(err: Error & { code?: string }): boolean {
  const codes = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/;
  return codes.test(err.code ?? '') || codes.test(err.message) || /Connection is closed/i.test(err.message);
}

/** What a queue object (Queue, QueueEvents, Worker) tells of its connections. */
interface Watched {
  on(event: 'error', listener: (err: Error) => void): unknown;
  getBackend(): { on(event: 'ready' | 'close', listener: () => void): unknown };
}

export interface RedisWatch {
  /** Our own close is no loss. */
  stop(): void;
}

/**
 * Says once that Redis is lost (and what is kept meanwhile) and once that it is back, instead of
 * each failed reconnect of each connection (20 lines in 40 s). Errors that are not about the
 * connection are logged as they come.
 */
const CLOSE_GRACE_MS = 2500;

export function watchRedis(
  objects: readonly Watched[],
  options: { url: string; who: string; log: (line: string) => void; kept: () => string; back: string },
): RedisWatch {
  const { who, log } = options;
  let lostAt: number | undefined;
  let stopped = false;
  const lost = (why: string) => {
    if (stopped || lostAt !== undefined) return;
    lostAt = Date.now();
    log(`${who}: lost the connection to Redis at ${redactUrl(options.url)} (${why}); ${options.kept()}; reconnecting every 2 s, quiet until Redis is back`);
  };
  const closing = new Set<NodeJS.Timeout>();
  for (const object of objects) {
    object.on('error', (err) => {
      if (isConnectionError(err)) lost(err.message);
      else log(`${who}: ${err.message}`);
    });
    const backend = object.getBackend();
    // BullMQ also closes a connection itself and opens it again at once (a blocking read that overran
    // its timeout): a close is a loss only if no 'ready' follows within CLOSE_GRACE_MS.
    let pending: NodeJS.Timeout | undefined;
    backend.on('close', () => {
      if (stopped || lostAt !== undefined || pending) return;
      pending = setTimeout(() => {
        closing.delete(pending!);
        pending = undefined;
        lost('the connection was closed');
      }, CLOSE_GRACE_MS).unref();
      closing.add(pending);
    });
    backend.on('ready', () => {
      if (pending) {
        clearTimeout(pending);
        closing.delete(pending);
        pending = undefined;
      }
      if (stopped || lostAt === undefined) return;
      log(`${who}: Redis at ${redactUrl(options.url)} is back after ${Math.round((Date.now() - lostAt) / 1000)} s; ${options.back}`);
      lostAt = undefined;
    });
  }
  return {
    stop() {
      stopped = true;
      for (const timer of closing) clearTimeout(timer);
      closing.clear();
    },
  };
}

/**
 * The model versions the workers connected to this Redis serve, with how many workers each: a
 * BullMQ worker names its connection `<prefix>:<base64 of its queue>[:w:<worker name>]`, and each
 * of our queues is `predict-<version>`.
 */
export function servedVersions(clientLists: readonly string[]): Map<string, number> {
  const served = new Map<string, number>();
  const pattern = new RegExp(`^${QUEUE_PREFIX}:([A-Za-z0-9+/]+=*)(?::w:.*)?$`);
  for (const line of clientLists.join('\n').split(/\r?\n/)) {
    const name = /(?:^| )name=(\S+)/.exec(line)?.[1];
    const encoded = name && pattern.exec(name)?.[1];
    if (!encoded) continue;
    const queue = Buffer.from(encoded, 'base64').toString('utf8');
    if (!queue.startsWith(queueName(''))) continue;
    const version = queue.slice(queueName('').length);
    served.set(version, (served.get(version) ?? 0) + 1);
  }
  return served;
}

export interface RedisInfo {
  version: string;
  maxmemoryPolicy: string;
}

/**
 * Checks the URL and that Redis answers, within `timeoutMs`, before BullMQ is handed it (its own
 * connections retry forever, which would make a typo in the URL hang instead of fail).
 */
export async function checkRedis(given: string, timeoutMs = 10_000): Promise<RedisInfo> {
  const url = redisUrl(given);
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  redis.on('error', () => {}); // reported by the rejected calls below
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const policy = ((await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[])[1] ?? 'unknown';
    return { version, maxmemoryPolicy: policy };
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BACKEND', `cannot reach Redis at ${redactUrl(url)}: ${(cause as Error).message}`, { cause, statusCode: 503 });
  } finally {
    redis.disconnect();
  }
}
