// How the `ecommir` program ends: main's exit code, a rejection, and a command that never finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runModuleScript } from '../module-script.js';

const RUN_MAIN = JSON.stringify(new URL('../../src/cli/run-main.ts', import.meta.url).href);

/** Runs `runMain` with the given main (JavaScript source of an async function) in a process of its own. */
async function runWith(mainSource: string): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await runModuleScript(`import { runMain } from ${RUN_MAIN}; runMain(${mainSource}, []);`, { timeoutMs: 30_000 });
  return { code, stderr };
}

test('the program ends with the code main returns, and with 4 naming the error when main rejects', { timeout: 60_000 }, async () => {
  assert.deepEqual(await runWith('async () => 3'), { code: 3, stderr: '' });
  assert.deepEqual(await runWith('async () => 0'), { code: 0, stderr: '' });
  assert.deepEqual(await runWith("async () => { throw new Error('boom'); }"), { code: 4, stderr: 'ecommir: boom\n' });
});

test('a command that never finishes once nothing is left to wait for ends with 4 and says so (it ended as a silent success, code 0)', { timeout: 60_000 }, async () => {
  const { code, stderr } = await runWith('() => new Promise(() => {})');
  assert.equal(code, 4);
  assert.match(stderr, /^ecommir: internal error \(please report it\): the command stopped before it finished, with nothing left to wait for\n$/);
  // Still waiting on something real (a timer here) is not that: it finishes, and ends with its code.
  assert.deepEqual(await runWith('() => new Promise((resolve) => setTimeout(() => resolve(0), 200))'), { code: 0, stderr: '' });
});
