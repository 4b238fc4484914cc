// Load test of a running HTTP service on loopback with autocannon: 2xx answers/s, p50/p99 latency of
// the 2xx answers, errors and peak RSS for POST /v1/intent and POST /v1/scene at 1, 4 and 16
// concurrent clients, a bounded duration each. Prints a markdown table.
//   node --import tsx bench/load.ts [--duration 5] [--connections 1,4,16]
// runLoadBench() takes the service's URL (the service section builds it as `ecommir serve` does); run
// directly it serves the test fakes in this process (the service's own overhead: parsing, auth, image
// checks, queueing). Client and server share this process and its CPUs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../src/server/app.js';
import { packageRoot } from '../src/server/routes/page.js';
import { load } from './service-kit.js';

export interface LoadBenchOptions {
  url: string;
  key: string;
  /** Seconds per (endpoint, clients) run. */
  durationSec?: number;
  connections?: number[];
  /** /v1/intent bodies to cycle through. */
  intentBodies: string[];
  /** /v1/intent bodies whose dialogues carry images, measured in rows of their own when given. */
  intentImageBodies?: string[];
  /**
   * Scene request bodies to cycle through. Distinct images keep the OCR cache from answering (a
   * repeated upload is served from the feature cache, which would flatter the latency).
   */
  sceneBodies: string[];
}

export interface LoadRow {
  endpoint: string;
  clients: number;
  requests: number;
  ok: number;
  okPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  peakRssMiB: number;
  /** Bodies of the endpoint sent so far in the whole bench (autocannon sends one per request it starts). */
  bodiesSent: number;
}

export async function runLoadBench(options: LoadBenchOptions): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  // One counter per endpoint for the whole bench, so that a scene body repeats only once all have been sent
  // (a repeat is served from the cache); the rows say how many were sent.
  const endpoints: Array<[string, string, string[], { next: number }]> = [
    ['/v1/intent', '/v1/intent', options.intentBodies, { next: 0 }],
    ...(options.intentImageBodies ? [['/v1/intent (with images)', '/v1/intent', options.intentImageBodies, { next: 0 }] as [string, string, string[], { next: number }]] : []),
    ['/v1/scene', '/v1/scene', options.sceneBodies, { next: 0 }],
  ];
  for (const [endpoint, path, bodies, cursor] of endpoints) {
    for (const clients of options.connections ?? [1, 4, 16]) {
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 50);
      const r = await load(options.url + path, options.key, bodies, clients, options.durationSec ?? 5, cursor);
      clearInterval(sampler);
      rows.push({
        endpoint,
        clients,
        requests: r.total,
        ok: r.ok,
        okPerSec: r.okPerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        non2xx: r.non2xx,
        peakRssMiB: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
        bodiesSent: cursor.next,
      });
    }
  }
  return rows;
}

export function formatLoadTable(rows: readonly LoadRow[]): string {
  const lines = [
    '| endpoint | clients | requests | 2xx | 2xx/s | p50 ms (2xx) | p99 ms (2xx) | errors | non-2xx | peak RSS MiB (this process) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.endpoint} | ${r.clients} | ${r.requests} | ${r.ok} | ${r.okPerSec.toFixed(1)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${r.non2xx} | ${r.peakRssMiB.toFixed(0)} |`,
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
  const key = 'bench-key-0123456789';
  const app = await buildApp({
    recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() },
    auth: { apiKeys: [key] },
    limits: { textMaxQueue: 256, imageMaxQueue: 256, rateLimitPerMinute: 0 },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const png = await readFile(join(packageRoot(), 'examples', 'screenshots', 'order.png'));
  const intentBody = JSON.stringify({ dialogue: [{ role: 'user', text: '你好，在吗' }, { role: 'agent', text: '亲，在的呢，请问有什么可以帮您？' }, { role: 'user', text: '这个保温杯是不锈钢的，天天装茶水会不会生锈啊' }] });
  try {
    const rows = await runLoadBench({ url, key, intentBodies: [intentBody], sceneBodies: [JSON.stringify({ image: png.toString('base64') })], durationSec, connections });
    process.stdout.write(`Recognisers: test fakes in this process (service overhead only). ${durationSec} s per row, Node ${process.version}.\n\n`);
    process.stdout.write(`${formatLoadTable(rows)}\n`);
  } finally {
    await app.close();
  }
}
