// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
// What `predict --queue` and `worker` tell their user when something around the queue goes wrong:
// a Ctrl-C (what is kept, how to go on), a Redis URL written as HOST:PORT or wrong (named by the flag
// typed), a Redis that cannot be reached (no stray OUT.partial.jsonl), a Redis lost and back in the
// middle of a run (said once each way, not once a reconnect), and a model version no worker serves
// (the versions the running workers do serve). Workers here are the test's own, answering with the
// fake recognisers of the service tests: each test takes a few seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { devRecords, tempDir, type DevRecord } from '../data/helpers.js';
import { runCli, startCli } from '../cli/run-cli.js';
import { FAKES_MODULE, FakeIntentRecognizer } from '../server/fakes.js';
import { connectionOptions, jobData, QUEUE_PREFIX, queueName, redisUrl, sampleFromJob, servedVersions, type PredictJobData } from '../../src/queue/jobs.js';
import { runOnQueue } from '../../src/queue/client.js';
import { startQueueWorker } from '../../src/queue/worker.js';
import { keySamples } from '../../src/runtime/batch-predict.js';
import type { Prediction, Sample } from '../../src/types.js';
import { freePort, noRedis, startRedis, type TestRedis, until } from './redis-server.js';

const { intents } = await devRecords();
// Dialogues without images (a job needs no shared storage, the fake answers at once), each its own
// sample: the dev file's one such dialogue, its last question numbered.
const [template] = intents.filter((r) => r.image.length === 0);
const dialogues = (from: number, count: number): DevRecord[] =>
  Array.from({ length: count }, (_, k) => ({ ...template, id: `d${from + k}`, instruction: template.instruction.replace('何时补货', `何时补货${from + k}`) }));

let redis: TestRedis;
const closing: (() => Promise<unknown>)[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker of `version` answering with the fake intent recogniser; jobs `hold` picks wait until `release`. */
function fakeWorker(url: string, version: string, name: string, hold: (job: Job<PredictJobData>) => boolean = () => false) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const worker = new Worker<PredictJobData, Prediction>(
    queueName(version),
    async (job) => {
      if (hold(job)) await released;
      return new FakeIntentRecognizer().predict(await sampleFromJob(job.data));
    },
    { connection: connectionOptions(url), prefix: QUEUE_PREFIX, concurrency: 4, name },
  );
  worker.on('error', () => {});
  const close = () => worker.close(true);
  closing.push(close);
  return { worker, release, close };
}

async function writeData(dir: string, records: DevRecord[]): Promise<string> {
  const file = join(dir, 'data.json');
  await writeFile(file, JSON.stringify(records));
  return file;
}

/** Keyed samples of the dialogues, as predict hands them to the queue. */
async function keyed(records: DevRecord[], version: string) {
  const samples: Sample[] = records.map((r, index) => ({ id: r.id, index, task: 'intent', candidates: [], turns: [{ role: 'user', text: `何时补货 ${r.id}`, images: [] }], images: [] }));
  return keySamples(samples, version);
}

const unique = (what: string) => `${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  if (noRedis) return;
  redis = await startRedis();
});

after(async () => {
  for (const close of closing.reverse()) await close().catch(() => {});
  await redis?.stop();
});

test('a Redis given as HOST:PORT is taken as redis://HOST:PORT; a URL that is not a Redis one is named by the flag typed', { skip: noRedis, timeout: 120_000 }, async () => {
  assert.equal(redisUrl('127.0.0.1:6380'), 'redis://127.0.0.1:6380');
  // A Compose service named redis: as a URL this had no host at all.
  assert.equal(redisUrl('redis:6379'), 'redis://redis:6379');
  assert.equal(redisUrl('[::1]:6379'), 'redis://[::1]:6379');
  assert.equal(redisUrl('rediss://user:pw@host:6380/2'), 'rediss://user:pw@host:6380/2');
  assert.throws(() => redisUrl('localhost', '--queue'), /--queue must be a URL like redis:\/\/127\.0\.0\.1:6379 \(or HOST:PORT/);

  const dir = await tempDir({});
  const data = await writeData(dir, dialogues(0, 2));
  const version = unique('hostport');
  const served = fakeWorker(redis.url, version, 'hostport');
  const hostPort = redis.url.slice('redis://'.length);
  const run = await runCli(['predict', '--data', data, '--out', join(dir, 'out.jsonl'), '--queue', hostPort, '--model-version', version, '--no-progress']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /wrote 2 predictions/);
  await served.close();

  const bad = await runCli(['predict', '--data', data, '--out', join(dir, 'bad.jsonl'), '--queue', 'http://127.0.0.1:1', '--model-version', version, '--no-progress']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--queue must be a URL like redis:\/\/127\.0\.0\.1:6379/);
  assert.doesNotMatch(bad.stderr, /--redis/);
  for (const flag of ['--queue', '--redis']) {
    const worker = await runCli(['worker', flag, 'http://127.0.0.1:1']);
    assert.notEqual(worker.code, 0);
    assert.match(worker.stderr, new RegExp(`${flag} must be a URL like redis://`), worker.stderr);
  }
});

