// Shared by the service, hostile and speed sections: the service built as `ecommir serve` builds it
// (shipped models in worker lanes, a private bounded feature cache), request bodies (the dev intent
// dialogues as text-only bodies; distinct screenshots), and autocannon with 2xx-only counts and
// latencies recorded to the microsecond.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { backendSource } from '../src/runtime/source.js';
import { buildApp } from '../src/server/app.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../src/server/options.js';
import { devSamples, quantile } from './sections/common.js';

/** `ECOMMIR_BENCH_QUICK=1`: reduced counts and durations, to check a section runs (its output says so). */
export const QUICK = process.env.ECOMMIR_BENCH_QUICK === '1';
export const QUICK_NOTE = QUICK ? '> **Reduced run (ECOMMIR_BENCH_QUICK=1)**: small counts and short durations, to check the section runs; not the figures to quote.\n' : '';

/** `serve`'s default rate limit, per API key. */
export const SERVE_RATE_LIMIT_PER_MINUTE = DEFAULT_SERVER_LIMITS.rateLimitPerMinute;
export const rateLimitNote = (): string =>
  `Rate limit off here; under \`ecommir serve\` defaults it is ${SERVE_RATE_LIMIT_PER_MINUTE.toLocaleString('en')} requests a minute per API key, so one key cannot exceed about ${(SERVE_RATE_LIMIT_PER_MINUTE / 60).toFixed(0)} req/s (more clients need more keys).`;

export interface ServeLikeApp {
  app: FastifyInstance;
  url: string;
  lanes: Record<string, { concurrency: number }>;
  close: () => Promise<void>;
}

/** The app as `ecommir serve` builds it (worker lanes, private bounded cache), on a random loopback port. */
export async function serveLikeApp(keys: string[], limits: Partial<ServerLimits> = {}): Promise<ServeLikeApp> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'ecommir-bench-serve-cache-'));
  const app = await buildApp({
    workers: { source: backendSource({ backend: 'embedded' }), cache: { dir: cacheDir, maxBytes: 256 * 2 ** 20 } },
    auth: { apiKeys: keys },
    limits,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const lanes = ((await (await fetch(`${url}/readyz`)).json()) as { lanes: Record<string, { concurrency: number }> }).lanes;
  return {
    app,
    url,
    lanes,
    close: async () => {
      await app.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/**
 * The dev intent dialogues as /v1/intent bodies, text only: their images dropped and the `<image>` markers
 * taken out of the text; a turn left empty is dropped, and a dialogue left with no user turn. `described`
 * says so with the counts, for the sections' text.
 */
export async function devDialogueBodies(): Promise<string[] & { described: string }> {
  const dialogues = (await devSamples()).filter((s) => s.task === 'intent');
  const out: string[] = [];
  for (const d of dialogues) {
    const turns = d.turns.map((t) => ({ role: t.role, text: t.text.replace(/<image>/g, '').trim() })).filter((t) => t.text.length > 0);
    if (turns.some((t) => t.role === 'user')) out.push(JSON.stringify({ dialogue: turns }));
  }
  const withImages = dialogues.filter((d) => d.images.length > 0).length;
  const described = `${out.length} of the ${dialogues.length} dev intent dialogues as text-only bodies (their images dropped: ${withImages} of the ${dialogues.length} carry images; \`<image>\` markers taken out of the text)`;
  return Object.assign(out, { described });
}

/**
 * The dev intent dialogues as sent by a client that uploads the user's images with the text (each
 * turn's images inline, base64): the usual case, since nearly every dev dialogue carries one.
 */
export async function devDialogueBodiesWithImages(): Promise<string[] & { described: string }> {
  const dialogues = (await devSamples()).filter((s) => s.task === 'intent' && s.images.length > 0);
  const out: string[] = [];
  let images = 0;
  let bytes = 0;
  for (const d of dialogues) {
    const turns = [];
    for (const t of d.turns) {
      const inline = await Promise.all(t.images.map(async (ref) => (ref.bytes ? Buffer.from(ref.bytes) : await readFile(ref.path!)).toString('base64')));
      images += inline.length;
      bytes += inline.reduce((sum, b) => sum + (b.length * 3) / 4, 0);
      turns.push({ role: t.role, text: t.text, ...(inline.length ? { images: inline } : {}) });
    }
    out.push(JSON.stringify({ dialogue: turns }));
  }
  const described = `the ${out.length} dev intent dialogues that carry images, with their ${images} images inline (${(bytes / out.length / 1024).toFixed(0)} KiB a dialogue on average)`;
  return Object.assign(out, { described });
}

/** Distinct variants of the example screenshots (a few pixels changed), so no upload repeats. */
export async function screenshotBodies(n: number): Promise<string[]> {
  const names = ['order', 'logistics', 'refund'];
  const sources = await Promise.all(names.map((name) => readFile(fileURLToPath(new URL(`../examples/screenshots/${name}.png`, import.meta.url)))));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = sources[i % sources.length];
    const { width = 540, height = 1170 } = await sharp(src).metadata();
    const dot = await sharp({ create: { width: 3, height: 3, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).png().toBuffer();
    const png = await sharp(src).composite([{ input: dot, left: (i * 13) % (width - 3), top: (i * 29) % (height - 3) }]).png().toBuffer();
    out.push(JSON.stringify({ image: png.toString('base64') }));
  }
  return out;
}

interface Tracker extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Tracker;

export interface LoadResult {
  /** 2xx answers per second of the run (autocannon's own average counts every answer, non-2xx too). */
  okPerSec: number;
  ok: number;
  total: number;
  non2xx: number;
  errors: number;
  /** Of the 2xx answers, from hrtime (autocannon's histogram holds whole milliseconds). */
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

/** POSTs `bodies` in turn (a shared counter in `cursor`) from `connections` clients for `seconds`. */
export async function load(url: string, key: string, bodies: readonly string[], connections: number, seconds: number, cursor = { next: 0 }): Promise<LoadResult> {
  const okMs: number[] = [];
  const run = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: bodies[0],
    requests: [{ setupRequest: (request: { body?: string }) => ({ ...request, body: bodies[cursor.next++ % bodies.length] }) }],
    connections,
    duration: seconds,
    timeout: 60,
  });
  run.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) okMs.push(ms);
  });
  const r = await run;
  return {
    okPerSec: r['2xx'] / r.duration,
    ok: r['2xx'],
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors, // autocannon counts each timeout among its errors too
    p50Ms: quantile(okMs, 0.5),
    p99Ms: quantile(okMs, 0.99),
    seconds: r.duration,
  };
}
