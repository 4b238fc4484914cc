// Ctrl-C of a local `predict` says how many predictions are kept and that a re-run resumes (it ended
// without a word), and still dies of the signal (a shell says 130); the re-run takes up the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_IMAGES, devRecords, tempDir } from '../data/helpers.js';
import { runCli, startCli } from './run-cli.js';

const { scenes } = await devRecords();

test('Ctrl-C of a local predict says what is kept and how to go on; the same command resumes', { timeout: 300_000 }, async () => {
  const dir = await tempDir({});
  const data = join(dir, 'scenes.json');
  await writeFile(data, JSON.stringify(scenes.slice(0, 12)));
  const out = join(dir, 'out.jsonl');
  const partial = `${out}.partial.jsonl`;
  // An empty feature cache: each screenshot is read with OCR, so the run is still going when stopped.
  const env = { ECOMMIR_CACHE_DIR: join(dir, 'cache') };
  const args = ['predict', '--data', data, '--images', DEV_IMAGES, '--out', out, '--concurrency', '1', '--no-progress'];
  const run = startCli(args, env);
  const deadline = Date.now() + 240_000;
  while (!(await readFile(partial, 'utf8').catch(() => '')).includes('\n')) {
    if (run.child.exitCode !== null) assert.fail(`the run ended before it was stopped: ${run.output()}`);
    if (Date.now() > deadline) assert.fail(`no prediction logged in time: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  run.child.kill('SIGINT');
  await run.exited;
  assert.equal(run.child.signalCode, 'SIGINT', `ended by the signal (a shell says 130): ${run.output()}`);
  const said = /SIGINT: stopped; (\d+) of 12 predictions are kept in (.*); run the same command again to resume/.exec(run.output());
  assert.ok(said, run.output());
  assert.equal(said[2], partial);
  const kept = Number(said[1]);
  assert.ok(kept >= 1 && kept < 12, `kept ${kept}`);

  const rerun = await runCli(args, env);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /resuming: \d+ of 12 predictions read from/);
  assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 12);
});
