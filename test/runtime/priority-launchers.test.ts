// test: serial (its workers run under SCHED_IDLE: another file's load on the machine would stall them)
// Worker processes started at a lower priority: under SCHED_IDLE every thread of each process
// (Node's own, and those it starts later) has the policy, a replaced process too; the nice value is
// given through nice before Node starts; a machine without a usable chrt falls back to the nice
// value alone, one without a usable nice to setting it after fork, and a launcher that cannot start
// Node is reported, not hung on. Read from /proc, so Linux only, as the policy is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { idleLauncher, niceLauncher, probeIdleLauncher, probeNiceLauncher } from '../../src/runtime/priority-launchers.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import type { Sample } from '../../src/types.js';
import { FAKES_MODULE } from '../server/fakes.js';
import { SCHED_IDLE, SCHED_OTHER, workerThreads, type ThreadScheduling } from './worker-processes.js';

/** What nice 7 over this test's own value gives (the suite may itself run under nice). */
const NICE_7 = Math.min(19, getPriority() + 7);
const CHILD = fileURLToPath(new URL('./launcher-pool-child.ts', import.meta.url));
const intent = (text: string): Sample => ({ id: 'p', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text, images: [] }], images: [] });

type ChildReport = { threads?: ThreadScheduling[][]; label?: string; code?: string; message?: string; log?: string };

/**
 * Runs launcher-pool-child.ts with fake commands (shell scripts, by name) first on PATH; returns what
 * it printed, and what the scripts appended to $FAKE_LOG. `idle`: whether the pool asks for SCHED_IDLE;
 * `childNice`: the script itself runs that much above this process's nice value.
 */
async function withFakeCommands(scripts: Record<string, string>, idle = true, childNice = 0): Promise<ChildReport> {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-launcher-'));
  try {
    for (const [name, script] of Object.entries(scripts)) {
      await writeFile(join(dir, name), `#!/bin/sh\n${script}\n`);
      await chmod(join(dir, name), 0o755);
    }
    const log = join(dir, 'log');
    await writeFile(log, '');
    const node = [process.execPath, '--import', 'tsx', CHILD];
    const { stdout } = await promisify(execFile)(childNice ? REAL_NICE : node[0], childNice ? ['-n', String(childNice), ...node] : node.slice(1), {
      env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH}`, FAKE_LOG: log, ECOMMIR_TEST_IDLE: idle ? '1' : '0' },
      timeout: 60_000,
    });
    return { ...JSON.parse(stdout.trim().split('\n').at(-1)!), log: await readFile(log, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const withFakeChrt = (script: string) => withFakeCommands({ chrt: script });
/** The machine's own nice, for a fake one that logs its arguments and then runs it. */
const REAL_NICE = execFileSync('sh', ['-c', 'command -v nice'], { encoding: 'utf8' }).trim();

test('chrt and ionice can start a command under SCHED_IDLE on this machine (Debian has both in util-linux)', () => {
  assert.equal(process.platform, 'linux');
  assert.ok(idleLauncher(), 'no chrt and ionice on PATH that can start a command under SCHED_IDLE');
});

test('a chrt that is missing or refuses is not used', async () => {
  assert.equal(probeIdleLauncher('/no/such/chrt', '/usr/bin/ionice'), undefined);
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-chrt-'));
  try {
    const refusing = join(dir, 'chrt');
    await writeFile(refusing, '#!/bin/sh\necho "chrt: failed to set pid 0\'s policy: Operation not permitted" >&2\nexit 1\n');
    await chmod(refusing, 0o755);
    assert.equal(probeIdleLauncher(refusing, '/usr/bin/ionice'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('worker processes started with idleScheduling run every thread under SCHED_IDLE, best-effort I/O, a replaced one too', { timeout: 60_000 }, async () => {
  const pool = await RecognizerPool.create({
    source: { module: FAKES_MODULE, args: { intent: { delayMs: 1000 } } },
    threads: 2,
    isolation: 'process',
    niceIncrement: 7,
    idleScheduling: true,
  });
  try {
    const before = workerThreads();
    assert.equal(before.size, 2, 'two worker processes');
    for (const [pid, threads] of before) {
      assert.ok(threads.length > 1, `process ${pid} has Node's threads`);
      assert.deepEqual(threads.filter((t) => t.policy !== SCHED_IDLE || t.nice !== NICE_7), [], `process ${pid}: every thread SCHED_IDLE at nice ${NICE_7}`);
      // Not the idle I/O class the kernel gives SCHED_IDLE by default.
      assert.match(execFileSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }), /^best-effort: prio 7/);
    }
    const aborted = new AbortController();
    const running = pool.predict(intent('推荐'), {}, aborted.signal);
    await new Promise((r) => setTimeout(r, 300));
    aborted.abort(new Error('gone'));
    await assert.rejects(running, /gone/);
    assert.equal(pool.stats.terminated, 1);
    // Two calls at once: the replacement must answer one of them.
    const answers = await Promise.all([intent('怎么用'), intent('推荐')].map((sample) => pool.predict(sample, {}, AbortSignal.timeout(30_000))));
    assert.deepEqual(answers.map((a) => a.label), ['用法用量', '单品推荐']);
    const after = workerThreads();
    assert.equal(after.size, 2);
    const replaced = [...after.keys()].filter((pid) => !before.has(pid));
    assert.equal(replaced.length, 1, 'one process was replaced');
    for (const [pid, threads] of after) assert.ok(threads.every((t) => t.policy === SCHED_IDLE), `process ${pid}: every thread SCHED_IDLE`);
  } finally {
    await pool.close();
  }
});

