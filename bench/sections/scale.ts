// Scale: batch prediction on 1 and 2 workers of this machine (samples/s and their ratio, measured in
// one run), and what one Redis sustains for the BullMQ job queue (empty jobs: enqueue, dequeue and
// complete; Redis's own CPU time and memory per job, the figures the sizing in docs/scaling.md uses).
//   npm run bench -- --sections scale
//   node --import tsx bench/sections/scale.ts        (prints the section)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { setDefaultFeatureCacheOptions } from '../../src/features/cache.js';
import { loadSamples } from '../../src/data/load.js';
import { forEachConcurrent, PooledPredictor } from '../../src/runtime/batch-predict.js';
import { threadsPerWorker } from '../../src/vision/threads.js';
import { backendSource } from '../../src/runtime/source.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import type { Prediction, Sample } from '../../src/types.js';
import { startRedis, type TestRedis } from '../../test/queue/redis-server.js';
import type { BenchContext } from '../run.js';
import { DEV_JSON, SECTION_FORMAT_MARK } from './common.js';

const SCENES = 32;
const DIALOGUES = 8;
const EMPTY_JOBS = 20_000;

interface Run {
  name: string;
  workers: number;
  threads: number;
  startupS: number;
  seconds: number;
  samples: number;
  labels: string[];
}

/** The subset: screenshots and dialogues with images from the middle of the dev file. */
async function subset(): Promise<Sample[]> {
  const all = (await loadSamples(DEV_JSON)).samples;
  const scenes = all.filter((s) => s.task === 'scene').slice(100, 100 + SCENES);
  const dialogues = all.filter((s) => s.task === 'intent' && s.images.length > 0).slice(50, 50 + DIALOGUES);
  return [...scenes, ...dialogues];
}

async function timed(samples: readonly Sample[], predict: (s: Sample) => Promise<Prediction>, inFlight: number): Promise<{ seconds: number; labels: string[] }> {
  const labels: string[] = new Array(samples.length);
  const started = performance.now();
  await forEachConcurrent(samples.length, inFlight, async (i) => {
    labels[i] = (await predict(samples[i])).label;
  });
  return { seconds: (performance.now() - started) / 1000, labels };
}

async function pooledRun(name: string, samples: readonly Sample[], workers: number, cacheDir: string): Promise<Run> {
  const started = performance.now();
  const predictor = await PooledPredictor.create(backendSource({ backend: 'embedded' }), { concurrency: workers, cache: { dir: cacheDir }, lanes: ['image'] });
  const startupS = (performance.now() - started) / 1000;
  try {
    const { seconds, labels } = await timed(samples, (s) => predictor.predict(s), 2 * workers);
    return { name, workers, threads: threadsPerWorker(workers), startupS, seconds, samples: samples.length, labels };
  } finally {
    await predictor.close();
  }
}

