// A file-system error at the top of a command is named with its file and meaning, not as an internal
// error with a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSystemError } from '../../src/cli/system-error.js';
import { tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';

test('system errors with a known code are described with their file; anything else is not', async () => {
  const dir = await tempDir({});
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  const missing = await readFile(join(dir, 'gone.json')).catch((e: unknown) => e);
  assert.equal(describeSystemError(missing), `cannot open ${join(dir, 'gone.json')}: no such file or folder (ENOENT)`);
  const inTheWay = await mkdir(file).catch((e: unknown) => e);
  assert.equal(describeSystemError(inTheWay), `cannot mkdir ${file}: a file of that name is in the way (EEXIST)`);
  assert.equal(describeSystemError(new Error('boom')), undefined);
  assert.equal(describeSystemError('text'), undefined);
});

test('a cache folder blocked by a file: classify still answers, with one warning and no stack', async () => {
  const dir = await tempDir({});
  const blocked = join(dir, 'cache');
  await writeFile(blocked, 'a file');
  const result = await runCli(['classify', 'image', join(import.meta.dirname, '../../examples/screenshots/logistics.png'), '--json'], { ECOMMIR_CACHE_DIR: blocked });
  assert.equal(result.code, 0, result.stderr);
  assert.match(JSON.parse(result.stdout).label, /物流/);
  assert.match(result.stderr, /warning: the feature cache in .*cache cannot be written/);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
});