test('without idleScheduling the processes keep the normal policy at their nice value', { timeout: 60_000 }, async () => {
  const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, isolation: 'process', niceIncrement: 7 });
  try {
    const threads = [...workerThreads().values()];
    assert.equal(threads.length, 1);
    assert.ok(threads[0].every((t) => t.policy === SCHED_OTHER && t.nice === NICE_7), JSON.stringify(threads[0]));
  } finally {
    await pool.close();
  }
});

test('where chrt refuses SCHED_IDLE, a pool that asks for it starts at its nice value alone and answers', { timeout: 90_000 }, async () => {
  const got = await withFakeChrt('echo "chrt: failed to set pid 0\'s policy: Operation not permitted" >&2\nexit 1');
  assert.equal(got.label, '用法用量', JSON.stringify(got));
  assert.equal(got.threads?.length, 1);
  assert.ok(got.threads![0].every((t) => t.policy === SCHED_OTHER && t.nice === NICE_7), JSON.stringify(got.threads));
});

test('a launcher that passes the check but cannot start Node is reported with its exit code, not waited on', { timeout: 90_000 }, async () => {
  // Succeeds for the probe's `true`, fails for everything else, as chrt does when exec fails.
  const got = await withFakeChrt('for last; do :; done\n[ "$last" = true ] && exit 0\necho "chrt: failed to execute node" >&2\nexit 127');
  assert.equal(got.code, 'ECM_ERR_BACKEND', JSON.stringify(got));
  assert.match(got.message ?? '', /could not start: exit code 127/);
});

test('idleScheduling on a thread pool is refused: the policy is given to a process as it starts', async () => {
  await assert.rejects(RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, idleScheduling: true }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('threadRetryDelayMs on a process pool is refused by name: processes have no such wait', async () => {
  await assert.rejects(RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, isolation: 'process', threadRetryDelayMs: 50 }), {
    code: 'ECM_ERR_BAD_OPTION',
    message: /threadRetryDelayMs needs isolation "thread": worker processes have no such wait/,
  });
});

test('a launcher gone between the check and the start is reported by name, not an unhandled error', { timeout: 90_000 }, async () => {
  // The first of the chain (nice) passes its check, then removes itself: the pool's fork finds no program (an error and no exit).
  const got = await withFakeCommands({ nice: `rm -- "$0"\nexec ${REAL_NICE} "$@"` });
  assert.equal(got.code, 'ECM_ERR_BACKEND', JSON.stringify(got));
  assert.match(got.message ?? '', /could not start: spawn \S+\/nice ENOENT/);
});

test('nice can start a command at an increment here; a missing nice or an increment outside 1–19 is not used', () => {
  assert.deepEqual(niceLauncher(7), { execPath: REAL_NICE, args: ['-n', '7'] });
  assert.equal(probeNiceLauncher(7, '/no/such/nice'), undefined);
  assert.equal(probeNiceLauncher(0), undefined);
  assert.equal(probeNiceLauncher(20), undefined);
});

test('the nice value is given through nice as the process starts, before chrt when SCHED_IDLE is asked for', { timeout: 90_000 }, async () => {
  // setPriority after fork would reach only the process's first thread; through nice, Node starts with it.
  const logging = `printf '%s\\n' "$*" >> "$FAKE_LOG"\nexec ${REAL_NICE} "$@"`;
  for (const idle of [false, true]) {
    const got = await withFakeCommands({ nice: logging }, idle);
    assert.equal(got.label, '用法用量', JSON.stringify(got));
    const starts = got.log!.split('\n').filter((line) => line.includes('process-worker'));
    assert.equal(starts.length, 1, got.log);
    assert.match(starts[0], idle ? /^-n 7 \S+\/chrt --idle 0 \S+\/ionice -c 2 -n 7 \S+node / : /^-n 7 \S+node /);
    assert.equal(got.threads?.length, 1);
    const policy = idle ? SCHED_IDLE : SCHED_OTHER;
    assert.ok(got.threads![0].every((t) => t.policy === policy && t.nice === NICE_7), JSON.stringify(got.threads));
  }
});

test('where nice fails its check, the value is set after fork, over the parent\'s own as nice does, and the pool answers', { timeout: 90_000 }, async () => {
  // The pool's process itself runs at nice 2 above this one: its workers must be 7 above that.
  const got = await withFakeCommands({ nice: `printf '%s\\n' "$*" >> "$FAKE_LOG"\nexit 1` }, false, 2);
  assert.equal(got.label, '用法用量', JSON.stringify(got));
  assert.equal(got.log, '-n 7 true\n', 'checked once, then not used');
  assert.equal(got.threads?.length, 1);
  // The first thread at least: Node's own threads may have started before the value was set.
  const expected = Math.min(19, getPriority() + 2 + 7);
  assert.ok(got.threads![0].some((t) => t.policy === SCHED_OTHER && t.nice === expected), `nice ${expected} expected: ${JSON.stringify(got.threads)}`);
});
