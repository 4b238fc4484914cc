// test: serial (an aborted wait must be dropped within 100 ms; scripts/test.ts runs it alone)
// The recogniser pool on its own (threads and processes): what a caller other than the service
// (batch prediction, a model reload) relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPools, WorkerLanes } from '../../src/runtime/lanes.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { FAKES_MODULE } from '../server/fakes.js';
import { runModuleScript } from '../module-script.js';
import { processAlive, sleep } from '../server/helpers.js';
import type { Sample } from '../../src/types.js';

const BROKEN = new URL('./broken-source.ts', import.meta.url).href;
const intent = (text: string): Sample => ({ id: 'p', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });

test('a thread pool answers, refuses past its queue with ECM_ERR_BUSY, and drops an aborted queued call', { timeout: 60_000 }, async () => {
  const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE, args: { intent: { delayMs: 300 } } }, threads: 1, maxQueue: 1, name: 'text' });
  try {
    assert.deepEqual(Object.keys(pool.tasks).sort(), ['intent', 'scene']);
    assert.equal((await pool.predict(intent('怎么用'))).label, '用法用量');
    // One running and one waiting: of five calls at once, at least three are refused at once.
    const burst = await Promise.all(Array.from({ length: 5 }, () => pool.predict(intent('推荐')).then((p) => p.label, (e: { code: string }) => e.code)));
    assert.ok(burst.filter((r) => r === 'ECM_ERR_BUSY').length >= 3, burst.join(' '));
    assert.ok(burst.filter((r) => r === '单品推荐').length >= 1, burst.join(' '));
    const running = pool.predict(intent('推荐'));
    await new Promise((r) => setTimeout(r, 50));
    const aborted = new AbortController();
    const queued = pool.predict(intent('生锈'), {}, aborted.signal);
    const abortedAt = performance.now();
    aborted.abort(new Error('gone'));
    await assert.rejects(queued, /gone/);
    assert.ok(performance.now() - abortedAt < 100, 'the waiting call is dropped at once');
    assert.equal((await running).label, '单品推荐');
    assert.equal(pool.stats.terminated, 0, 'a queued call is dropped without stopping a worker');
  } finally {
    await pool.close();
  }
});

test('recognisers that fail to load are reported; processes that die before loading stop the pool from starting', { timeout: 60_000 }, async () => {
  const failing = await RecognizerPool.create({ source: { module: BROKEN, export: 'throws' }, threads: 1 });
  assert.match(failing.loadError?.message ?? '', /no model here/);
  await failing.destroy();
  const started = performance.now();
  await assert.rejects(RecognizerPool.create({ source: { module: BROKEN, export: 'crashes' }, threads: 1, isolation: 'process' }), { code: 'ECM_ERR_BACKEND' });
  assert.ok(performance.now() - started < 30_000);
});

test('an error a worker raises about an item keeps the item as data, named once in the message', { timeout: 60_000 }, async () => {
  const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, name: 'image' });
  try {
    const ref = { name: 'gone.png', path: '/no/such/gone.png' };
    const sample: Sample = { id: 'p', index: 3, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [ref] }], images: [ref] };
    await assert.rejects(pool.predict(sample, {}, undefined, true), (err: Error & { code?: string; item?: unknown }) => {
      assert.equal(err.code, 'ECM_ERR_IMAGE_MISSING');
      assert.deepEqual(err.item, { id: 'p', index: 3 });
      assert.equal(err.message, 'record #3, id p: image gone.png not found at /no/such/gone.png');
      return true;
    });
  } finally {
    await pool.close();
  }
});

/** A source whose workers never finish loading; a process writes its pid to the file `waitForPid` reads. */
function neverLoading(): { source: { module: string; export: string; args: { pidFile: string } }; waitForPid: () => Promise<number> } {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'ecommir-pool-')), 'pid');
  const waitForPid = async (): Promise<number> => {
    const until = Date.now() + 20_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') {
      assert.ok(Date.now() < until, 'the worker process started within 20 s');
      await sleep(20);
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile);
    return pid;
  };
  return { source: { module: BROKEN, export: 'neverLoads', args: { pidFile } }, waitForPid };
}

