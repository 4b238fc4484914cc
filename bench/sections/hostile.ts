// Hostile traffic against the service as `ecommir serve` runs it (shipped models in worker lanes, a
// private bounded feature cache), on loopback: the event loop's delay (sampled every millisecond),
// /healthz polled back to back and normal intent requests timed while the worst inputs are sent again
// and again; intent throughput alone and with 4 scene clients, and the scene lane alone and under the
// intent load (ABBA rounds, median and range of the ratios); memory after a burst of large bodies; and
// another client's answers while one client trickles large uploads in. Server and clients share this
// process's machine; ratios are within one run. Normal intent bodies are the dev dialogues, text only; the dev
// dialogues with their images are timed alone and with the scene clients busy.
//   node --import tsx bench/sections/hostile.ts     (prints the section; ECOMMIR_BENCH_QUICK=1 for a reduced run)
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { manyScanJpeg, paethRgbaPng } from '../crafted-images.js';
import { devDialogueBodies, devDialogueBodiesWithImages, load, QUICK, QUICK_NOTE, rateLimitNote, screenshotBodies, serveLikeApp, type LoadResult } from '../service-kit.js';
import type { BenchContext } from '../run.js';
import { quantile, SECTION_FORMAT_MARK } from './common.js';

const KEY = 'hostile-bench-key-0123456789';
const OTHER_KEY = 'hostile-bench-other-key-0123456789';
interface Timed {
  what: string;
  status: number;
  code?: string;
  ms: number;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, path: string, body: string, key = KEY): Promise<{ status: number; code?: string; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    const json = (await response.json().catch(() => ({}))) as { error?: { code: string } };
    return { status: response.status, code: json.error?.code, ms: performance.now() - started };
  } catch (err) {
    return { status: 0, code: (err as Error).message, ms: performance.now() - started };
  }
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

/**
 * POSTs each body (written to a file) to `path` from a child process, one after another, while this
 * process polls /healthz every 20 ms: the event-loop time the service spends on bodies it parses,
 * with none of the client's own work counted.
 */
