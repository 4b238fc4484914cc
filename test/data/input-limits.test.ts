// One set of input limits in the library: the CLI (classify, predict) and the HTTP API refuse the
// same too-large sample with the same code and message, naming the item.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/main.js';
import { checkSample, checkSampleImages, checkSampleText, DEFAULT_INPUT_LIMITS, resolveInputLimits } from '../../src/data/input-limits.js';
import type { Sample } from '../../src/types.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { startServer } from '../server/helpers.js';

const sample = (turns: Sample['turns'], id = 'd1'): Sample => ({ id, index: 0, task: 'intent', candidates: [], turns, images: turns.flatMap((t) => t.images) });

/** Runs the CLI, returning its exit code and what it wrote to stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('the library refuses text, turns and images over the limits, naming the item', async () => {
  const ok = sample([{ role: 'user', text: '好'.repeat(DEFAULT_INPUT_LIMITS.maxTurnChars), images: [] }]);
  assert.doesNotThrow(() => checkSampleText(ok));
  const cases: Array<[string, Sample, RegExp]> = [
    ['a long turn', sample([{ role: 'agent', text: '好', images: [] }, { role: 'user', text: '好'.repeat(20_001), images: [] }]), /turn 2 has 20,001 characters, over the limit of 20,000 per turn/],
    ['too many turns', sample(Array.from({ length: 201 }, () => ({ role: 'user' as const, text: '好', images: [] }))), /201 turns, over the limit of 200/],
    ['too much text', sample(Array.from({ length: 6 }, () => ({ role: 'user' as const, text: '好'.repeat(19_000), images: [] }))), /114,000 characters, over the limit of 100,000 per sample/],
    ['too many images', sample(Array.from({ length: 17 }, (_, i) => ({ role: 'user' as const, text: '看', images: [{ name: `i${i}`, bytes: new Uint8Array(1) }] }))), /17 images, over the limit of 16 per sample/],
  ];
  for (const [what, s, message] of cases) {
    assert.throws(() => checkSampleText(s), (err: Error & { code?: string; statusCode?: number }) => {
      assert.equal(err.code, 'ECM_ERR_INPUT_TOO_LARGE', what);
      assert.equal(err.statusCode, 413);
      assert.match(err.message, message, what);
      assert.match(err.message, /id d1/, what);
      return true;
    });
  }
  // Pixels in all: four 3000×3000 images are 36 MP; a limit of 30 MP refuses the sample at its headers.
  const png = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: { r: 1, g: 1, b: 1 } } }).png().toBuffer();
  const four = sample([{ role: 'user', text: '看', images: Array.from({ length: 4 }, (_, i) => ({ name: `p${i}`, bytes: new Uint8Array(png) })) }]);
  await assert.rejects(checkSample(four, resolveInputLimits({ maxTotalPixels: 30_000_000 })), /add up to more than 30,000,000 pixels \(at image p3\)/);
  assert.throws(() => resolveInputLimits({ maxTurns: 0 }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('checkSample takes a signal alone, as before, or { signal, file }; the file is named in the error', async () => {
  const image = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: { r: 1, g: 1, b: 1 } } }).png().toBuffer();
  const big = sample([{ role: 'user', text: '看', images: [{ name: 'p0', bytes: new Uint8Array(image) }] }]);
  const limits = resolveInputLimits({ maxImagePixels: 1_000_000 });
  await assert.rejects(checkSample(big, limits, { file: 'day.json' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_IMAGE_TOO_LARGE');
    assert.match(err.message, /day\.json/);
    return true;
  });
  const long = sample([{ role: 'user', text: '好'.repeat(20_001), images: [] }]);
  await assert.rejects(checkSample(long, DEFAULT_INPUT_LIMITS, { file: 'day.json' }), /day\.json/);
  const stopped = AbortSignal.abort();
  await assert.rejects(checkSample(big, limits, stopped), { name: 'AbortError' });
  await assert.rejects(checkSample(big, limits, { signal: stopped }), { name: 'AbortError' });
  await assert.rejects(checkSampleImages(big, limits, { signal: stopped, file: 'day.json' }), { name: 'AbortError' });
  // Without a file, none is named.
  await assert.rejects(checkSample(big, limits), (err: Error) => !/day\.json/.test(err.message) && /p0|id d1/.test(err.message));
});

test('classify, predict and the API give the same error for the same too-long dialogue', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-limits-'));
  const record = { id: 'long-1', dialogue: [{ role: 'user', text: '好'.repeat(20_001) }] };
  const file = join(dir, 'long.json');
  await writeFile(file, JSON.stringify(record));
  const expected = /turn 1 has 20,001 characters, over the limit of 20,000 per turn \[ECM_ERR_INPUT_TOO_LARGE\]/;

  const classify = await cli(['classify', 'dialogue', file]);
  assert.equal(classify.code, 1);
  assert.match(classify.stderr, expected);

  const data = join(dir, 'data.jsonl');
  await writeFile(data, `${JSON.stringify({ ...record, task: 'intent' })}\n${JSON.stringify({ id: 'short-1', task: 'intent', dialogue: [{ role: 'user', text: '会生锈吗' }] })}\n`);
  const out = join(dir, 'out.jsonl');
  const predict = await cli(['predict', '--data', data, '--out', out, '--no-progress']);
  assert.equal(predict.code, 1);
  assert.match(predict.stderr, expected);
  const skipped = await cli(['predict', '--data', data, '--out', out, '--no-progress', '--skip-bad']);
  assert.equal(skipped.code, 1, 'a skipped sample is still reported in the exit code');
  assert.match(skipped.stderr, /skipped .*turn 1 has 20,001 characters/);
  assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 1, 'the other sample is predicted');

  // predict reads the file itself, so its error also names the file and the record (classify's input is one sample).
  assert.match(predict.stderr, new RegExp(`${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, record #0, id long-1: turn 1 has 20,001 characters`));

  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } });
  try {
    const { status, json } = await server.post('/v1/intent', record);
    assert.equal(status, 413);
    assert.equal(json.error.code, 'ECM_ERR_INPUT_TOO_LARGE');
    assert.match(`${json.error.message} [${json.error.code}]`, expected);
    // 200 images in one dialogue, one per turn (the old limit was per turn): refused before any is decoded.
    const tiny = (await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer()).toString('base64');
    const started = performance.now();
    const many = await server.post('/v1/intent', { dialogue: Array.from({ length: 200 }, () => ({ role: 'user', text: '看', images: [tiny] })) });
    assert.equal(many.status, 413);
    assert.match(many.json.error.message, /200 images, over the limit of 16 per sample/);
    assert.ok(performance.now() - started < 1000, 'refused well under a second');
  } finally {
    await server.close();
  }
});