test('a start given up by its signal stops the worker processes still loading (a pool\'s, the lanes\' image process), and rejects with its reason', { timeout: 60_000 }, async () => {
  const { source, waitForPid } = neverLoading();
  for (const start of [
    (signal: AbortSignal) => RecognizerPool.create({ source, threads: 1, isolation: 'process', signal }),
    // At normal priority: under SCHED_IDLE, other tests busy on both cores would keep it from starting at all.
    (signal: AbortSignal) => WorkerLanes.create({ source, warmUp: false, imageIdleScheduling: false, imageNiceIncrement: 0, signal }),
  ]) {
    const controller = new AbortController();
    const starting = start(controller.signal);
    let pid = 0;
    try {
      pid = await waitForPid();
      assert.ok(processAlive(pid), 'the worker process is loading');
      const reason = new Error('deadline');
      const abortedAt = performance.now();
      controller.abort(reason);
      await assert.rejects(Promise.race([starting, sleep(10_000).then(() => 'still starting 10 s after the abort')]), (err) => err === reason);
      assert.ok(performance.now() - abortedAt < 5_000, 'given up at once');
      assert.equal(processAlive(pid), false, 'the process still loading was stopped');
    } finally {
      // Whatever failed above, no worker is left to keep the test process alive.
      controller.abort(new Error('test over'));
      await Promise.race([starting.catch(() => {}), sleep(5_000)]);
      if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }
  await assert.rejects(RecognizerPool.create({ source, threads: 1, signal: AbortSignal.abort(new Error('too late')) }), /too late/);
});

test('one lane that fails stops the start of the other at once (it waited for the other to load)', { timeout: 60_000 }, async () => {
  const { source, waitForPid } = neverLoading();
  let breakTextLane!: () => void;
  const textLane = new Promise<never>((_, reject) => (breakTextLane = () => reject(new Error('the text lane broke'))));
  const starting = startPools([() => textLane, (signal) => RecognizerPool.create({ source, threads: 1, isolation: 'process', signal })]);
  starting.catch(() => {}); // judged below, once the image process is loading
  let pid = 0;
  try {
    pid = await waitForPid();
    breakTextLane();
    await assert.rejects(Promise.race([starting, sleep(10_000).then(() => 'still starting 10 s on')]), /the text lane broke/);
    assert.equal(processAlive(pid), false, 'the image process still loading was stopped');
  } finally {
    breakTextLane();
    await Promise.race([starting.catch(() => {}), sleep(5_000)]);
    if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

// In a process of its own: the defect was that process ending (exit code 13) while it awaited the pool.
const ABORT_WHILE_ONE_LOADED = `
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecognizerPool } from ${JSON.stringify(new URL('../../src/runtime/pool.ts', import.meta.url).href)};
const dir = mkdtempSync(join(tmpdir(), 'ecommir-pool-'));
const args = { lockFile: join(dir, 'lock'), readyFile: join(dir, 'ready'), megabytes: 256 };
const controller = new AbortController();
const starting = RecognizerPool.create({ source: { module: ${JSON.stringify(BROKEN)}, export: 'firstLoadsHeavy', args }, threads: 2, isolation: 'process', signal: controller.signal });
starting.catch(() => {});
const until = Date.now() + 30_000;
while (!existsSync(args.readyFile)) {
  if (Date.now() > until) { process.stdout.write('no process loaded within 30 s\\n'); process.exit(5); }
  await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, 300)); // its 'ready' is in
controller.abort(new Error('deadline'));
await starting.catch((err) => process.stdout.write('rejected: ' + err.message + '\\n'));
process.stdout.write('destroyed\\n');
rmSync(dir, { recursive: true, force: true });
`;

test('a start given up while one process has loaded and another has not waits for both to end (the caller\'s process ended first, exit code 13: predict without a model, once in 45 runs)', { timeout: 60_000 }, async () => {
  // The loaded process holds 256 MiB, so it takes longer to die than the one still loading; the
  // sibling's exit settled the pool's start, which un-referenced the loaded one before its exit.
  const { code, stdout, stderr } = await runModuleScript(ABORT_WHILE_ONE_LOADED, { timeoutMs: 50_000 });
  assert.equal(code, 0, `exit code ${code}: ${stderr}`);
  assert.equal(stdout, 'rejected: deadline\ndestroyed\n');
});
