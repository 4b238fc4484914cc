// Hostile traffic against the service as `ecommir serve` runs it (shipped models in worker lanes, a
// private bounded feature cache), on loopback: /healthz latency while the worst inputs are in
// flight, intent throughput alone and with 4 scene clients (the ratio, one run), and memory after a
// burst of large bodies. Server and clients share this process's machine; ratios are within one run.
//   node --import tsx bench/sections/hostile.ts     (prints the section)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { backendSource } from '../../src/runtime/source.js';
import { buildApp } from '../../src/server/app.js';
import type { BenchContext } from '../run.js';
import { SECTION_FORMAT_MARK } from './common.js';

const KEY = 'hostile-bench-key-0123456789';
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<{ requests: { average: number; total: number }; non2xx: number; errors: number }>;

interface Timed {
  what: string;
  status: number;
  code?: string;
  ms: number;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, path: string, body: string): Promise<{ status: number; code?: string; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });
    const json = (await response.json().catch(() => ({}))) as { error?: { code: string } };
    return { status: response.status, code: json.error?.code, ms: performance.now() - started };
  } catch (err) {
    return { status: 0, code: (err as Error).message, ms: performance.now() - started };
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

async function screenshotBodies(n: number): Promise<string[]> {
  const names = ['order', 'logistics', 'refund'];
  const sources = await Promise.all(names.map((name) => readFile(fileURLToPath(new URL(`../../examples/screenshots/${name}.png`, import.meta.url)))));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = sources[i % sources.length];
    const dot = await sharp({ create: { width: 3, height: 3, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).png().toBuffer();
    const png = await sharp(src).composite([{ input: dot, left: (i * 13) % 500, top: (i * 29) % 1100 }]).png().toBuffer();
    out.push(JSON.stringify({ image: png.toString('base64') }));
  }
  return out;
}

/** Sends `count` bodies of about `bytes` × 4/3 at once from a child process; returns the status counts. */
async function burstFromChild(url: string, count: number, bytes: number): Promise<{ count: number; mib: string; statuses: string }> {
  const { execFile } = await import('node:child_process');
  const script = `
    const body = JSON.stringify({ image: Buffer.alloc(${bytes}, 7).toString('base64') });
    const results = await Promise.all(Array.from({ length: ${count} }, async () => {
      try {
        const r = await fetch(${JSON.stringify(url)} + '/v1/scene', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${KEY}' }, body });
        const j = await r.json().catch(() => ({}));
        return r.status + ' ' + (j.error?.code ?? '');
      } catch (err) { return 'error ' + err.message; }
    }));
    const counts = {};
    for (const r of results) counts[r.trim()] = (counts[r.trim()] ?? 0) + 1;
    process.stdout.write(JSON.stringify({ mib: (body.length / 2 ** 20).toFixed(0), counts }));`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const parsed = JSON.parse(out) as { mib: string; counts: Record<string, number> };
  return { count, mib: parsed.mib, statuses: Object.entries(parsed.counts).map(([k, n]) => `${n} × ${k}`).join(', ') };
}

export async function runHostileBench(ctx: Pick<BenchContext, 'log'>): Promise<string> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'ecommir-hostile-cache-'));
  const app = await buildApp({
    workers: { source: backendSource({ backend: 'embedded' }), cache: { dir: cacheDir, maxBytes: 256 * 2 ** 20 } },
    auth: { apiKeys: [KEY] },
    // The rate limit would cap the throughput runs below: off here, on (12,000/min) in `serve`.
    limits: { rateLimitPerMinute: 0 },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const lines: string[] = [];
  try {
    const lanes = ((await (await fetch(`${url}/readyz`)).json()) as { lanes: Record<string, { concurrency: number }> }).lanes;
    lines.push(`Service as \`ecommir serve\` runs it: shipped models, text lane ${lanes.text.concurrency} worker thread(s), image lane ${lanes.image.concurrency} worker process(es), deadline 30 s, rate limit off for the throughput rows.`, '');

    // 1. The worst inputs in flight while /healthz is polled every 50 ms.
    ctx.log('  hostile inputs with /healthz polled');
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer();
    const strip = await sharp({ create: { width: 1, height: 40_000, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const dialogue = (text: string) => JSON.stringify({ dialogue: [{ role: 'user', text }] });
    const hostile: Array<[string, string, string]> = [
      ['哦×30 then x (once exponential)', '/v1/intent', dialogue(`${'哦'.repeat(30)}x`)],
      ['交易×3000 (once cubic)', '/v1/intent', dialogue('交易'.repeat(3000))],
      ['好×20000 (a 20,000-character turn)', '/v1/intent', dialogue('好'.repeat(20000))],
      ['200 turns of 好×500', '/v1/intent', JSON.stringify({ dialogue: Array.from({ length: 200 }, () => ({ role: 'user', text: '好'.repeat(500) })) })],
      ['200 images in one dialogue', '/v1/intent', JSON.stringify({ dialogue: Array.from({ length: 200 }, () => ({ role: 'user', text: '看图', images: [tiny.toString('base64')] })) })],
      ['a 1 × 40,000 PNG strip', '/v1/scene', JSON.stringify({ image: strip.toString('base64') })],
    ];
    let polling = true;
    const health: number[] = [];
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        await fetch(`${url}/healthz`);
        health.push(performance.now() - started);
        await sleep(50);
      }
    })();
    await sleep(200);
    const results: Timed[] = await Promise.all(hostile.map(async ([what, path, body]) => ({ what, ...(await post(url, path, body)) })));
    await sleep(200);
    polling = false;
    await poller;
    lines.push('| hostile request (all sent at once) | status | answer in ms |', '|---|---:|---:|');
    for (const r of results) lines.push(`| ${r.what} | ${r.status}${r.code ? ` ${r.code}` : ''} | ${r.ms.toFixed(0)} |`);
    lines.push('', `/healthz meanwhile: ${health.length} polls, median ${quantile(health, 0.5).toFixed(1)} ms, p99 ${quantile(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms.`, '');

    // 2. Intent throughput alone, then with 4 scene clients on distinct screenshots.
    ctx.log('  intent alone vs with 4 scene clients');
    const intentBody = JSON.stringify({
      dialogue: [
        { role: 'user', text: '你好，在吗' },
        { role: 'agent', text: '亲，在的呢，请问有什么可以帮您？' },
        { role: 'user', text: '这个保温杯是不锈钢的，天天装茶水会不会生锈啊' },
      ],
    });
    const intentRun = () =>
      autocannon({ url: `${url}/v1/intent`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: intentBody, connections: 4, duration: 10 });
    await autocannon({ url: `${url}/v1/intent`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: intentBody, connections: 4, duration: 3 }); // warm-up
    const alone = await intentRun();
    const bodies = await screenshotBodies(300);
    let next = 0;
    let sceneDone = 0;
    let sceneOk = 0;
    let sceneRunning = true;
    const sceneClient = async () => {
      while (sceneRunning) {
        const r = await post(url, '/v1/scene', bodies[next++ % bodies.length]);
        sceneDone++;
        if (r.status === 200) sceneOk++;
      }
    };
    const clients = Array.from({ length: 4 }, sceneClient);
    await sleep(1000); // the scene workers are busy before the measure starts
    const withScene = await intentRun();
    sceneRunning = false;
    await Promise.all(clients);
    const ratio = withScene.requests.average / alone.requests.average;
    lines.push(
      '| /v1/intent, 4 clients, 10 s | req/s | requests | non-2xx |',
      '|---|---:|---:|---:|',
      `| alone | ${alone.requests.average.toFixed(1)} | ${alone.requests.total} | ${alone.non2xx} |`,
      `| with 4 scene clients busy | ${withScene.requests.average.toFixed(1)} | ${withScene.requests.total} | ${withScene.non2xx} |`,
      '',
      `Ratio with/alone: **${ratio.toFixed(2)}** (the scene clients completed ${sceneDone} requests meanwhile, ${sceneOk} answered 200).`,
      '',
    );

    // 3. A burst of large bodies from another process, then the service's memory.
    ctx.log('  burst of large bodies');
    // A full GC before each reading, so the figures are what the process holds, not garbage not yet collected.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage();
    let peak = before.rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const burst = await burstFromChild(url, 64, 9 * 2 ** 20);
    clearInterval(sampler);
    await sleep(5000);
    gc();
    const after = process.memoryUsage();
    await sleep(10_000);
    gc();
    const later = process.memoryUsage();
    lines.push(
      `Burst: ${burst.count} bodies of ${burst.mib} MiB at once to /v1/scene from another process (each a 9 MiB non-image, base64): ${burst.statuses}.`,
      '',
      '| memory of the service process | RSS MiB | heap used MiB |',
      '|---|---:|---:|',
      `| before the burst | ${mib(before.rss)} | ${mib(before.heapUsed)} |`,
      `| peak during it | ${mib(peak)} | |`,
      `| 5 s after | ${mib(after.rss)} | ${mib(after.heapUsed)} |`,
      `| 15 s after | ${mib(later.rss)} | ${mib(later.heapUsed)} |`,
    );
  } finally {
    await app.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
  // No cross-validation here: the header has no seeds or folds to state.
  return [SECTION_FORMAT_MARK, ...lines].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await runHostileBench({ log: (line) => process.stderr.write(`${line}\n`) })}\n`);
}