/** The sequential reference: this process, one sample at a time, the libraries' own thread counts. */
async function inProcessRun(samples: readonly Sample[], cacheDir: string): Promise<Run> {
  const started = performance.now();
  setDefaultFeatureCacheOptions({ dir: cacheDir });
  const recognizers = await loadRecognizers();
  const startupS = (performance.now() - started) / 1000;
  try {
    const { seconds, labels } = await timed(samples, (s) => recognizers[s.task]!.predict(s), 1);
    return { name: 'in this process, one at a time (`--concurrency 1`)', workers: 1, threads: 2, startupS, seconds, samples: samples.length, labels };
  } finally {
    setDefaultFeatureCacheOptions({});
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

interface QueueFigures {
  persistence: string;
  enqueueBulkPerS: number;
  enqueueOnePerS: number;
  processPerS: number;
  redisCpuUsPerJob: number;
  waitingBytesPerJob: number;
  keptBytesPerJob: number;
}

/** Empty jobs through one Redis: bulk and one-by-one enqueue, then two BullMQ workers (concurrency 100 each) taking and completing them. */
async function queueRun(persistence: 'none' | 'aof'): Promise<QueueFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-redis-'));
  const redis: TestRedis = await startRedis(persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir] : ['--dir', dir]);
  const connection = { url: redis.url, maxRetriesPerRequest: null };
  const name = `bench-${persistence}`;
  const queue = new Queue(name, { connection, prefix: 'ecommir' });
  const info = new Redis(redis.url);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await info.info('memory'))![1]);
  try {
    const memory0 = await usedMemory();
    const cpu0 = await cpuSeconds(redis.pid);
    let started = performance.now();
    for (let i = 0; i < EMPTY_JOBS; i += 1000) {
      await queue.addBulk(Array.from({ length: 1000 }, (_, k) => ({ name: 'e', data: {}, opts: { jobId: `b${i + k}`, removeOnComplete: true } })));
    }
    const enqueueBulkPerS = EMPTY_JOBS / ((performance.now() - started) / 1000);
    const waitingBytesPerJob = ((await usedMemory()) - memory0) / EMPTY_JOBS;
    const one = 2000;
    started = performance.now();
    for (let i = 0; i < one; i++) await queue.add('e', {}, { jobId: `o${i}`, removeOnComplete: true });
    const enqueueOnePerS = one / ((performance.now() - started) / 1000);
    const total = EMPTY_JOBS + one;
    let done = 0;
    let finish: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (finish = resolve));
    started = performance.now();
    const workers = [0, 1].map(
      () =>
        new Worker(
          name,
          async () => {
            if (++done === total) finish();
            return null;
          },
          { connection, prefix: 'ecommir', concurrency: 100 },
        ),
    );
    await allDone;
    const processPerS = total / ((performance.now() - started) / 1000);
    const redisCpuUsPerJob = ((await cpuSeconds(redis.pid)) - cpu0) * 1e6 / total;
    await Promise.all(workers.map((w) => w.close()));

    // Memory of answers kept in Redis (for a re-run to cost nothing): a prediction-sized return value.
    const kept = 2000;
    const prediction = { id: 'x', task: 'scene', label: '订单详情页面', coarse: '订单', hierarchical: '订单-订单详情页面', confidence: 0.9, uncertain: false, ranked: Array.from({ length: 25 }, (_, i) => ({ label: `标签${i}`, coarse: '类', confidence: 0.04 })), evidence: Array.from({ length: 5 }, () => ({ feature: 'title:订单详情', weight: 1.2 })) };
    const before = await usedMemory();
    await queue.addBulk(Array.from({ length: kept }, (_, k) => ({ name: 'k', data: { format: 1, modelVersion: '0123456789abcdef', sample: { id: `s${k}`, index: k, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [0] }], images: [{ name: `${k}.png`, sha256: 'f'.repeat(64), path: `/data/images/${k}.png` }] } }, opts: { jobId: `k${k}` } })));
    let keptDone = 0;
    let keptFinish: () => void = () => {};
    const keptAll = new Promise<void>((resolve) => (keptFinish = resolve));
    const keeper = new Worker(
      name,
      async () => {
        if (++keptDone === kept) keptFinish();
        return prediction;
      },
      { connection, prefix: 'ecommir', concurrency: 100 },
    );
    await keptAll;
    await keeper.close();
    const keptBytesPerJob = ((await usedMemory()) - before) / kept;
    return { persistence: persistence === 'aof' ? 'AOF, fsync every second' : 'none (in memory)', enqueueBulkPerS, enqueueOnePerS, processPerS, redisCpuUsPerJob, waitingBytesPerJob, keptBytesPerJob };
  } finally {
    info.disconnect();
    await queue.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runScaleBench(ctx: BenchContext): Promise<string> {
  const samples = await subset();
  const root = await mkdtemp(join(tmpdir(), 'ecommir-scale-'));
  const runs: Run[] = [];
  try {
    // Each cold run gets an empty feature cache: every OCR and embedding is computed.
    for (const workers of [1, 2]) {
      ctx.log(`scale: ${samples.length} samples on ${workers} worker(s), empty cache`);
      runs.push(await pooledRun(`pool of ${workers} worker process${workers > 1 ? 'es' : ''}, empty cache`, samples, workers, join(root, `cold-${workers}`)));
    }
    ctx.log('scale: in this process, empty cache');
    runs.push(await inProcessRun(samples, join(root, 'cold-in-process')));
    ctx.log('scale: 2 workers, warm cache');
    runs.push(await pooledRun('pool of 2 worker processes, warm cache (features read back)', samples, 2, join(root, 'cold-2')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const same = runs.every((r) => r.labels.join() === runs[0].labels.join());
  ctx.log('scale: Redis, empty jobs');
  const queues = [await queueRun('none'), await queueRun('aof')];

  const rate = (r: Run) => r.samples / r.seconds;
  const [one, two, here, warm] = runs;
  const cores = availableParallelism();
  const lines = [
    // No cross-validation here: the header has no seeds or folds to state.
    SECTION_FORMAT_MARK,
    `### Batch predict on this machine (${cores} cores)`,
    '',
    `${SCENES} screenshots and ${DIALOGUES} dialogues with images from the dev set (scene samples 100–${100 + SCENES - 1}, image dialogues 50–${50 + DIALOGUES - 1}),`,
    'shipped models. Each cold run starts from an empty feature cache of its own, so every OCR and image embedding is computed;',
    'the warm run reads them back from the 2-worker run’s cache. Worker start-up (loading models and OCR) is timed apart.',
    '',
    '| run | workers | ONNX threads each | start-up | time | samples/s | samples/s per worker | samples/s per core |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.name} | ${r.workers} | ${r.threads} | ${r.startupS.toFixed(1)} s | ${r.seconds.toFixed(1)} s | ${rate(r).toFixed(2)} | ${(rate(r) / r.workers).toFixed(2)} | ${(rate(r) / cores).toFixed(2)} |`),
    '',
    `**2 workers / 1 worker: ${(rate(two) / rate(one)).toFixed(2)}×** (same run, cold caches); 2 workers / one process at a time: ${(rate(two) / rate(here)).toFixed(2)}×;`,
    `warm cache on 2 workers: ${rate(warm).toFixed(1)} samples/s (${(rate(warm) / rate(two)).toFixed(0)}× the cold rate: OCR and embeddings are the cost).`,
    `Every run gave the same labels: ${same ? 'yes' : '**no**'}.`,
    '',
    '### One Redis for the job queue (BullMQ 6.7, Redis ' + 'from Debian, loopback)',
    '',
    `${EMPTY_JOBS.toLocaleString('en')} empty jobs added in bulk (1,000 a call), 2,000 added one call each, then all taken and completed by two BullMQ`,
    'workers (concurrency 100 each) in one Node process; Redis CPU time read from /proc over enqueue + dequeue + complete. Memory: `used_memory`',
    'growth per waiting empty job, and per job kept after completion with a prediction-sized answer (25 ranked labels, 5 evidence items) and its sample.',
    '',
    '| persistence | enqueue, bulk | enqueue, one call each | take + complete | Redis CPU per job | memory per waiting job | memory per kept answer |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...queues.map(
      (q) =>
        `| ${q.persistence} | ${Math.round(q.enqueueBulkPerS).toLocaleString('en')} jobs/s | ${Math.round(q.enqueueOnePerS).toLocaleString('en')} jobs/s | ${Math.round(q.processPerS).toLocaleString('en')} jobs/s | ${q.redisCpuUsPerJob.toFixed(0)} µs | ${Math.round(q.waitingBytesPerJob).toLocaleString('en')} B | ${Math.round(q.keptBytesPerJob).toLocaleString('en')} B |`,
    ),
    '',
    `One Redis core at ${queues[0].redisCpuUsPerJob.toFixed(0)} µs a job sustains about ${Math.round(1e6 / queues[0].redisCpuUsPerJob).toLocaleString('en')} jobs/s through the whole life of a job;`,
    'the figures above are what one Node client could drive on this machine (the load generator shares its cores with Redis).',
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write((await runScaleBench({ seeds: [0], folds: 5, log: (l) => process.stderr.write(`${l}\n`) })) + '\n');
}
