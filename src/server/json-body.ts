// The service's JSON body parser. Fastify's own joins a body's chunks and parses it with JSON.parse
// on the event loop: for a body near the 32 MiB limit that held it for 0.4–0.75 s here (joining
// 31 MB alone took 90 ms), before the limits could refuse a million one-character turns. Here a
// small body is parsed in place (a few ms at most); once a body grows past INLINE_BODY_BYTES its
// chunks are passed on to a parser thread as they arrive, and the thread joins and parses them and
// refuses a body with more values or a longer string than any request within the limits, so what
// comes back to the event loop is bounded by the limits, not by the body's size. Its large base64
// images are decoded there too (body-images.ts).
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { Piscina } from 'piscina';
import { describeDuplicateKey } from '../data/duplicate-keys.js';
import { EcommirError } from '../errors.js';
import { THREAD_EXEC_ARGV, threadFile } from '../thread-file.js';
import { RenewableThreadPool, ThreadsFailedError } from '../renewable-thread-pool.js';
import type { DecodedImages } from './body-images.js';
import { coverStreamedBody, streamedBodyRefused } from './body-budget.js';
import { parseJsonBody, type JsonBodyResult, type JsonBodyRules } from './json-body-parse.js';
import type { ReceiveBodyTask } from './json-body-worker.js';
import { pathWithoutQuery } from './request-path.js';

const WORKER_FILE = threadFile(import.meta.url, 'json-body-worker');

/** Bodies up to this size are parsed on the event loop: JSON.parse of 256 KiB takes a few ms at worst. */
export const INLINE_BODY_BYTES = 256 * 1024;

export interface JsonBodyLimits {
  maxBatch: number;
  maxTurns: number;
  maxImages: number;
  maxTextChars: number;
  maxImageBytes: number;
}

/**
 * Characters of an image of `bytes` as base64 in a JSON string, at most: MIME-wrapped at 76
 * characters a line, each CRLF written `\r\n` (4 characters) in JSON, is 4/76 (5.3%) more.
 */
export function base64JsonChars(bytes: number): number {
  return Math.ceil(((bytes * 4) / 3) * (1 + 4 / 76));
}

/**
 * The most a body within the limits can need. Values: a full batch of samples, each with every turn
 * (an object, its role, text and image list, with room for optional fields) and every image. String
 * length: a base64 image at the size limit (with line breaks and a data-URL prefix), or a dialogue's
 * whole text in one field (a challenge record's instruction) with room for its template. Depth: a
 * batch's image link is 7 deep (body, samples, sample, dialogue, turn, images, image); 32 leaves room.
 */
export function jsonBodyRules(limits: Readonly<JsonBodyLimits>): JsonBodyRules {
  return {
    maxValues: limits.maxBatch * (64 + limits.maxTurns * 8 + limits.maxImages * 4),
    maxStringChars: Math.max(base64JsonChars(limits.maxImageBytes) + 1024, limits.maxTextChars + 65_536),
    maxDepth: 32,
  };
}

export interface JsonBodyParserOptions {
  rules: JsonBodyRules;
  /** Larger bodies go to the threads. */
  inlineBytes?: number;
  /** Parser threads. Default: the cores available, at most 2. */
  threads?: number;
  /** Image strings of large bodies are decoded in the threads, held to this size limit. */
  maxImageBytes?: number;
  /** The parser threads' module (a file URL). Default: json-body-worker; tests give one that fails. */
  workerFile?: string;
  /** After all parser threads failed outside any body, the least wait before a large body starts them again (renewable-thread-pool.ts). Default 1 s. */
  threadRetryDelayMs?: number;
}

/** What the parser thread decoded of a request's images (body-images.ts), for the request's sample builder. */
const DECODED_IMAGES = new WeakMap<FastifyRequest, DecodedImages>();

export function decodedImagesOf(request: FastifyRequest): DecodedImages | undefined {
  return DECODED_IMAGES.get(request);
}

/** Where a large body's chunks go: a task of a parser thread. */
interface BodySink {
  push(chunk: Buffer): void;
  /** The thread's answer, once the body is complete; it may fail before (a thread failed, or the threads wait to start again). */
  answer: Promise<JsonBodyResult | undefined>;
  /** The body is complete. */
  end(): void;
  /** The request failed: the thread drops what it received. */
  cancel(): void;
}

