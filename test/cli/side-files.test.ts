// Files the package reads as configuration (rules, knowledge, taxonomies, keys) named by the user:
// a device or a pipe is refused by name before a byte is read. A rules file that was /dev/zero used
// 16.9 GB and ended the process with std::bad_alloc; a pipe with no writer hung the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTextSync } from '../../src/data/read-file.js';
import { tempDir, writeIntoFifo } from '../data/helpers.js';
import { runCli, startCli } from './run-cli.js';

const RUST = fileURLToPath(new URL('../../examples/dialogues/rust.json', import.meta.url));
const INTENT_KNOWLEDGE = fileURLToPath(new URL('../../knowledge/intent/', import.meta.url));

async function fifoIn(dir: string, name: string): Promise<string> {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

test('readConfigTextSync reads a regular file and names a device, a pipe, a folder and a missing file', async () => {
  const dir = await tempDir({ 'rules.json': '{"a": 1}' });
  assert.equal(readConfigTextSync(join(dir, 'rules.json')), '{"a": 1}');
  assert.throws(() => readConfigTextSync('/dev/zero'), /^Error: it is a device, not a file$/);
  const fifo = await fifoIn(dir, 'pipe.json');
  assert.throws(() => readConfigTextSync(fifo), /^Error: it is a pipe, not a file$/);
  assert.throws(() => readConfigTextSync(dir), { code: 'EISDIR' });
  assert.throws(() => readConfigTextSync(join(dir, 'missing.json')), { code: 'ENOENT' });
});

test('data clean --rules refuses /dev/zero and a pipe by name, at once', { timeout: 60_000 }, async () => {
  const dir = await tempDir({});
  const fifo = await fifoIn(dir, 'rules.json');
  for (const [rules, kind] of [['/dev/zero', 'a device'], [fifo, 'a pipe']]) {
    const result = await runCli(['data', 'clean', RUST, '--rules', rules]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot read denoise rules file ${rules}: it is ${kind}, not a file \\[ECM_ERR_BAD_OPTION\\]`));
  }
});

test('knowledge intent names a knowledge folder that is not there, and a knowledge file that is a device', { timeout: 60_000 }, async () => {
  const dir = await tempDir({});
  const out = join(dir, 'dialogues.jsonl');
  const missing = await runCli(['knowledge', 'intent', '--knowledge', join(dir, 'nonexist'), '--out', out]);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /the knowledge folder \S+nonexist does not exist \[ECM_ERR_FILE_NOT_FOUND\]/);
  const knowledge = join(dir, 'knowledge');
  await cp(INTENT_KNOWLEDGE, knowledge, { recursive: true });
  await rm(join(knowledge, 'catalogue.json'));
  await symlink('/dev/zero', join(knowledge, 'catalogue.json'));
  const device = await runCli(['knowledge', 'intent', '--knowledge', knowledge, '--out', out]);
  assert.equal(device.code, 1, device.stderr);
  assert.match(device.stderr, /cannot read knowledge file \S+catalogue\.json: it is a device, not a file \[ECM_ERR_FILE_UNREADABLE\]/);
});

test('a data file that is a device is refused before a byte is read; one that is a pipe is read', { timeout: 60_000 }, async () => {
  const device = await runCli(['data', 'clean', '/dev/zero']);
  assert.equal(device.code, 1, device.stderr);
  assert.match(device.stderr, /cannot read the data file \/dev\/zero: it is a device; give a file or a pipe \[ECM_ERR_FILE_UNREADABLE\]/);
  const dir = await tempDir({});
  const fifo = await fifoIn(dir, 'data.json');
  const written = writeIntoFifo(fifo, `cat '${RUST}'`);
  const piped = await runCli(['data', 'clean', fifo, '--json']);
  await written;
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /生锈/);
});

test('a data file that is a named pipe with no writer yet is told as such on stderr, then read once a program writes to it', { timeout: 60_000 }, async () => {
  const dir = await tempDir({});
  const fifo = await fifoIn(dir, 'later.json');
  const cli = startCli(['data', 'clean', fifo, '--json']);
  const told = `ecommir: ${fifo} is a named pipe that no program writes to yet; waiting for one (Ctrl-C to stop)`;
  try {
    for (let waited = 0; !cli.output().includes(told); waited += 50) {
      assert.ok(waited < 20_000, `not told within 20 s; output so far: ${cli.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (err) {
    cli.child.kill(); // it would wait for a writer for ever
    throw err;
  }
  await writeIntoFifo(fifo, `cat '${RUST}'`);
  assert.equal(await cli.exited, 0, cli.output());
  assert.match(cli.output(), /生锈/);
});
