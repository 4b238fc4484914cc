// Exit codes by what is at fault: a script tells its own typo (2) from bad data (1), a missing model (3)
// and our own failure (4) without reading the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { EcommirError } from '../../src/errors.js';
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
  assert.match(typo.stderr, /unknown option '--jsn'/);
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
  const both = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--redis', 'redis://127.0.0.1:2']);
  assert.equal(both.code, EXIT.usage, both.stderr);
  assert.match(both.stderr, /name two Redis servers; give one/);
});