async function largeBodiesFromChild(url: string, path: string, bodies: Array<[string, string]>): Promise<Array<{ what: string; mb: string; answer: string; healthMaxMs: number; polls: number }>> {
  const { execFile } = await import('node:child_process');
  const { writeFile } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-hostile-bodies-'));
  const out = [];
  try {
    for (const [what, body] of bodies) {
      const file = join(dir, 'body.json');
      await writeFile(file, body);
      const script = `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${KEY}' }, body: require('fs').readFileSync(process.argv[2]) })
        .then(async (r) => { const j = await r.json().catch(() => ({})); process.stdout.write(r.status + ' ' + (j.error?.code ?? '')); }, (e) => process.stdout.write('error ' + e.message))`;
      const answer = new Promise<string>((resolve, reject) => execFile(process.execPath, ['-e', script, url + path, file], (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))));
      let done = false;
      const health: number[] = [];
      void answer.finally(() => (done = true));
      while (!done) {
        const started = performance.now();
        await fetch(`${url}/healthz`);
        health.push(performance.now() - started);
        await sleep(20);
      }
      out.push({ what, mb: (Buffer.byteLength(body) / 1e6).toFixed(0), answer: await answer, healthMaxMs: Math.max(...health), polls: health.length });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

function countStatuses(answers: readonly { status: number; code?: string }[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = `${a.status}${a.code ? ` ${a.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join(', ');
}

/**
 * `count` connections declare `bytes`-byte bodies and send one byte a second for `ms`, while `during`
 * runs; then they are closed. Returns how the slow requests were answered (a 503 comes at once; one
 * still receiving has no answer yet) and what `during` returned.
 */
async function trickleUploads<T>(url: string, count: number, bytes: number, ms: number, during: () => Promise<T[]>): Promise<{ count: number; mib: string; statuses: string; others: T[] }> {
  const { port } = new URL(url);
  const sockets: Socket[] = [];
  // What each connection was answered (its status line), whether or not the service then closed it:
  // a refused upload keeps its connection while the rest of its body is read and dropped.
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    answers.push('');
    socket.on('data', (d) => (answers[i] += d.toString()));
    socket.on('error', () => {});
    socket.write(`POST /v1/intent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n{`);
    sockets.push(socket);
    await sleep(50);
  }
  const trickle = setInterval(() => sockets.forEach((s) => s.writable && s.write(' ')), 1000);
  const started = performance.now();
  const others = await during();
  await sleep(Math.max(0, ms - (performance.now() - started)));
  clearInterval(trickle);
  const statusLines = answers.map((a) => a.split('\r\n')[0] ?? '');
  const open = sockets.filter((s, i) => !s.destroyed && statusLines[i] === '').length;
  for (const s of sockets) s.destroy();
  await sleep(100);
  const refused = statusLines.filter((a) => / 503 /.test(a)).length;
  const other = count - refused - open;
  const statuses = [refused ? `${refused} × 503 ECM_ERR_BUSY at once` : '', open ? `${open} still receiving when closed by the client` : '', other > 0 ? `${other} otherwise` : ''].filter(Boolean).join(', ');
  return { count, mib: (bytes / 2 ** 20).toFixed(0), statuses, others };
}

export async function runHostileBench(ctx: Pick<BenchContext, 'log'>): Promise<string> {
  // The rate limit would cap the throughput runs below: off here, on (12,000/min a key) in `serve`.
  const service = await serveLikeApp([KEY, OTHER_KEY], { rateLimitPerMinute: 0 });
  const url = service.url;
  const lines: string[] = [];
  const dialogues = await devDialogueBodies();
  try {
    const lanes = service.lanes;
    lines.push(
      QUICK_NOTE,
      `Service as \`ecommir serve\` runs it: shipped models, text lane ${lanes.text.concurrency} worker thread(s), image lane ${lanes.image.concurrency} worker process(es) at idle priority, deadline 30 s. ${rateLimitNote()}`,
      `The "normal" intent requests are ${dialogues.described}, in turn.`,
      '',
    );

    // 1. The worst inputs in flight, sent again and again, while the event loop's delay is sampled every
    // millisecond, /healthz is polled back to back and normal intent requests are timed one after another.
    ctx.log('  hostile inputs with the event loop watched');
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer();
    const strip = await sharp({ create: { width: 1, height: 40_000, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const scans = await manyScanJpeg(2828);
    const paeth = paethRgbaPng(3264, 2448);
    const dialogue = (text: string) => JSON.stringify({ dialogue: [{ role: 'user', text }] });
    const hostile: Array<[string, string, string]> = [
      ['哦×30 then x (once exponential)', '/v1/intent', dialogue(`${'哦'.repeat(30)}x`)],
      ['交易×3000 (once cubic)', '/v1/intent', dialogue('交易'.repeat(3000))],
      ['好×20000 (a 20,000-character turn)', '/v1/intent', dialogue('好'.repeat(20000))],
      ['200 turns of 好×500', '/v1/intent', JSON.stringify({ dialogue: Array.from({ length: 200 }, () => ({ role: 'user', text: '好'.repeat(500) })) })],
      ['200 images in one dialogue', '/v1/intent', JSON.stringify({ dialogue: Array.from({ length: 200 }, () => ({ role: 'user', text: '看图', images: [tiny.toString('base64')] })) })],
      ['a 1 × 40,000 PNG strip', '/v1/scene', JSON.stringify({ image: strip.toString('base64') })],
      // Checked in the image lane: a coding whose decode costs far more than its size says.
      [`a dialogue with a progressive JPEG of 2,646 scans (${(scans.length / 1024).toFixed(0)} KiB, 8 MP)`, '/v1/intent', JSON.stringify({ dialogue: [{ role: 'user', text: '看图', images: [scans.toString('base64')] }] })],
      // Checked in the text lane: the costliest image found within its limits (lanes.ts, TEXT_LANE_IMAGE_LOAD).
      [`a dialogue with an RGBA PNG, Paeth on every row (${(paeth.length / 1024).toFixed(0)} KiB, 8 MP)`, '/v1/intent', JSON.stringify({ dialogue: [{ role: 'user', text: '看图', images: [paeth.toString('base64')] }] })],
    ];
    // The set is sent again (all at once, one set after another) until the window is covered.
    const WINDOW_MS = QUICK ? 3_000 : 15_000;
    let watching = true;
    const health: number[] = [];
    const normal: Array<{ status: number; code?: string; ms: number }> = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const healthPoller = (async () => {
      while (watching) {
        const started = performance.now();
        await fetch(`${url}/healthz`);
        health.push(performance.now() - started);
      }
    })();
    const normalClient = (async () => {
      for (let i = 0; watching; i++) normal.push(await post(url, '/v1/intent', dialogues[i % dialogues.length], OTHER_KEY));
    })();
    await sleep(200);
    delay.enable();
    const windowStarted = performance.now();
    const answers = new Map<string, Timed[]>();
    let sets = 0;
    for (; sets === 0 || performance.now() - windowStarted < WINDOW_MS; sets++) {
      const results: Timed[] = await Promise.all(hostile.map(async ([what, path, body]) => ({ what, ...(await post(url, path, body)) })));
      for (const r of results) answers.set(r.what, [...(answers.get(r.what) ?? []), r]);
    }
    const windowMs = performance.now() - windowStarted;
    delay.disable();
    await sleep(200);
    watching = false;
    await Promise.all([healthPoller, normalClient]);
    const normalOk = normal.filter((a) => a.status === 200).map((a) => a.ms);
    const ns = (x: number) => (x / 1e6).toFixed(1);
    lines.push(`| hostile request (the ${hostile.length} sent at once, ${sets} times one set after another) | answers | median ms | max ms |`, '|---|---|---:|---:|');
    for (const [what, rs] of answers) lines.push(`| ${what} | ${countStatuses(rs)} | ${quantile(rs.map((r) => r.ms), 0.5).toFixed(0)} | ${Math.max(...rs.map((r) => r.ms)).toFixed(0)} |`);
    lines.push(
      '',
      `Meanwhile (a ${(windowMs / 1000).toFixed(1)} s window): the event loop's delay, sampled every millisecond (perf_hooks.monitorEventLoopDelay, ${delay.count} samples; the loop is this process's, which the clients share with the server, so their own work counts in it too): p99 ${ns(delay.percentile(99))} ms, max ${ns(delay.max)} ms. ` +
        `/healthz polled back to back: ${health.length} polls, median ${quantile(health, 0.5).toFixed(1)} ms, p99 ${quantile(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms. ` +
        `Normal intent requests from another key, one after another: ${normal.length} (${countStatuses(normal)})` +
        (normalOk.length ? `, median ${quantile(normalOk, 0.5).toFixed(1)} ms, p99 ${quantile(normalOk, 0.99).toFixed(1)} ms, max ${Math.max(...normalOk).toFixed(1)} ms.` : '.'),
      '',
    );

    // 1b. Bodies near the size limit, sent from another process: the body parser's share of the event loop.
    ctx.log('  large JSON bodies with /healthz polled');
    const large = await largeBodiesFromChild(url, '/v1/intent', [
      ['1,150,000 one-character turns', JSON.stringify({ dialogue: Array.from({ length: 1_150_000 }, () => ({ role: 'user', text: 'x' })) })],
      ['one turn of 31,000,000 characters', JSON.stringify({ dialogue: [{ role: 'user', text: 'x'.repeat(31_000_000) }] })],
      ['a base64 image at the 10 MiB limit (not an image)', JSON.stringify({ dialogue: [{ role: 'user', text: '看图', images: [Buffer.alloc(10 * 2 ** 20 - 16, 7).toString('base64')] }] })],
    ]);
    lines.push('| large body, from another process, one at a time | MB | answer | /healthz max ms (polls) |', '|---|---:|---|---:|');
    for (const r of large) lines.push(`| ${r.what} | ${r.mb} | ${r.answer} | ${r.healthMaxMs.toFixed(0)} (${r.polls}) |`);
    lines.push('', 'Bodies past 256 KiB are parsed in a thread, which refuses one with more values or a longer string than any request within the limits; its long base64 image strings are checked and decoded there too, and their bytes moved back rather than copied. What the image row still costs was not broken down; compare it with the two rows above it, which decode no image.', '');

    // 2. Both directions: intent throughput alone and with 4 scene clients busy, and the scene lane's
    // throughput and latency alone and with the intent load, in windows of the same length.
    const ROUNDS = QUICK ? 2 : 6;
    const SECONDS = QUICK ? 3 : 10;
    ctx.log(`  intent alone, scene alone, both: ${ROUNDS} rounds of 3 × ${SECONDS} s`);
    const intentCursor = { next: 0 };
    const intentRun = (seconds: number) => load(`${url}/v1/intent`, KEY, dialogues, 4, seconds, intentCursor);
    await intentRun(3); // warm-up
    // Enough distinct screenshots that none is sent twice (a repeat would be answered from the cache).
    const bodies = await screenshotBodies(QUICK ? 120 : 1000);
    let next = 0;
    interface Done {
      end: number;
      ms: number;
      status: number;
    }
    /** 4 scene clients busy for 1 s, then `during` measured; returns `during`'s result and the scene answers completed inside its window. */
    const withSceneClients = async <T>(during: () => Promise<T>) => {
      let running = true;
      const done: Done[] = [];
      const client = async () => {
        while (running) {
          const r = await post(url, '/v1/scene', bodies[next++ % bodies.length]);
          done.push({ end: performance.now(), ms: r.ms, status: r.status });
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await sleep(1000); // the scene worker is busy before the measure starts
      const t0 = performance.now();
      const result = await during();
      const t1 = performance.now();
      running = false;
      await Promise.all(clients);
      const inside = done.filter((d) => d.end >= t0 && d.end <= t1);
      const ok = inside.filter((d) => d.status === 200);
      return { result, scene: { ok: ok.length, other: inside.length - ok.length, perSec: ok.length / ((t1 - t0) / 1000), medianMs: quantile(ok.map((d) => d.ms), 0.5), p90Ms: quantile(ok.map((d) => d.ms), 0.9) } };
    };
    type Scene = Awaited<ReturnType<typeof withSceneClients>>['scene'];
    const rounds: Array<{ order: string; alone: LoadResult; both: LoadResult; sceneAlone: Scene; sceneBoth: Scene }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      // ABBA: intent alone first in even rounds, last in odd ones; scene alone between them.
      const aloneFirst = round % 2 === 0;
      let alone: LoadResult | undefined;
      let both: { result: LoadResult; scene: Scene } | undefined;
      if (aloneFirst) alone = await intentRun(SECONDS);
      else both = await withSceneClients(() => intentRun(SECONDS));
      const sceneAlone = (await withSceneClients(() => sleep(SECONDS * 1000))).scene;
      if (aloneFirst) both = await withSceneClients(() => intentRun(SECONDS));
      else alone = await intentRun(SECONDS);
      rounds.push({ order: aloneFirst ? 'I, S, I+S' : 'I+S, S, I', alone: alone!, both: both!.result, sceneAlone, sceneBoth: both!.scene });
    }
    const intentRatios = rounds.map((r) => r.both.okPerSec / r.alone.okPerSec);
    const sceneRatios = rounds.map((r) => r.sceneBoth.perSec / r.sceneAlone.perSec);
    const sceneLatencyRatios = rounds.map((r) => r.sceneBoth.medianMs / r.sceneAlone.medianMs);
    const spread = (xs: number[]) => `median **${quantile(xs, 0.5).toFixed(2)}**, range ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} over ${xs.length} rounds`;
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 0) : '–');
    lines.push(
      `| round (order of the ${SECONDS} s windows) | intent 2xx/s alone | with scene busy | non-2xx alone / with | ratio | scene 200/s alone | with intent load | scene median ms alone | with intent load | scene p90 ms alone | with intent load | scene non-200 alone / with |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rounds.map(
        (r, i) =>
          `| ${i + 1} (${r.order}) | ${r.alone.okPerSec.toFixed(1)} | ${r.both.okPerSec.toFixed(1)} | ${r.alone.non2xx} / ${r.both.non2xx} | ${intentRatios[i].toFixed(2)} | ${f(r.sceneAlone.perSec)} | ${f(r.sceneBoth.perSec)} | ${f(r.sceneAlone.medianMs)} | ${f(r.sceneBoth.medianMs)} | ${f(r.sceneAlone.p90Ms)} | ${f(r.sceneBoth.p90Ms)} | ${r.sceneAlone.other} / ${r.sceneBoth.other} |`,
      ),
      '',
      `Intent (4 clients, text lane) with the scene clients busy over alone, 2xx/s: ${spread(intentRatios)}.`,
      `Scene (4 clients, image lane) with the intent load over alone: throughput ${spread(sceneRatios)}; median latency ${spread(sceneLatencyRatios)}. ` +
        'The image lane runs at idle priority by design, so a busy text lane slows it; a ratio below 1 in throughput (above 1 in latency) is that slowdown, as measured.',
      `Scene answers are counted only when they complete inside their window (the 1 s lead-in before it not counted). ${next} screenshots were sent, ${next <= bodies.length ? 'none of them twice' : `so ${next - bodies.length} repeated an earlier one (answered from the cache)`}.`,
      '',
    );

    // Dialogues as clients send them, with their images: the shipped intent model reads the text alone,
    // so their images are checked in the text lane (lanes.ts, TEXT_LANE_IMAGE_LOAD) and they do not
    // wait behind screenshots in the image lane. One client, alone and with the scene clients busy.
    const imageDialogues = await devDialogueBodiesWithImages();
    const imageCursor = { next: 0 };
    const imageDialogueRun = (seconds: number) => load(`${url}/v1/intent`, KEY, imageDialogues, 1, seconds, imageCursor);
    await imageDialogueRun(2); // warm-up
    const IMAGE_ROUNDS = QUICK ? 1 : 3;
    ctx.log(`  dialogues with images, alone and with scene busy: ${IMAGE_ROUNDS} rounds of 2 × ${SECONDS} s`);
    const imageRounds: Array<{ order: string; alone: LoadResult; both: LoadResult; scene: Scene }> = [];
    for (let round = 0; round < IMAGE_ROUNDS; round++) {
      const aloneFirst = round % 2 === 0;
      let alone: LoadResult | undefined;
      if (aloneFirst) alone = await imageDialogueRun(SECONDS);
      const both = await withSceneClients(() => imageDialogueRun(SECONDS));
      if (!aloneFirst) alone = await imageDialogueRun(SECONDS);
      imageRounds.push({ order: aloneFirst ? 'D, D+S' : 'D+S, D', alone: alone!, both: both.result, scene: both.scene });
    }
    lines.push(
      `Dialogues with their images (one client; ${imageDialogues.described}), alone and while 4 scene clients keep the image lane busy:`,
      '',
      '| round | 2xx/s alone | with scene busy | p50 ms alone | with scene busy | p99 ms alone | with scene busy | non-2xx alone / with | scene 200/s meanwhile |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...imageRounds.map(
        (r, i) =>
          `| ${i + 1} (${r.order}) | ${r.alone.okPerSec.toFixed(1)} | ${r.both.okPerSec.toFixed(1)} | ${r.alone.p50Ms.toFixed(1)} | ${r.both.p50Ms.toFixed(1)} | ${r.alone.p99Ms.toFixed(1)} | ${r.both.p99Ms.toFixed(1)} | ${r.alone.non2xx} / ${r.both.non2xx} | ${f(r.scene.perSec)} |`,
      ),
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
      'A body past the budget is refused (503) before it is read; the rest of it is then read and dropped, so a client still sending reads the 503 rather than a reset connection ("fetch failed", as most did when the refusal closed the connection). One client holds at most half the budget, so one process sending them all has half of it.',
      '',
      '| memory of the service process | RSS MiB | heap used MiB |',
      '|---|---:|---:|',
      `| before the burst | ${mib(before.rss)} | ${mib(before.heapUsed)} |`,
      `| peak during it | ${mib(peak)} | |`,
      `| 5 s after | ${mib(after.rss)} | ${mib(after.heapUsed)} |`,
      `| 15 s after | ${mib(later.rss)} | ${mib(later.heapUsed)} |`,
    );

    // 4. One client trickles large uploads in; another client's requests meanwhile.
    ctx.log('  slow uploads from one client, requests from another');
    const slow = await trickleUploads(url, 4, 32 * 2 ** 20, 6_000, async () => {
      const answers: { status: number; code?: string; ms: number }[] = [];
      for (let i = 0; i < 10; i++) {
        answers.push(await post(url, '/v1/intent', dialogues[i % dialogues.length], OTHER_KEY));
        await sleep(300);
      }
      return answers;
    });
    const okMs = slow.others.filter((a) => a.status === 200).map((a) => a.ms);
    lines.push(
      '',
      `Slow uploads: one client (one API key) opens ${slow.count} connections to /v1/intent that each declare a ${slow.mib} MiB body and send a byte a second; ` +
        `they are answered ${slow.statuses}. Another client's ${slow.others.length} requests meanwhile: ${countStatuses(slow.others)}` +
        (okMs.length ? `, median ${quantile(okMs, 0.5).toFixed(0)} ms, max ${Math.max(...okMs).toFixed(0)} ms.` : '.'),
    );
  } finally {
    await service.close();
  }
  // No cross-validation here: the header has no seeds or folds to state.
  return [SECTION_FORMAT_MARK, ...lines].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await runHostileBench({ log: (line) => process.stderr.write(`${line}\n`) })}\n`);
}
