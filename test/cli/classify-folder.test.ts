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

test('an image whose header reads but whose data is cut is refused by its decode: the answers before it are kept, and a dialogue holding it is refused as the service refuses it', { timeout: 120_000 }, async () => {
  const { readFile } = await import('node:fs/promises');
  const dir = await tempDir({});
  const folder = join(dir, 'uploads');
  await mkdir(folder);
  await copyFile(join(examples, 'order.png'), join(folder, 'a-order.png'));
  const order = await readFile(join(examples, 'order.png'));
  await writeFile(join(folder, 'z-cut.png'), order.subarray(0, Math.floor(order.length * 0.6)));
  // The cut file is the last one: its fault was found after a-order.png had been classified, which was thrown away.
  const result = await runCli(['classify', 'image', folder, '--json']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /z-cut\.png is corrupt or not a supported image/);
  assert.deepEqual((JSON.parse(result.stdout) as { id: string }[]).map((p) => p.id), ['a-order.png']);
  // The shipped intent model reads no pixels, so the cut photo in a dialogue was answered.
  const dialogue = join(dir, 'dialogue.json');
  await writeFile(dialogue, JSON.stringify({ id: 'd1', dialogue: [{ role: 'user', text: '看看这个', images: [join(folder, 'z-cut.png')] }] }));
  const refused = await runCli(['classify', 'dialogue', dialogue]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /id d1: image .*z-cut\.png is corrupt or not a supported image.*\[ECM_ERR_IMAGE_CORRUPT\]/);
  assert.equal(refused.stdout, '');
});
