// Exports check every image as predict does, decode included: `export clip` wrote a JPEG cut to half
// into its TSV and exited 0, and `export sft --skip-bad` stopped at the same image instead of
// leaving its record out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cutJpeg, miniRecords, tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';

async function dataWithCutJpeg(): Promise<{ dir: string; data: string }> {
  const cut = await cutJpeg();
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  await writeFile(join(dir, 'cut.jpg'), cut);
  const records = await miniRecords();
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([{ ...records[0], id: 'cut-scene', image: ['cut.jpg'] }, ...records]));
  return { dir, data };
}

test('export clip refuses a truncated JPEG by its record, and writes nothing', { timeout: 120_000 }, async () => {
  const { dir, data } = await dataWithCutJpeg();
  const out = join(dir, 'clip');
  const result = await runCli(['export', 'clip', data, '--images', dir, '--out', out, '--no-progress']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /id cut-scene: image cut\.jpg is corrupt or not a supported image.*\[ECM_ERR_IMAGE_CORRUPT\]/);
  assert.deepEqual(await readdir(out).catch(() => []), []);
});

test('export sft --skip-bad leaves out the record of a truncated JPEG and writes the rest', { timeout: 120_000 }, async () => {
  const { dir, data } = await dataWithCutJpeg();
  const out = join(dir, 'sft');
  const result = await runCli(['export', 'sft', data, '--images', dir, '--out', out, '--format', 'swift', '--skip-bad', '--no-progress', '--val-fraction', '0']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /skipped .*cut-scene.*cut\.jpg is corrupt/);
  const files = await readdir(out);
  const training = files.find((f) => f.endsWith('.jsonl') || f.endsWith('.json'));
  assert.ok(training, `a training file among ${files.join(', ')}`);
  assert.match(result.stderr, /wrote 2 training records/);
});
