// The clip backend end to end through the real runtime (transformers.js tokenizer and image processor,
// onnxruntime-node sessions) on tiny random CLIP folders that this test builds: embeddings, zero-shot
// over the taxonomy, adapters that learn red vs blue, soups, pseudo-labels, save/load, the cache.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ClipModel, ClipSceneRecognizer, createClipRecognizers, DEFAULT_PROMPT_TEMPLATES, ADAPTER_MODES } from '../../src/backends/clip/index.js';
import { FeatureCache } from '../../src/features/cache.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import type { Sample } from '../../src/types.js';
import { makeTinyClip } from '../fixtures/tiny-clip.js';

const taxonomy = Taxonomy.default('scene');
const RED = taxonomy.labels[0];
const BLUE = taxonomy.labels[1];
let root: string;
let splitDir: string;
let jointDir: string;
let cache: FeatureCache;
let recognizer: ClipSceneRecognizer;

const vocabularyText = [...taxonomy.labels, ...taxonomy.coarseLabels, ...taxonomy.labels.map((l) => taxonomy.describe(l)), ...DEFAULT_PROMPT_TEMPLATES].join('');

/** A solid colour with a little per-image variation, as PNG bytes. */
async function solid(rgb: [number, number, number], width = 24, height = 40): Promise<Uint8Array> {
  return new Uint8Array(await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer());
}

async function sceneSample(id: string, index: number, rgb: [number, number, number], label?: string): Promise<Sample> {
  const ref = { name: `${id}.png`, bytes: await solid(rgb) };
  return { id, index, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [ref] }], images: [ref], label };
}

async function redBlue(prefix: string, count: number, labelled: boolean): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const shade = 20 * i;
    out.push(await sceneSample(`${prefix}r${i}`, 2 * i, [200 + (shade % 50), shade % 60, 10], labelled ? RED : undefined));
    out.push(await sceneSample(`${prefix}b${i}`, 2 * i + 1, [shade % 60, 10, 200 + (shade % 50)], labelled ? BLUE : undefined));
  }
  return out;
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ecommir-clip-'));
  splitDir = await makeTinyClip(path.join(root, 'tiny-split'), { layout: 'split', vocabularyText, seed: 3 });
  jointDir = await makeTinyClip(path.join(root, 'tiny-joint'), { layout: 'joint', vocabularyText, seed: 4, logitScale: 50 });
  cache = new FeatureCache({ dir: path.join(root, 'cache') });
  recognizer = await ClipSceneRecognizer.create({ modelDir: splitDir, cache });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('split layout: image and text embeddings have the model dimension, and differ by input', async () => {
  const model = recognizer.model;
  assert.equal(model.info.layout, 'split');
  assert.match(model.info.fingerprint, /^[0-9a-f]{64}$/);
  const red = await recognizer.embedder.image({ name: 'r.png', bytes: await solid([220, 10, 10]) });
  const blue = await recognizer.embedder.image({ name: 'b.png', bytes: await solid([10, 10, 220]) });
  assert.equal(red.length, 16);
  assert.notDeepEqual(red, blue);
  const t1 = await model.embedText('一张商品的截图');
  const t2 = await model.embedText('订单');
  assert.equal(t1.length, 16);
  assert.notDeepEqual(t1, t2);
  assert.equal(recognizer.labelEmbeddings.length, taxonomy.labels.length * 16);
});

test('second embedding of the same image is a cache hit with the same vector', async () => {
  const bytes = await solid([1, 2, 3]);
  const before = { ...recognizer.embedder.cache.stats };
  const a = await recognizer.embedder.image({ name: 'x.png', bytes });
  const b = await recognizer.embedder.image({ name: 'copy-of-x.png', bytes });
  assert.equal(recognizer.embedder.cache.stats.misses, before.misses + 1);
  assert.equal(recognizer.embedder.cache.stats.hits, before.hits + 1);
  assert.deepEqual(a, b);
});

