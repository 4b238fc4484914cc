// piscina loads a thread's task file with require() first. With require(esm) on (Node 20.19+), that
// loaded our ES modules synchronously, the path of the V8 fatal errors seen in CI; THREAD_EXEC_ARGV
// turns it off in our threads, so require() refuses at once and piscina import()s the file instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { THREAD_EXEC_ARGV } from '../../src/thread-file.js';

function requireInThread(file: string, execArgv: readonly string[]): Promise<string> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    try { require(workerData); parentPort.postMessage('loaded'); } catch (err) { parentPort.postMessage(err.code); }`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, execArgv: [...execArgv], workerData: file });
    worker.once('message', (answer: string) => void worker.terminate().then(() => resolve(answer)));
    worker.once('error', reject);
  });
}

test('our threads cannot require() an ES module: piscina falls back to import() at once', { skip: (process.features as { require_module?: boolean }).require_module ? false : 'this Node has no require(esm)' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-thread-flags-'));
  try {
    const file = join(dir, 'module.mjs');
    await writeFile(file, 'export default 1;\n');
    assert.equal(await requireInThread(file, THREAD_EXEC_ARGV), 'ERR_REQUIRE_ESM');
    // Without the flags, the synchronous path loads it.
    assert.equal(await requireInThread(file, []), 'loaded');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
