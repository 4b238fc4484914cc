// `classify image FOLDER` classifies the images in the folder, in name order, and passes over other
// files; a folder with no image in it is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';

const examples = join(import.meta.dirname, '../../examples/screenshots');

test('a folder stands for the images in it, in name order; one without images is refused', { timeout: 120_000 }, async () => {
  const dir = await tempDir({});
  const folder = join(dir, 'uploads');
  await mkdir(folder);
  await copyFile(join(examples, 'refund.png'), join(folder, 'b-refund.png'));
  await copyFile(join(examples, 'order.png'), join(folder, 'a-order.PNG'));
  await writeFile(join(folder, 'notes.txt'), 'not an image');
  const result = await runCli(['classify', 'image', folder, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const predictions = JSON.parse(result.stdout) as { id: string }[];
  assert.deepEqual(predictions.map((p) => p.id), ['a-order.PNG', 'b-refund.png']);

  const empty = join(dir, 'empty');
  await mkdir(empty);
  const refused = await runCli(['classify', 'image', empty]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /empty is a folder with no image in it \(\.png, \.jpg/);
});