test('zero-shot gives a ranked list over the whole taxonomy', async () => {
  const p = await recognizer.predict(await sceneSample('z', 0, [120, 30, 200]));
  assert.equal(p.ranked.length, taxonomy.labels.length);
  assert.deepEqual([...p.ranked.map((r) => r.label)].sort(), [...taxonomy.labels].sort());
  const sum = p.ranked.reduce((s, r) => s + r.confidence, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
  for (let i = 1; i < p.ranked.length; i++) assert.ok(p.ranked[i - 1].confidence >= p.ranked[i].confidence);
  assert.equal(p.hierarchical, taxonomy.hierarchical(p.label));
  assert.equal(p.task, 'scene');
});

test('each adapter mode learns red vs blue; the greedy soup runs over epoch snapshots', async () => {
  const train = await redBlue('t', 8, true);
  const held = await redBlue('h', 3, true);
  // Zero-shot with random weights does not already know red from blue: the adapters have to learn it.
  const zeroShotRight = (await Promise.all(held.map((s) => recognizer.predict(s)))).filter((p, i) => p.label === held[i].label).length;
  assert.ok(zeroShotRight < held.length, 'zero-shot is not already right');
  for (const mode of ADAPTER_MODES) {
    const r = await ClipSceneRecognizer.create({ modelDir: splitDir, cache });
    await r.fit(train, { mode, epochs: 40, lr: 0.05, validationFraction: 0.25, seed: 1 });
    const report = r.report!;
    assert.equal(report.mode, mode);
    assert.ok(report.checkpointEpochs.length >= 3, `snapshots at ${report.checkpointEpochs}`);
    assert.equal(report.checkpointEpochs[0], 0);
    assert.ok(report.soup.members.length >= 1);
    assert.ok(report.soup.weightedF1 >= Math.max(...report.checkpointScores) - 1e-9, 'greedy soup starts from the best checkpoint');
    for (const s of held) assert.equal((await r.predict(s)).label, s.label, `${mode} adapter on ${s.id}`);
  }
});

test('pseudo-labels at 0.99 join the second round; save/load round trip predicts identically', async () => {
  const train = await redBlue('p', 6, true);
  const unlabeled = await redBlue('u', 5, false);
  const r = await ClipSceneRecognizer.create({ modelDir: splitDir, cache });
  await r.fit(train, { mode: 'joint', epochs: 40, lr: 0.05, validationFraction: 0.25, unlabeled, seed: 2 });
  const pseudo = r.report!.pseudoLabels!;
  assert.equal(pseudo.total, unlabeled.length);
  assert.equal(pseudo.threshold, 0.99);
  assert.ok(pseudo.kept > 0, 'confident red/blue images are pseudo-labelled');
  assert.equal(r.report!.nExtra, pseudo.kept);
  // The pseudo-labelled rows are trained on, not only counted: the same fit without them answers otherwise.
  const without = await ClipSceneRecognizer.create({ modelDir: splitDir, cache });
  await without.fit(train, { mode: 'joint', epochs: 40, lr: 0.05, validationFraction: 0.25, seed: 2 });
  const probe = (await redBlue('q', 1, true))[0];
  assert.notDeepEqual((await r.predict(probe)).ranked, (await without.predict(probe)).ranked);

  const dir = path.join(root, 'adapter');
  await r.save(dir);
  const loaded = await ClipSceneRecognizer.load(dir, { cache });
  const { scene } = await createClipRecognizers({ modelDir: splitDir, adapterDir: dir, cache });
  for (const s of await redBlue('s', 2, true)) {
    const a = await r.predict(s);
    const b = await loaded.predict(s);
    const c = await scene!.predict(s);
    assert.deepEqual(b.ranked, a.ranked);
    assert.deepEqual(c.ranked, a.ranked);
    assert.equal(a.label, s.label);
  }
});

test('joint layout (Chinese-CLIP style model.onnx): logit scale read from the graph, zero-shot runs', async () => {
  const model = await ClipModel.load(jointDir);
  assert.equal(model.info.layout, 'joint');
  assert.ok(Math.abs(model.logitScale - 50) < 1e-3, `logit scale ${model.logitScale}`);
  const { scene } = await createClipRecognizers({ modelDir: jointDir, cache });
  const p = await scene!.predict(await sceneSample('j', 0, [10, 200, 10]));
  assert.equal(p.ranked.length, taxonomy.labels.length);
  // The two layouts are different models: their cache entries must not mix.
  assert.notEqual(model.info.fingerprint, recognizer.model.info.fingerprint);
});

test('bad inputs: no model folder, a sample without an image, an adapter for another model', async () => {
  await assert.rejects(ClipModel.load(path.join(root, 'nowhere')), { code: 'ECM_ERR_NO_MODEL' });
  const noImage: Sample = { id: 'empty-7', index: 7, task: 'scene', candidates: [], turns: [], images: [] };
  await assert.rejects(recognizer.predict(noImage), (err: Error & { code?: string }) => err.code === 'ECM_ERR_IMAGE_MISSING' && /empty-7/.test(err.message) && /#7/.test(err.message));
  const corrupt = await sceneSample('bad-3', 3, [0, 0, 0]);
  corrupt.images[0] = { name: 'bad.png', bytes: new Uint8Array([1, 2, 3, 4]) };
  await assert.rejects(recognizer.predict(corrupt), { code: 'ECM_ERR_IMAGE_CORRUPT' });
  const r = await ClipSceneRecognizer.create({ modelDir: splitDir, cache });
  await r.fit(await redBlue('w', 3, true), { epochs: 2 });
  const dir = path.join(root, 'adapter-split');
  await r.save(dir);
  await assert.rejects(ClipSceneRecognizer.load(dir, { modelDir: jointDir, cache }), { code: 'ECM_ERR_NO_MODEL' });
  await assert.rejects(r.fit([{ ...noImage, images: corrupt.images, label: 'no such label' }]), { code: 'ECM_ERR_UNKNOWN_LABEL' });
});

test('weights that cannot be an ONNX model and a config.json that is a pipe are refused before they are read', async () => {
  const copy = async (name: string): Promise<string> => {
    const dir = path.join(root, name);
    await cp(splitDir, dir, { recursive: true });
    return dir;
  };
  // A 6 GB file was read whole (6.45 GB of memory) before onnxruntime refused it; the size says it already.
  const huge = await copy('huge-weights');
  await truncate(path.join(huge, 'onnx', 'vision_model.onnx'), 2 ** 31);
  await assert.rejects(ClipModel.load(huge), (err: Error & { code?: string }) => err.code === 'ECM_ERR_NO_MODEL' && /vision_model\.onnx is not an ONNX model: it holds 2147483648 bytes, more than the 2 GiB/.test(err.message));
  const zeros = await copy('zero-weights');
  await writeFile(path.join(zeros, 'onnx', 'text_model.onnx'), Buffer.alloc(1 << 20));
  await assert.rejects(ClipModel.load(zeros), (err: Error & { code?: string }) => err.code === 'ECM_ERR_NO_MODEL' && /text_model\.onnx is not an ONNX model: it does not start as a protobuf message does \(first byte 0x00\)/.test(err.message));
  const piped = await copy('piped-config');
  await rm(path.join(piped, 'config.json'));
  execFileSync('mkfifo', [path.join(piped, 'config.json')]);
  await assert.rejects(ClipModel.load(piped), (err: Error & { code?: string }) => err.code === 'ECM_ERR_NO_MODEL' && /cannot read config\.json \(it is a pipe, not a file\)/.test(err.message));
});