test('predict --queue with a Redis that cannot be reached leaves no OUT.partial.jsonl, and an earlier one as it was', { skip: noRedis, timeout: 120_000 }, async () => {
  const dir = await tempDir({});
  const data = await writeData(dir, dialogues(0, 2));
  const nobody = `redis://127.0.0.1:${await freePort()}`;
  const out = join(dir, 'out.jsonl');
  const first = await runCli(['predict', '--data', data, '--out', out, '--queue', nobody, '--no-progress']);
  assert.notEqual(first.code, 0);
  assert.match(first.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
  await assert.rejects(access(`${out}.partial.jsonl`), 'no empty partial file left behind');

  const kept = '{"key":"k1","id":"x","task":"intent","label":"商品材质"}\n';
  await writeFile(`${out}.partial.jsonl`, kept);
  const again = await runCli(['predict', '--data', data, '--out', out, '--queue', nobody, '--no-progress']);
  assert.notEqual(again.code, 0);
  assert.equal(await readFile(`${out}.partial.jsonl`, 'utf8'), kept, 'an earlier partial file is never touched');
});

test('Ctrl-C of predict --queue says how many predictions are kept and that a re-run resumes; it still exits 130, and the re-run does resume', { skip: noRedis, timeout: 120_000 }, async () => {
  const dir = await tempDir({});
  const records = dialogues(2, 3);
  const data = await writeData(dir, records);
  const out = join(dir, 'out.jsonl');
  const version = unique('ctrlc');
  // The first record is answered at once, the others only after the client is gone.
  const { release, close } = fakeWorker(redis.url, version, 'ctrlc', (job) => job.data.sample.index !== 0);
  const args = ['predict', '--data', data, '--out', out, '--queue', redis.url, '--model-version', version, '--no-progress'];
  const client = startCli(args);
  await until('the first answer in the log', async () => {
    if (client.child.exitCode !== null) throw new Error(`the client ended first: ${client.output()}`);
    return (await readFile(`${out}.partial.jsonl`, 'utf8').catch(() => '')).includes('\n');
  });
  client.child.kill('SIGINT');
  await client.exited;
  assert.equal(client.child.signalCode, 'SIGINT', `ended by the signal (a shell says 130): ${client.output()}`);
  const partial = `${out}.partial.jsonl`;
  assert.match(client.output(), new RegExp(`SIGINT: stopped; 1 of 3 predictions are kept in ${partial.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*run the same command again to resume`));

  release();
  const rerun = await runCli(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /resuming: 1 of 3 predictions read from/);
  assert.match(rerun.stderr, /0 jobs added, 2 answered earlier/);
  assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3);
  await close();
});

