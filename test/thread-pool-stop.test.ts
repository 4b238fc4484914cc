// A piscina pool stopped for good stays stopped. Piscina 5.3.2 starts its minimum of threads again
// when a thread it had dropped, and counted as ready, exits after destroy() has returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { THREAD_EXEC_ARGV } from '../src/thread-file.js';
import { closeForGood, stopForGood } from '../src/thread-pool-stop.js';

const BLOCKING_THREAD = new URL('./blocking-thread.mjs', import.meta.url).href;
/** The most a task blocks if the test never releases it (less than the test's timeout). */
const BLOCK_MS = 30_000;

for (const [how, stop] of [
  ['stopForGood', stopForGood],
  ['closeForGood', closeForGood],
] as const) {
  test(`${how}: a thread whose aborted task ends after the stop leaves no thread running`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecommir-stop-'));
    const releaseFile = join(dir, 'release');
    const pool = new Piscina({ filename: BLOCKING_THREAD, minThreads: 1, maxThreads: 1, execArgv: [...THREAD_EXEC_ARGV] });
    try {
      assert.equal(await pool.run({ blockMs: 0 }), 'done');
      // Aborted, the task's thread is dropped (and replaced), but it exits only when its blocking call
      // returns: after a plain destroy() had returned, and that exit started a thread again.
      const [blocked] = pool.threads;
      let blockedExited = false;
      blocked.once('exit', () => (blockedExited = true));
      const startedFile = join(dir, 'blocking');
      const controller = new AbortController();
      const running = pool.run({ blockMs: BLOCK_MS, startedFile, releaseFile }, { signal: controller.signal });
      const until = Date.now() + 20_000;
      while (!existsSync(startedFile)) {
        assert.ok(Date.now() < until, 'the task started to block within 20 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      controller.abort();
      await assert.rejects(running);
      await stop(pool);
      assert.equal(blockedExited, false, 'the dropped thread exits after the stop (the case under test)');
      writeFileSync(releaseFile, '');
      await new Promise((resolve) => blocked.once('exit', resolve));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(pool.threads.length, 0, 'no thread runs after the stop');
    } finally {
      writeFileSync(releaseFile, ''); // a failure above leaves the child waiting for it
      await pool.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
