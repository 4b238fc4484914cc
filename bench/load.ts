// Load test of the HTTP service on loopback with autocannon: requests/s, p50/p99 latency, errors
// and peak RSS for POST /v1/intent (text only) and POST /v1/scene (a 540×1170 PNG as base64) at
// 1, 4 and 16 concurrent clients, a bounded duration each. Prints a markdown table.
//   node --import tsx bench/load.ts [--duration 5] [--connections 1,4,16]
// runLoadBench() takes the recogniser pair; run directly it uses the test fakes (the service's own
// overhead: parsing, auth, image checks, queueing). Client and server share this process and its CPUs.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildApp } from '../src/server/app.js';
import type { RecognizerPair, ServerLimits } from '../src/server/options.js';
import { packageRoot } from '../src/server/routes/page.js';

// autocannon ships no types: the subset used here.
interface AutocannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  requests?: { setupRequest: (request: { body?: string }) => { body?: string } }[];
  connections: number;
  duration: number;
  timeout?: number;
}
interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

export interface LoadBenchOptions {
  recognizers: RecognizerPair;
  /** Seconds per (endpoint, clients) run. */
  durationSec?: number;
  connections?: number[];
  limits?: Partial<ServerLimits>;
  /**
   * Scene request bodies to cycle through. Distinct images keep the OCR cache from answering (a
   * repeated upload is served from the feature cache, which would flatter the latency).
   */
  sceneBodies?: string[];
}

export interface LoadRow {
  endpoint: string;
  clients: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  peakRssMiB: number;
}

const KEY = 'bench-key-0123456789';

export async function runLoadBench(options: LoadBenchOptions): Promise<LoadRow[]> {
  const app = await buildApp({
    recognizers: options.recognizers,
    auth: { apiKeys: [KEY] },
    // Queues deep enough for 16 clients and no rate limit: the bench measures throughput, not refusals.
    limits: { textMaxQueue: 256, imageMaxQueue: 256, rateLimitPerMinute: 0, ...options.limits },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const png = await readFile(join(packageRoot(), 'examples', 'screenshots', 'order.png'));
  const bodies: Array<[string, string]> = [
    [
      '/v1/intent',
      JSON.stringify({
        dialogue: [
          { role: 'user', text: '你好，在吗' },
          { role: 'agent', text: '亲，在的呢，请问有什么可以帮您？' },
          { role: 'user', text: '这个保温杯是不锈钢的，天天装茶水会不会生锈啊' },
        ],
      }),
    ],
    ['/v1/scene', JSON.stringify({ image: png.toString('base64') })],
  ];
  const rows: LoadRow[] = [];
  // One counter for the whole bench, so no scene body is sent twice (a repeat would be served from the cache).
  let next = 0;
  try {
    for (const [path, body] of bodies) {
      for (const clients of options.connections ?? [1, 4, 16]) {
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }, 50);
        const cycle = path === '/v1/scene' ? options.sceneBodies : undefined;
        const result = await autocannon({
          url: url + path,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          body,
          ...(cycle ? { requests: [{ setupRequest: (request) => ({ ...request, body: cycle[next++ % cycle.length] }) }] } : {}),
          connections: clients,
          duration: options.durationSec ?? 5,
          timeout: 60,
        });
        clearInterval(sampler);
        rows.push({
          endpoint: path,
          clients,
          requests: result.requests.total,
          rps: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          peakRssMiB: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
        });
      }
    }
  } finally {
    await app.close();
  }
  return rows;
}

export function formatLoadTable(rows: readonly LoadRow[]): string {
  const lines = [
    '| endpoint | clients | requests | req/s | p50 ms | p99 ms | errors | non-2xx | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.endpoint} | ${r.clients} | ${r.requests} | ${r.rps.toFixed(1)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${r.non2xx} | ${r.peakRssMiB.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  const { FakeIntentRecognizer, FakeSceneRecognizer } = await import('../test/server/fakes.js');
  const durationSec = Number(argValue('--duration') ?? 5);
  const connections = (argValue('--connections') ?? '1,4,16').split(',').map(Number);
  const rows = await runLoadBench({
    recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() },
    durationSec,
    connections,
  });
  process.stdout.write(`Recognisers: test fakes (service overhead only). ${durationSec} s per row, Node ${process.version}.\n\n`);
  process.stdout.write(`${formatLoadTable(rows)}\n`);
}