test('predict --queue with Redis gone mid-run says so once (with what is kept), stays quiet while reconnecting, says once it is back, and finishes', { skip: noRedis, timeout: 120_000 }, async () => {
  const port = await freePort();
  let own = await startRedis([], port);
  closing.push(() => own.stop());
  const version = unique('lost');
  const items = await keyed(dialogues(5, 2), version);
  const lines: string[] = [];
  const answers: string[] = [];
  const run = runOnQueue({
    redis: own.url,
    version,
    items,
    sweepMs: 200,
    kept: () => `${answers.length} of 2 predictions are kept in OUT.partial.jsonl`,
    log: (line) => lines.push(line),
    onAnswer: (item) => void answers.push(item.key),
    onDeadLetter: (_item, reason) => assert.fail(reason),
  });
  await until('the jobs on the queue', () => lines.some((l) => /2 jobs added/.test(l)));
  await own.stop();
  await until('the loss said', () => lines.some((l) => /lost the connection/.test(l)));
  // Several reconnect tries (one every 2 s at most): the old client logged each, from each connection.
  await sleep(3000);
  own = await startRedis([], port);
  // This Redis keeps nothing across a restart: the jobs it lost are sent again, and answered.
  const restarted = fakeWorker(own.url, version, 'after-restart');
  await run;
  await restarted.close();
  assert.equal(answers.length, 2);
  const lost = lines.filter((l) => /lost the connection/.test(l));
  const back = lines.filter((l) => /is back after/.test(l));
  assert.equal(lost.length, 1, lines.join('\n'));
  assert.match(lost[0], /^queue: lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(.+\); 0 of 2 predictions are kept in OUT\.partial\.jsonl; .*reconnecting/);
  assert.equal(back.length, 1, lines.join('\n'));
  assert.deepEqual(lines.filter((l) => /ECONNREFUSED|Connection is closed/.test(l) && !/lost the connection/.test(l)), [], 'quiet while reconnecting');
});

test('a worker with Redis gone says so once, stays quiet while reconnecting, says once it is back, and takes jobs again', { skip: noRedis, timeout: 120_000 }, async () => {
  const port = await freePort();
  let own = await startRedis([], port);
  closing.push(() => own.stop());
  const version = unique('worker-lost');
  const lines: string[] = [];
  const worker = await startQueueWorker({ redis: own.url, selection: { backend: 'embedded' }, source: { module: FAKES_MODULE }, version, concurrency: 1, name: 'watched', log: (line) => lines.push(line) });
  closing.push(() => worker.close());
  await own.stop();
  await until('the loss said', () => lines.some((l) => /lost the connection/.test(l)));
  await sleep(3000);
  own = await startRedis([], port);
  await until('the return said', () => lines.some((l) => /is back after/.test(l)));
  const queue = new Queue<PredictJobData, Prediction>(queueName(version), { connection: connectionOptions(own.url), prefix: QUEUE_PREFIX });
  closing.push(() => queue.close());
  const [item] = await keyed(dialogues(7, 1), version);
  const job = await queue.add('predict', await jobData(item, version), { jobId: 'pafter' });
  await until('the job answered', async () => (await job.getState()) === 'completed');
  const lost = lines.filter((l) => /lost the connection/.test(l));
  assert.equal(lost.length, 1, lines.join('\n'));
  assert.match(lost[0], /^worker: lost the connection to Redis at .*; answers already sent are in Redis; no job was in hand; reconnecting/);
  assert.equal(lines.filter((l) => /is back after/.test(l)).length, 1, lines.join('\n'));
  assert.deepEqual(lines.filter((l) => /ECONNREFUSED|Connection is closed/.test(l) && !/lost the connection/.test(l)), [], 'quiet while reconnecting');
});

test('a queue run whose model version no worker serves names the versions the running workers serve', { skip: noRedis, timeout: 120_000 }, async () => {
  const version = unique('wanted');
  const other = unique('served');
  const others = [fakeWorker(redis.url, other, 'other-a'), fakeWorker(redis.url, other, 'other-b')];
  const items = await keyed(dialogues(8, 1), version);
  // The workers name their connections as they connect: the first warning, 200 ms in, must see both.
  const probe = new Queue(queueName(other), { connection: connectionOptions(redis.url), prefix: QUEUE_PREFIX });
  closing.push(() => probe.close());
  await until('both workers named on Redis', async () => servedVersions(await probe.getBackend().getClientList()).get(other) === 2);
  const lines: string[] = [];
  const run = runOnQueue({ redis: redis.url, version, items, sweepMs: 100, noWorkerWarningMs: 200, log: (line) => lines.push(line), onAnswer: () => {}, onDeadLetter: (_item, reason) => assert.fail(reason) });
  const warning = await until('the warning', () => lines.find((l) => /no worker serves/.test(l)));
  assert.match(warning, new RegExp(`no worker serves model version ${version} .*the running workers serve model version (.*, )?${other} \\(2 workers\\).*run predict with --model-version`));
  const wanted = fakeWorker(redis.url, version, 'wanted');
  await run;
  for (const w of [...others, wanted]) await w.close();
});
