// test: serial (workers renew job locks on a 3 s clock and stalled jobs are reclaimed after 1 s; scripts/test.ts runs it alone)
// The job queue for real: Debian's redis-server on a free loopback port, two `ecommir worker`
// processes with the shipped models, `ecommir predict --queue` as a user runs it. One worker is
// killed (SIGKILL) while it holds a job; the output is compared byte for byte with a local run, and
// Redis's own event stream shows every job completed exactly once. Then: a re-run costs nothing, an
// interrupted client resumes, failures are retried with backoff and end as dead letters in
// OUT.errors.jsonl, and a worker refuses a job for a model version it does not serve.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEV_IMAGES, devRecords, tempDir, type DevRecord } from '../data/helpers.js';
import { runCli, startCli } from '../cli/run-cli.js';
import { modelVersion } from '../../src/runtime/identity.js';
import { QUEUE_PREFIX, queueName } from '../../src/queue/jobs.js';
import { noRedis, startRedis, type TestRedis, until } from './redis-server.js';

const { scenes, intents } = await devRecords();
const dialogues = intents.filter((r) => r.image.length > 0);

let redis: TestRedis;
let queue: Queue;
let version: string;
const workers: ReturnType<typeof startCli>[] = [];

/** A worker with its own empty feature cache (so each screenshot takes real OCR time) and short locks. */
async function startWorker(name: string, cacheDir: string): Promise<ReturnType<typeof startCli>> {
  const worker = startCli(['worker', '--redis', redis.url, '--concurrency', '1', '--lock-ms', '3000', '--stalled-ms', '1000', '--name', name], { ECOMMIR_CACHE_DIR: cacheDir });
  workers.push(worker);
  await until(`worker ${name} to start`, () => worker.output().includes(`worker ${name}: model version`) || (worker.child.exitCode !== null && Promise.reject(new Error(worker.output()))));
  return worker;
}

/** How many times Redis's event stream says each job completed. */
async function completions(): Promise<Map<string, number>> {
  const client = new Redis(redis.url);
  try {
    const entries = (await client.xrange(`${QUEUE_PREFIX}:${queueName(version)}:events`, '-', '+')) as [string, string[]][];
    const counts = new Map<string, number>();
    for (const [, fields] of entries) {
      const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
      if (f.event === 'completed') counts.set(f.jobId, (counts.get(f.jobId) ?? 0) + 1);
    }
    return counts;
  } finally {
    client.disconnect();
  }
}

async function writeData(dir: string, name: string, records: DevRecord[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(records));
  return file;
}

async function local(data: string, out: string, images = DEV_IMAGES): Promise<Buffer> {
  const run = await runCli(['predict', '--data', data, '--images', images, '--out', out, '--concurrency', '1', '--no-progress']);
  assert.equal(run.code, 0, run.stderr);
  return readFile(out);
}

before(async () => {
  if (noRedis) return;
  redis = await startRedis();
  version = await modelVersion({ backend: 'embedded' });
  queue = new Queue(queueName(version), { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX });
});

after(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await queue?.close();
  await redis?.stop();
});

test('two workers, one killed mid-job: the output is the local run’s, every sample answered once', { skip: noRedis, timeout: 400_000 }, async () => {
  const dir = await tempDir({});
  const [a, b] = await Promise.all([startWorker('worker-a', join(dir, 'cache-a')), startWorker('worker-b', join(dir, 'cache-b'))]);
  const records = [...scenes.slice(30, 38), ...dialogues.slice(10, 12)];
  const data = await writeData(dir, 'data.json', records);
  const out = join(dir, 'queue.csv');
  const client = startCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--queue', redis.url]);
  // Kill worker A while it holds a job, once some answers are in.
  const killed = await until('worker A to hold a job after the first answer', async () => {
    if ((await queue.getCompletedCount()) < 1) return undefined;
    const active = await queue.getActive();
    return active.find((j) => j.processedBy === 'worker-a');
  });
  a.child.kill('SIGKILL');
  assert.equal(await a.exited, null, 'killed by a signal');
  const code = await client.exited;
  assert.equal(code, 0, client.output());
  assert.match(client.output(), /10 jobs added, 0 answered earlier/);
  assert.match(client.output(), new RegExp(`wrote ${records.length} predictions`));

  const reference = await local(data, join(dir, 'local.csv'));
  assert.ok((await readFile(out)).equals(reference), 'the queue output differs from the local run');
  // The killed worker's job was taken back (stalled) and finished by the other one.
  const finished = (await Job.fromId(queue, killed.id!))!;
  assert.equal(await finished.getState(), 'completed');
  assert.equal(finished.processedBy, 'worker-b');
  assert.ok(finished.stalledCounter >= 1, 'counted as stalled once');
  assert.match(b.output(), /worker worker-b: model version/);
  const done = await completions();
  assert.equal(done.size, records.length, 'one job per sample');
  assert.deepEqual([...new Set(done.values())], [1], 'each job completed exactly once');

  // A re-run costs nothing: every answer is still in Redis.
  const again = await runCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', join(dir, 'again.csv'), '--queue', redis.url, '--no-progress']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 jobs added, 10 answered earlier/);
  assert.ok((await readFile(join(dir, 'again.csv'))).equals(reference));
  assert.deepEqual(await completions(), done, 'nothing computed again');
});

