// A piscina pool stopped for good stays stopped. Piscina 5.3.2 starts its minimum of threads again
// when a thread it had dropped, and counted as ready, exits after destroy() has returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from 'piscina';
import { THREAD_EXEC_ARGV } from '../src/thread-file.js';
import { closeForGood, stopForGood } from '../src/thread-pool-stop.js';

const BLOCKING_THREAD = new URL('./blocking-thread.mjs', import.meta.url).href;

for (const [how, stop] of [
  ['stopForGood', stopForGood],
  ['closeForGood', closeForGood],
] as const) {
  test(`${how}: a thread whose aborted task ends after the stop leaves no thread running`, { timeout: 60_000 }, async () => {
    const pool = new Piscina({ filename: BLOCKING_THREAD, minThreads: 1, maxThreads: 1, execArgv: [...THREAD_EXEC_ARGV] });
    try {
      assert.equal(await pool.run({ blockMs: 0 }), 'done');
      // Aborted, the task's thread is dropped (and replaced), but it exits only when its blocking call
      // returns, 700 ms on: after a plain destroy() had returned, and that exit started a thread again.
      const controller = new AbortController();
      const running = pool.run({ blockMs: 700 }, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await assert.rejects(running);
      await stop(pool);
      await new Promise((r) => setTimeout(r, 1_200));
      assert.equal(pool.threads.length, 0, 'no thread runs after the stop');
    } finally {
      await pool.destroy();
    }
  });
}
