// Whole-number options are read one way by every command, and a worker count that would swap the
// machine is refused before any worker starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, WORKER_MEMORY_BYTES, workerCountOption, type MachineFacts } from '../../src/cli/int-option.js';
import { runCli } from './run-cli.js';

test('intOption reads integers at or above the minimum and names the flag and value otherwise', () => {
  assert.equal(intOption('4', '--n'), 4);
  assert.equal(intOption(' 7 ', '--n'), 7);
  assert.equal(intOption('0', '--seed', 0), 0);
  for (const bad of ['', ' ', '0', '-1', '2.5', 'x', '1e400', '9007199254740993']) {
    assert.throws(() => intOption(bad, '--n'), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && err.message === `--n must be an integer ≥ 1, got ${JSON.stringify(bad)}`, bad);
  }
});

test('workerCountOption refuses more workers than memory holds, warns above the cores, and keeps the default', () => {
  const warnings: string[] = [];
  const machine: MachineFacts = { cores: 2, memoryBytes: 24 * 1024 ** 3, warn: (m) => warnings.push(m) };
  assert.equal(workerCountOption(undefined, '--concurrency', 2, machine), 2);
  assert.equal(workerCountOption('2', '--concurrency', 2, machine), 2);
  assert.deepEqual(warnings, []);
  assert.equal(workerCountOption('4', '--concurrency', 2, machine), 4);
  assert.match(warnings.join(), /--concurrency 4 is more than the 2 cores of this machine/);
  const fit = Math.floor(machine.memoryBytes / WORKER_MEMORY_BYTES);
  assert.equal(workerCountOption(String(fit), '--concurrency', 2, machine), fit);
  assert.throws(
    () => workerCountOption('64', '--concurrency', 2, machine),
    (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && /--concurrency 64 would start 64 worker processes of about 700 MB each \(43\.8 GB\), more than the 24\.0 GB of this machine; at most 35 fit/.test(err.message),
  );
  // A machine too small for even one worker still gets one: the count is refused only above 1.
  assert.equal(workerCountOption('1', '--concurrency', 1, { ...machine, memoryBytes: 256 * 1024 ** 2 }), 1);
});

test('predict --concurrency 100000 exits 2 before reading the data', async () => {
  const result = await runCli(['predict', 'no-such-data.json', '--out', 'never.csv', '--concurrency', '100000', '--no-progress']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--concurrency 100000 would start 100000 worker processes.*\[ECM_ERR_BAD_OPTION\]/);
});

test('features extract --det-side below the OCR floor is refused by its flag before any image (each image failed on it)', async () => {
  const result = await runCli(['features', 'extract', 'no-such-data.json', '--det-side', '1']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--det-side must be an integer ≥ 32, got "1"/);
});
