import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamples } from '../../src/data/load.js';
import { EcommirError } from '../../src/errors.js';
import { DEFAULT_SCENE_FUSION, SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import { DEV_JSON } from '../data/helpers.js';

// A fresh cache: the test runs the real OCR, layout and embedding path, not the developer's warm cache.
const cacheDir = await mkdtemp(join(tmpdir(), 'ecommir-scene-cache-'));
process.env.ECOMMIR_CACHE_DIR = cacheDir;

const { samples } = await loadSamples(DEV_JSON);
// Three scenes whose pages differ plainly (a handful of images, never the whole set): 4 training
// screenshots a label, 3 held-out ones a label.
const LABELS = ['购物车页面', '退货页面', '店铺页面'];
const byLabel = LABELS.map((l) => samples.filter((s) => s.task === 'scene' && s.label === l));
const train = byLabel.flatMap((list) => list.slice(0, 4));
const held = byLabel.flatMap((list) => list.slice(4, 7));
// The paper's path: the softmax head with its 9:1 split, and the embedding branch with a TrivialAugment copy.
const model = await SceneRecognizer.fit(train, { fusion: { ...DEFAULT_SCENE_FUSION, embeddingWeight: 0.5 }, learner: null, checkpoints: [{}], calibrate: 'validation', augmentCopies: 1 });

test('scene recogniser trained on 12 screenshots recognises held-out ones of the same pages; trained on rotated labels it follows the labels', async () => {
  const predictions = await model.predictMany(held);
  const right = predictions.filter((p, i) => p.label === held[i].label).length;
  assert.ok(right >= 7, `right on ${right} of 9 (chance: 3): ${predictions.map((p) => p.label).join(', ')}`);
  for (const p of predictions) {
    assert.equal(p.hierarchical, `${p.coarse}-${p.label}`);
    assert.ok(p.confidence > 0 && p.confidence <= 1);
    assert.ok(p.evidence && p.evidence.length > 0);
    assert.ok(p.ms !== undefined && p.ms > 0);
  }
  // The same screenshots with every label moved to the next scene: a learner that learns from the
  // labels now answers the moved label; one that ignores them (or reads something else) does not.
  const rotate = (label: string) => LABELS[(LABELS.indexOf(label) + 1) % LABELS.length];
  const rotated = await SceneRecognizer.fit(train.map((s) => ({ ...s, label: rotate(s.label!) })), { checkpoints: [{}], calibrate: 'validation' });
  const moved = (await rotated.predictMany(held)).filter((p, i) => p.label === rotate(held[i].label!)).length;
  assert.ok(moved >= 7, `rotated-label model answers the rotated label on ${moved} of 9`);
});

test('features are cached by content: OCR, layout, embedding and the augmented copy are on disk', async () => {
  const folders = await readdir(cacheDir);
  for (const f of ['ocr', 'layout', 'mobilenetv2']) assert.ok(folders.includes(f), `cache has ${folders.join(', ')}`);
  // 12 originals + 12 TrivialAugment copies + 9 held-out originals.
  const embeddings = await readdir(join(cacheDir, 'mobilenetv2'), { recursive: true });
  assert.ok(embeddings.filter((e) => !e.endsWith('/') && e.includes('.')).length >= 33, `embeddings cached: ${embeddings.length}`);
  // Training rows: one per image plus one per augmented copy.
  assert.equal(model.trainedOn.rows, 24);
});

test('save and load give identical predictions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-scene-'));
  await model.save(dir);
  const loaded = await SceneRecognizer.load(dir);
  const a = await model.predict(held[0]);
  const b = await loaded.predict(held[0]);
  assert.deepEqual(b.ranked, a.ranked);
});

test('a corrupt or missing image names the sample', async () => {
  const bad = { ...held[0], id: 'broken-upload', images: [{ name: 'nope.jpg', path: join(cacheDir, 'nope.jpg') }] };
  await assert.rejects(model.predict(bad), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_IMAGE_MISSING' && e.message.includes('broken-upload'));
});

test('the default recipe (SVM + half-precision kNN stack, every view, knowledge rows): trained, explained, saved and loaded', async () => {
  const pageTexts = LABELS.map((label, i) => ({ label, title: ['购物车', '退货详情', '店铺首页'][i], body: ['结算 合计 全选', '退货退款 寄回商品 填写单号', '关注 宝贝 上新'][i] }));
  const model = await SceneRecognizer.fit(train, { knowledge: { texts: pageTexts, weight: 0.5 } });
  assert.equal(model.report, undefined);
  assert.deepEqual(model.trainedOn.knowledge, { images: 0, texts: 3, weight: 0.5 });
  const predictions = await model.predictMany(held);
  assert.ok(predictions.filter((p, i) => p.label === held[i].label).length >= 2, predictions.map((p) => p.label).join(', '));
  assert.ok(predictions.every((p) => p.evidence && p.evidence.length > 0));
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-scene-default-'));
  await model.save(dir);
  // What is saved is the stack, its neighbours stored compactly (kNN file version 2, half floats, varint indices).
  const saved = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.equal(saved.learner.kind, 'StackingClassifier');
  const knn = saved.learner.fitted.members.find((m: { kind: string }) => m.kind === 'CosineKnn');
  assert.deepEqual([knn.version, knn.fitted.values.dtype, knn.fitted.indices.dtype], [2, 'f16', 'i32-delta-varint']);
  assert.deepEqual((await (await SceneRecognizer.load(dir)).predict(held[2])).ranked, (await model.predict(held[2])).ranked);
});

test('mined cues, structure tokens, pixel cues and knowledge rows on the softmax head: page texts stay out of its validation split', async () => {
  const pageTexts = LABELS.map((label, i) => ({ label, title: ['购物车', '退货详情', '店铺首页'][i], body: ['结算 合计 全选', '退货退款 寄回商品 填写单号', '关注 宝贝 上新'][i] }));
  const rich = await SceneRecognizer.fit(train, {
    learner: null,
    checkpoints: [{}],
    calibrate: 'none',
    fusion: {
      views: [
        { name: 'all', analyzer: { kind: 'char', min: 1, max: 2 } },
        { name: 'mined', analyzer: { kind: 'tokens' } },
        { name: 'ui', analyzer: { kind: 'tokens' }, weight: 0.5 },
      ],
      layoutWeight: 0.03,
      embeddingWeight: 0,
      uiWeight: 0.05,
      mined: { minDocs: 2 },
    },
    knowledge: { texts: pageTexts, weight: 0.5 },
  });
  // 12 screenshots + 3 page texts; the page texts never enter the validation split.
  assert.equal(rich.trainedOn.rows, 15);
  assert.deepEqual(rich.trainedOn.knowledge, { images: 0, texts: 3, weight: 0.5 });
  assert.ok(rich.report && rich.report.nValidation > 0 && rich.report.nValidation < 12);
  const predictions = await rich.predictMany(held);
  assert.ok(predictions.filter((p, i) => p.label === held[i].label).length >= 2, predictions.map((p) => p.label).join(', '));
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-scene-rich-'));
  await rich.save(dir);
  const loaded = await SceneRecognizer.load(dir);
  assert.deepEqual((await loaded.predict(held[1])).ranked, (await rich.predict(held[1])).ranked);
  assert.ok((await readdir(cacheDir)).includes('ui-structure'));
});