/** Replaces Fastify's JSON parser on `app` (and the scopes registered after it); the threads close with the app. */
export function installJsonBodyParser(app: FastifyInstance, options: JsonBodyParserOptions): void {
  const inlineBytes = options.inlineBytes ?? INLINE_BODY_BYTES;
  const parserThreads = new RenewableThreadPool({
    newPool: () =>
      new Piscina({
        filename: options.workerFile ?? WORKER_FILE,
        // One thread stays started: starting one took 145 ms (130 ms more than a parse) for the first
        // large body after an idle minute.
        minThreads: 1,
        maxThreads: options.threads ?? Math.min(2, availableParallelism()),
        // A task mostly waits for chunks: a slow upload must not hold a thread from other bodies.
        concurrentTasksPerWorker: 1024,
        // A second thread left idle this long ends.
        idleTimeout: 60_000,
        execArgv: [...THREAD_EXEC_ARGV],
      }),
    // A thread that fails holding no body (as it starts); with none left, the bodies queued for one fail.
    onThreadFault: (err, threadsLeft) => app.log.error({ err, threadsLeft }, 'a JSON body parser thread failed outside any request'),
    threadRetryDelayMs: options.threadRetryDelayMs,
  });
  const openSink = (): BodySink => {
    const { port1, port2 } = new MessageChannel();
    const task: ReceiveBodyTask = { port: port2, ...options.rules, maxImageBytes: options.maxImageBytes };
    const answer = parserThreads.run(task, { transferList: [port2] }).then(
      (result) => result as JsonBodyResult | undefined,
      (err: unknown) => {
        if (err instanceof ThreadsFailedError) {
          throw new EcommirError('ECM_ERR_BACKEND', `the body parser threads failed outside any request (${err.reason})${err.retryAdvice}`, { cause: err.fault, statusCode: 500 });
        }
        throw new EcommirError('ECM_ERR_BACKEND', `the body parser thread failed before the body was parsed: ${err instanceof Error ? err.message : String(err)}`, { cause: err, statusCode: 500 });
      },
    );
    return {
      answer,
      push(chunk) {
        // A copy of just this chunk (it may be a view of a larger read buffer), moved rather than cloned.
        const copy = new Uint8Array(chunk);
        port1.postMessage(copy, [copy.buffer]);
      },
      end() {
        port1.postMessage(null);
      },
      cancel() {
        port1.close();
      },
    };
  };
  // A listening service starts its thread now rather than on its first large body (unless it waits to
  // start again after a fault: the next large body says so).
  app.addHook('onListen', async () => {
    try {
      parserThreads.acquire();
    } catch {}
  });
  app.addHook('onClose', () => parserThreads.stop('destroy'));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload: Readable) =>
    readJsonBody(request, payload, { inlineBytes, rules: options.rules, openSink, maxImageBytes: options.maxImageBytes }),
  );
}

interface ReadOptions {
  inlineBytes: number;
  rules: JsonBodyRules;
  openSink: () => BodySink;
  /** The image size limit, named when an image field is the string that is too long. */
  maxImageBytes?: number;
}

/** Fastify's rules for reading a body (the route's limit, the declared length), with the chunks of a large one sent on as they come. */
function readJsonBody(request: FastifyRequest, payload: Readable, { inlineBytes, rules, openSink, maxImageBytes }: ReadOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return reject(bodyOverLimit(request, limit, maxImageBytes));
    const held: Buffer[] = [];
    let received = 0;
    let sink: BodySink | undefined;
    const stop = (): void => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
    };
    const fail = (err: unknown): void => {
      stop();
      sink?.cancel();
      reject(err);
    };
    function onData(chunk: Buffer | string): void {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit) return fail(bodyOverLimit(request, limit, maxImageBytes));
      if (!coverStreamedBody(request, received)) return fail(streamedBodyRefused(request));
      if (sink) return sink.push(bytes);
      held.push(bytes);
      if (received <= inlineBytes) return;
      sink = openSink();
      // A failure before the body is complete (a thread failed; the threads wait to start again) fails
      // the request now rather than after the whole upload, which would pile up unread for a thread.
      sink.answer.catch(fail);
      for (const early of held) sink.push(early);
      held.length = 0;
    }
    function onEnd(err?: Error & { statusCode?: number }): void {
      if (err) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        return fail(err);
      }
      if (!Number.isNaN(declared) && received !== declared) return fail(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      stop();
      if (!sink) {
        try {
          resolve(valueOf(parseJsonBody({ bytes: Buffer.concat(held, received), ...rules }), maxImageBytes));
        } catch (parseErr) {
          reject(parseErr);
        }
        return;
      }
      sink.end();
      sink.answer
        .then((result) => {
          if (result?.ok && result.images) DECODED_IMAGES.set(request, result.images);
          return valueOf(result, maxImageBytes);
        })
        .then(resolve, reject);
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  });
}

