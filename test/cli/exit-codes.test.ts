// Exit codes by what is at fault: a script tells its own typo (2) from bad data (1), a missing model (3)
// and our own failure (4) without reading the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { EcommirError } from '../../src/errors.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

test('each kind of error has its exit code', () => {
  assert.equal(exitCodeOf(new EcommirError('ECM_ERR_IMAGE_CORRUPT', 'x')), EXIT.input);
  assert.equal(exitCodeOf(new EcommirError('ECM_ERR_UNKNOWN_LABEL', 'x')), EXIT.input);
  assert.equal(exitCodeOf(new EcommirError('ECM_ERR_BAD_OPTION', 'x')), EXIT.usage);
  assert.equal(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x')), EXIT.usage);
  assert.equal(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', 'x')), EXIT.ok);
  assert.equal(exitCodeOf(new EcommirError('ECM_ERR_NO_MODEL', 'x')), EXIT.model);
  assert.equal(exitCodeOf(new EcommirError('ECM_ERR_BACKEND', 'x')), EXIT.internal);
  assert.equal(exitCodeOf(new TypeError('x is undefined')), EXIT.internal);
  // A file the machine will not let us use: named, and the input's exit code (it was 4, internal).
  assert.equal(exitCodeOf(Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', syscall: 'read', path: '/tmp' })), EXIT.input);
  assert.deepEqual(Object.values(EXIT), [0, 1, 2, 3, 4]);
});

test('an unknown option exits 2, and --help lists the exit codes', async () => {
  const typo = await runCli(['eval', '--gold', 'g.json', '--pred', 'p.csv', '--jsn']);
  assert.equal(typo.code, 2, typo.stderr);
  // Said as every other error is: one line naming the fault, ending with its code (commander's own words had none).
  assert.match(typo.stderr, /^ecommir: unknown option '--jsn' \(Did you mean --json\?\) \[ECM_ERR_BAD_OPTION\]$/m);
  const missing = await runCli(['predict']);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /^ecommir: required option '--out <file>' not specified \[ECM_ERR_BAD_OPTION\]$/m);
  const badTask = await runCli(['data', 'clean', 'any.json', '--task', 'foo']);
  assert.equal(badTask.code, 2, badTask.stderr);
  assert.match(badTask.stderr, /--task must be scene or intent, got "foo" \[ECM_ERR_BAD_OPTION\]/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes:\n {2}0 {2}done\n {2}1 {2}the input/);
});

test('worker takes the Redis URL as --redis or as --queue (the name predict gives it), and asks for one when none is given', async () => {
  const none = await runCli(['worker']);
  assert.equal(none.code, EXIT.usage, none.stderr);
  assert.match(none.stderr, /give the Redis of the queue: --redis URL \(or --queue URL/);
  // Nothing listens on port 1: reaching for it shows the URL was taken.
  const queue = await runCli(['worker', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(queue.code, EXIT.internal, queue.stderr);
  assert.match(queue.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  const both = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--redis', 'redis://:s3cret@127.0.0.1:2']);
  assert.equal(both.code, EXIT.usage, both.stderr);
  assert.match(both.stderr, /name two Redis servers; give one/);
  assert.doesNotMatch(both.stderr, /s3cret/, 'a password in a URL is not printed');
});

test('train on too few samples is the data\'s fault (1); too many folds for the data is the --cv flag\'s (2), named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-few-'));
  const write = (name: string, rows: [string, string][]) => {
    const file = join(dir, name);
    writeFileSync(file, rows.map(([text, label], i) => JSON.stringify({ id: `r${i}`, task: 'intent', dialogue: [{ role: 'user', text }], label })).join('\n') + '\n');
    return file;
  };
  const rows: [string, string][] = [['这个杯子会生锈吗', '是否会生锈'], ['用着好不好用', '是否好用'], ['一共发几件', '发货数量']];
  const two = await runCli(['train', 'intent', write('two.jsonl', rows.slice(0, 2)), '--out', join(dir, 'm2')]);
  assert.equal(two.code, EXIT.input, two.stderr);
  assert.match(two.stderr, /has 2 intent samples; training needs at least 3 \[ECM_ERR_TOO_FEW_SAMPLES\]/);
  const three = write('three.jsonl', rows);
  // The learner's own words ("out-of-fold predictions need at least 2 scored groups", "k = 5 is more than the 3 samples") came out here.
  const twoFolds = await runCli(['train', 'intent', three, '--out', join(dir, 'm3'), '--cv', '2']);
  assert.equal(twoFolds.code, EXIT.usage, twoFolds.stderr);
  assert.match(twoFolds.stderr, /--cv 2 on 3 intent samples trains a fold on 1; a fold needs at least 3/);
  const fiveFolds = await runCli(['train', 'intent', three, '--out', join(dir, 'm5'), '--cv', '5']);
  assert.equal(fiveFolds.code, EXIT.usage, fiveFolds.stderr);
  assert.match(fiveFolds.stderr, /--cv 5 makes more folds than the 3 intent samples/);
});
