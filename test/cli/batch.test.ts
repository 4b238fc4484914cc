// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
// Batch work on every core with the shipped models and real dev samples: `predict --concurrency 2`
// writes the same bytes as a one-at-a-time run, a stopped run resumes from its log, and the feature
// passes (`features extract`, the scene training's first read of its images) write on two worker
// processes exactly the cache entries one process writes, which the training then reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_IMAGES, devRecords, tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';
import { loadSamples } from '../../src/data/load.js';
import { keySamples } from '../../src/runtime/batch-predict.js';
import { modelVersion } from '../../src/runtime/identity.js';

const { scenes, intents } = await devRecords();
const withImages = intents.filter((r) => r.image.length > 0);
const textOnly = intents.filter((r) => r.image.length === 0);
// Five screenshots, three dialogues with images, the text-only dialogue, and a copy of the first
// screenshot under another id (one prediction, two rows).
const records = [...scenes.slice(0, 5), ...withImages.slice(0, 3), ...textOnly.slice(0, 1), { ...scenes[0], id: `${scenes[0].id}-copy` }];

/** sha256 of every file under a folder, by relative path. */
async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out[full.slice(dir.length)] = createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

test('predict says a first run reads images with OCR only of the images the models read: not of dialogues whose model reads the text alone', { timeout: 200_000 }, async () => {
  const dir = await tempDir({});
  const dialogues = join(dir, 'dialogues.json');
  await writeFile(dialogues, JSON.stringify(withImages.slice(0, 3)));
  const said = await runCli(['predict', dialogues, '--images', DEV_IMAGES, '--out', join(dir, 'dialogues.csv'), '--concurrency', '2']);
  assert.equal(said.code, 0, said.stderr);
  assert.doesNotMatch(said.stderr, /OCR/, 'the shipped intent model reads no pixels');
  const mixed = join(dir, 'mixed.json');
  await writeFile(mixed, JSON.stringify([...scenes.slice(0, 2), ...withImages.slice(0, 3)]));
  const both = await runCli(['predict', mixed, '--images', DEV_IMAGES, '--out', join(dir, 'mixed.csv'), '--concurrency', '2']);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stderr, /5 samples to answer, 2 of them with images the models read: a first run reads each image with OCR/);
});

test('predict on two workers writes the same bytes as one sample at a time; a stopped run resumes from its log', { timeout: 400_000 }, async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify(records));
  const common = ['predict', '--data', data, '--images', DEV_IMAGES, '--no-progress'];
  const one = await runCli([...common, '--out', join(dir, 'one.jsonl'), '--concurrency', '1']);
  assert.equal(one.code, 0, one.stderr);
  const two = await runCli([...common, '--out', join(dir, 'two.jsonl'), '--concurrency', '2']);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stderr, new RegExp(`wrote ${records.length} predictions`));
  const [a, b] = [await readFile(join(dir, 'one.jsonl')), await readFile(join(dir, 'two.jsonl'))];
  assert.ok(a.length > 1000);
  assert.ok(a.equals(b), 'the outputs differ');
  const predictions = a.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(predictions.map((p) => p.id), records.map((r) => r.id), 'sample order, each once');
  assert.equal(predictions[0].label, predictions.at(-1)!.label, 'the copy has its original’s prediction');
  assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.partial.jsonl')), 'the logs are removed once the output is written');

  // The log of a run stopped after two samples (the first one's label tampered with, so that a
  // reuse shows), killed while it wrote the third line.
  const out = join(dir, 'resumed.jsonl');
  const samples = (await loadSamples(data, { imagesDir: DEV_IMAGES })).samples;
  const keyed = await keySamples(samples, await modelVersion({ backend: 'embedded' }));
  const logged = [JSON.stringify({ key: keyed[0].key, ...predictions[0], label: 'TAMPERED' }), JSON.stringify({ key: keyed[1].key, ...predictions[1] })];
  await writeFile(`${out}.partial.jsonl`, `${logged.join('\n')}\n{"key":"${keyed[2].key}","id":"x","la`);
  const resumed = await runCli([...common, '--out', out, '--concurrency', '2']);
  assert.equal(resumed.code, 0, resumed.stderr);
  // The copy of the first sample has its key: three of the samples come from the log.
  assert.match(resumed.stderr, new RegExp(`resuming: 3 of ${records.length} predictions read from`));
  const got = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(got[0].label, 'TAMPERED', 'the logged prediction is used, not made again');
  assert.equal(got.at(-1)!.label, 'TAMPERED', 'and so is it for the copy');
  assert.deepEqual(got.slice(1, -1), predictions.slice(1, -1), 'the rest as a fresh run');
});