/**
 * A JSON body over its route's limit, in the limit's own unit: it said "request too large: Request body is
 * too large", and /v1/scene's limit is one image's (a 12 MB photo as base64 met it, not the image check).
 */
function bodyOverLimit(request: FastifyRequest, limit: number, maxImageBytes: number | undefined): EcommirError {
  // The route's pattern, else the path without its query (which may carry a key).
  const route = request.routeOptions.url ?? pathWithoutQuery(request.url);
  const image = route === '/v1/scene' && maxImageBytes ? `: one image of at most ${sizeText(maxImageBytes)}, as base64 (or uploaded as multipart/form-data)` : '';
  return new EcommirError('ECM_ERR_BODY_TOO_LARGE', `the body is over the ${sizeText(limit)} (${limit.toLocaleString('en-US')} bytes) that ${request.method} ${route} takes${image}`, { statusCode: 413 });
}

/** An image field of the API (`image`, `images[i]`, at any depth): its string is base64 or a data URL. */
const IMAGE_FIELD = /(^|\.)(image|images\[\d+\])$/;

function valueOf(result: JsonBodyResult | undefined, maxImageBytes?: number): unknown {
  if (result === undefined) throw new EcommirError('ECM_ERR_BACKEND', 'the body parser stopped before the body was parsed', { statusCode: 500 });
  if (result.ok) return result.value;
  switch (result.problem) {
    case 'empty':
      throw new EcommirError('ECM_ERR_BAD_JSON', 'the body is empty: send a JSON object', { statusCode: 400 });
    case 'invalid':
      throw new EcommirError('ECM_ERR_BAD_JSON', `the body is not valid JSON: ${result.detail}`, { statusCode: 400 });
    case 'values':
      throw new EcommirError('ECM_ERR_BODY_TOO_LARGE', `the body holds more than ${result.maxValues.toLocaleString('en-US')} JSON values, more than any request within the limits needs`, {
        statusCode: 413,
      });
    case 'string': {
      // An image sent as base64 is the usual case: say what it is in the unit of the image limit (it said only
      // "a string of 16,777,238 characters" for a 12 MB photo).
      const image = IMAGE_FIELD.test(result.path)
        ? `: as base64, an image of about ${sizeText((result.length * 3) / 4, 'up')}${maxImageBytes ? `, over the ${sizeText(maxImageBytes)} image limit` : ''}`
        : '';
      throw new EcommirError(
        'ECM_ERR_BODY_TOO_LARGE',
        `${result.path} is a string of ${result.length.toLocaleString('en-US')} characters, longer than any field within the limits (${result.maxStringChars.toLocaleString('en-US')})${image}`,
        { statusCode: 413 },
      );
    }
    case 'depth':
      throw new EcommirError('ECM_ERR_BAD_JSON', `${result.path} is nested more than ${result.maxDepth} levels deep, deeper than any request needs`, { statusCode: 400 });
    case 'duplicate':
      throw new EcommirError('ECM_ERR_BAD_JSON', `the body is ambiguous: ${describeDuplicateKey(result.duplicate)}`, { statusCode: 400 });
  }
}

/**
 * A size as people read it (1.4 MiB, 4 KiB, 900 bytes), rounded down for a limit (never said larger than it
 * is) and up for what is over one (never said as small as the limit).
 */
function sizeText(bytes: number, round: 'down' | 'up' = 'down'): string {
  const r = round === 'down' ? Math.floor : Math.ceil;
  if (bytes >= 2 ** 20) return `${(r((bytes / 2 ** 20) * 10) / 10).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${r(bytes / 1024)} KiB`;
  return `${r(bytes)} bytes`;
}
