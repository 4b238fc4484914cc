// Numeric options are read one way by every command (an empty value is no number, a flag left out
// takes its fallback), and a worker count that would swap the machine is refused before any worker starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, numberOption, WORKER_MEMORY_BYTES, workerCountOption, type MachineFacts, type NumberBounds } from '../../src/cli/number-option.js';
import { runCli } from './run-cli.js';

test('intOption reads integers at or above the minimum and names the flag and value otherwise', () => {
  assert.equal(intOption('4', '--n'), 4);
  assert.equal(intOption(' 7 ', '--n'), 7);
  assert.equal(intOption('0', '--seed', { min: 0 }), 0);
  for (const bad of ['', ' ', '0', '-1', '2.5', 'x', '1e400', '9007199254740993']) {
    assert.throws(() => intOption(bad, '--n'), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && err.message === `--n must be an integer ≥ 1, got ${JSON.stringify(bad)}`, bad);
  }
});

test('intOption with a maximum names both bounds; counts of the commands have one, checked before any work', async () => {
  assert.equal(intOption('64', '--threads', { max: 64 }), 64);
  assert.throws(() => intOption('65', '--threads', { max: 64 }), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && err.message === '--threads must be an integer from 1 to 64, got "65"');
  // Each of these filled gigabytes of memory or hung with no word before.
  const data = new URL('../../examples/dialogues/rust.json', import.meta.url).pathname;
  const runs = await Promise.all([
    runCli(['features', 'extract', data, '--threads', '100000']),
    runCli(['features', 'extract', data, '--augment', '100000']),
    runCli(['knowledge', 'intent', '--per-label', '100000000']),
    runCli(['knowledge', 'scenes', '--per-label', '1000000000', '--out', '/tmp/ecommir-never-written']),
    runCli(['export', 'sft', data, '--format', 'swift', '--augment-copies', '1000000', '--out', '/tmp/ecommir-never-written']),
  ]);
  const expected = [/--threads must be an integer from 1 to 64/, /--augment must be an integer from 0 to 100/, /--per-label must be an integer from 1 to 10000/, /--per-label must be an integer from 1 to 1000,/, /--augment-copies must be an integer from 0 to 100/];
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, expected[i]);
  }
});

test('features extract --no-embedding --augment, and knowledge scenes --labels "", are refused (augment was ignored, no label wrote nothing with exit 0)', async () => {
  const data = new URL('../../examples/dialogues/rust.json', import.meta.url).pathname;
  const [augment, labels] = await Promise.all([
    runCli(['features', 'extract', data, '--no-embedding', '--augment', '5']),
    runCli(['knowledge', 'scenes', '--labels', ' , ', '--out', '/tmp/ecommir-never-written']),
  ]);
  assert.equal(augment.code, 2, augment.stderr);
  assert.match(augment.stderr, /--augment embeds augmented copies of each image, which --no-embedding turns off: leave one of them out \[ECM_ERR_BAD_OPTION\]/);
  assert.equal(labels.code, 2, labels.stderr);
  assert.match(labels.stderr, /--labels names no label, got " , "/);
});

test('a flag left out takes its fallback; one given is read and checked all the same', () => {
  assert.equal(intOption(undefined, '--cv', { min: 2, fallback: 0 }), 0);
  assert.equal(intOption(undefined, '--timeout-ms', { fallback: undefined }), undefined);
  assert.equal(intOption('3', '--cv', { min: 2, fallback: 0 }), 3);
  assert.throws(() => intOption('0', '--cv', { min: 2, fallback: 0 }), /--cv must be an integer ≥ 2, got "0"/);
  assert.equal(numberOption(undefined, '--threshold', { min: 0, max: 1, fallback: undefined }), undefined);
  assert.throws(() => numberOption('', '--threshold', { min: 0, max: 1, fallback: undefined }), /--threshold must be a number from 0 to 1, got ""/);
});

test('numberOption reads finite numbers within their bounds and names the bounds otherwise', () => {
  assert.equal(numberOption('0.5', '--f', { min: 0, below: 1 }), 0.5);
  assert.equal(numberOption('1', '--p', { above: 0, max: 1 }), 1);
  assert.equal(numberOption('0', '--w', { min: 0 }), 0);
  const refused = (value: string, bounds: NumberBounds, message: string) =>
    assert.throws(() => numberOption(value, '--x', bounds), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && err.message === `--x must be a number ${message}, got ${JSON.stringify(value)}`, value);
  // Number('') and Number(' ') are 0: an empty value used to pass as 0 where 0 was allowed.
  for (const bad of ['', ' ', 'x', 'NaN', 'Infinity', '1e400']) refused(bad, { min: 0 }, '≥ 0');
  refused('1', { min: 0, below: 1 }, '≥ 0 and < 1');
  refused('0', { above: 0, max: 1 }, '> 0 and ≤ 1');
  refused('1.01', { above: 0, max: 1 }, '> 0 and ≤ 1');
  refused('-0.1', { min: 0, max: 4 }, 'from 0 to 4');
});

test('train --knowledge-images with an empty value is refused (it was read as 0 and trained without the screenshots)', async () => {
  const result = await runCli(['train', 'scene', 'no-such-data.json', '--out', 'never', '--knowledge-images', '']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--knowledge-images must be an integer ≥ 0, got ""/);
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