test('feature passes on two worker processes write the cache entries one process writes, and training reads them', { timeout: 400_000 }, async () => {
  const dir = await tempDir({});
  const three = scenes.slice(10, 13);
  const data = join(dir, 'three.json');
  await writeFile(data, JSON.stringify(three));
  const [one, two] = [join(dir, 'cache-one'), join(dir, 'cache-two')];
  const extract = ['features', 'extract', '--data', data, '--images', DEV_IMAGES, '--no-progress', '--json'];
  const a = await runCli([...extract, '--concurrency', '1'], { ECOMMIR_CACHE_DIR: one });
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli([...extract, '--concurrency', '2'], { ECOMMIR_CACHE_DIR: two });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /2 worker processes, 1 ONNX threads each/);
  assert.equal(JSON.parse(b.stdout).cache.misses, 12, 'OCR, layout, UI cues and embedding of three images');
  const [da, db] = [await digests(one), await digests(two)];
  // 12 feature entries, and the two OCR models as the engine rewrote them (src/vision/ocr-graph-fusion.ts), alike in both
  const features = (d: Record<string, string>) => Object.keys(d).filter((f) => !f.startsWith('/ocr-graph/'));
  assert.equal(features(da).length, 12);
  assert.equal(Object.keys(da).length - features(da).length, 2);
  assert.deepEqual(db, da);

  // Training on two workers: its feature pass reads the eight screenshots first, then the training
  // finds them all in the cache; one-process training on that cache gives the same model.
  const eight = scenes.slice(20, 28);
  const trainData = join(dir, 'eight.json');
  await writeFile(trainData, JSON.stringify(eight));
  const cache = join(dir, 'cache-train');
  const trained = await runCli(['train', 'scene', '--data', trainData, '--images', DEV_IMAGES, '--out', join(dir, 'm2'), '--concurrency', '2', '--no-knowledge'], { ECOMMIR_CACHE_DIR: cache });
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /features 8\/8 \(100\.0%\)/);
  const entries = await digests(cache);
  assert.equal(Object.keys(entries).filter((f) => f.startsWith('/ocr/')).length, 8);
  const again = await runCli(['train', 'scene', '--data', trainData, '--images', DEV_IMAGES, '--out', join(dir, 'm1'), '--concurrency', '1', '--no-knowledge'], { ECOMMIR_CACHE_DIR: cache });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await digests(cache), entries, 'nothing left for one process to compute');
  // The card records the command as given, not the calling process's argv (here `node -e ...`).
  const card = await readFile(join(dir, 'm1', 'MODEL_CARD.md'), 'utf8');
  assert.ok(card.includes(`Command: \`ecommir train scene --data ${trainData} --images ${DEV_IMAGES} --out ${join(dir, 'm1')} --concurrency 1 --no-knowledge\``), card);
  const model = async (m: string) => {
    const json = JSON.parse(await readFile(join(dir, m, 'model.json'), 'utf8')) as { trainedOn: { createdAt?: string } };
    delete json.trainedOn.createdAt;
    return json;
  };
  assert.deepEqual(await model('m2'), await model('m1'));
});