test('an interrupted predict --queue resumes: the same output, no sample answered twice', { skip: noRedis, timeout: 300_000 }, async () => {
  const dir = await tempDir({});
  if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) await startWorker('worker-c', join(dir, 'cache-c'));
  const records = scenes.slice(40, 46);
  const data = await writeData(dir, 'data.json', records);
  const out = join(dir, 'out.jsonl');
  const before = (await completions()).size;
  const client = startCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--queue', redis.url]);
  await until('the first answer in the log', async () => {
    if (client.child.exitCode !== null) throw new Error(`the client ended first: ${client.output()}`);
    try {
      return (await readFile(`${out}.partial.jsonl`, 'utf8')).includes('\n');
    } catch {
      return false;
    }
  });
  client.child.kill('SIGKILL');
  await client.exited;
  const resumed = await runCli(['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--queue', redis.url, '--no-progress']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming: \d of 6 predictions read from/);
  assert.match(resumed.stderr, /0 jobs added/, 'every job was already on the queue');
  assert.ok((await readFile(out)).equals(await local(data, join(dir, 'local.jsonl'))));
  const done = await completions();
  assert.equal(done.size - before, records.length);
  assert.deepEqual([...new Set(done.values())], [1]);
});

test('failures are retried with backoff, then listed as dead letters in OUT.errors.jsonl; a re-run retries them', { skip: noRedis, timeout: 300_000 }, async () => {
  const dir = await tempDir({});
  if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) await startWorker('worker-d', join(dir, 'cache-d'));
  const images = join(dir, 'images');
  await mkdir(images);
  const records = scenes.slice(50, 52);
  for (const r of records) await copyFile(join(DEV_IMAGES, r.image[0]), join(images, r.image[0]));
  const data = await writeData(dir, 'data.json', records);
  const out = join(dir, 'out.csv');
  // Enqueue while the queue is paused, then take one image away before any worker reads it.
  await queue.pause();
  const client = startCli(['predict', '--data', data, '--images', images, '--out', out, '--queue', redis.url, '--attempts', '3', '--backoff-ms', '200']);
  await until('both jobs on the paused queue', async () => /2 jobs added/.test(client.output()));
  const gone = join(images, records[1].image[0]);
  const bytes = await readFile(gone);
  await rm(gone);
  await queue.resume();
  assert.equal(await client.exited, 1, client.output());
  assert.match(client.output(), new RegExp(`record #1, id ${records[1].id} failed after 3 tries`));
  assert.match(client.output(), /1 samples could not be answered/);
  await assert.rejects(access(out), 'no output without --skip-bad');
  const errors = (await readFile(`${out}.errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; index: number; attempts: number; message: string });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].id, records[1].id);
  assert.equal(errors[0].index, 1);
  assert.equal(errors[0].attempts, 3);
  assert.match(errors[0].message, /ENOENT/);

  // The image is back: the re-run tries the dead letter again and finishes.
  await writeFile(gone, bytes);
  const rerun = await runCli(['predict', '--data', data, '--images', images, '--out', out, '--queue', redis.url, '--no-progress']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /resuming: 1 of 2/);
  assert.match(rerun.stderr, /1 dead letters retried/);
  assert.ok((await readFile(out)).equals(await local(data, join(dir, 'local.csv'), images)));
  await assert.rejects(access(`${out}.errors.jsonl`), 'no stale errors file');
});

test('a worker refuses a job for a model version it does not serve, without retrying it', { skip: noRedis, timeout: 120_000 }, async () => {
  if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) await startWorker('worker-e', join(await tempDir({}), 'cache-e'));
  const job = await queue.add('predict', { format: 1, modelVersion: '0123456789abcdef', sample: { id: 'x', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '会生锈吗', images: [] }], images: [] } }, { jobId: 'pforeign', attempts: 3 });
  const state = await until('the foreign job to fail', async () => {
    const s = await job.getState();
    return s === 'failed' ? s : undefined;
  });
  assert.equal(state, 'failed');
  const failed = (await Job.fromId(queue, 'pforeign'))!;
  assert.equal(failed.attemptsMade, 1, 'not retried');
  assert.match(failed.failedReason, new RegExp(`serves model version ${version}, the job asks for 0123456789abcdef`));
});

test('a worker holds a job to the input limits of predict and the API, and names a stray job by its format', { skip: noRedis, timeout: 120_000 }, async () => {
  if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) await startWorker('worker-f', join(await tempDir({}), 'cache-f'));
  const sample = (text: string) => ({ id: 'big', index: 4, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });
  const jobs = [
    { id: 'plong', data: { format: 1, modelVersion: version, sample: sample('锈'.repeat(30_000)) }, reason: /20,?000.*\[ECM_ERR_INPUT_TOO_LARGE\]/ },
    { id: 'pempty', data: { format: 1, modelVersion: version, sample: sample('') }, reason: /\[ECM_ERR_EMPTY_TURN\]/ },
    // It was named by its missing model version ("the job asks for undefined").
    { id: 'pstray', data: { hello: 1 }, reason: /not an ecommir prediction job of format 1 \[ECM_ERR_BAD_RECORD\]/ },
  ];
  for (const { id, data, reason } of jobs) {
    const job = await queue.add('predict', data as never, { jobId: id, attempts: 3 });
    await until(`job ${id} to fail`, async () => ((await job.getState()) === 'failed' ? true : undefined));
    const failed = (await Job.fromId(queue, id))!;
    assert.equal(failed.attemptsMade, 1, `${id} is not retried`);
    assert.match(failed.failedReason, reason, id);
  }
});
