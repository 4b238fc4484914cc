import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureCache, jsonCodec, sha256Hex } from '../../src/features/cache.js';
import { extractImageFeatures, listDatasetImages, ocrCacheKey, type VectorExtractor } from '../../src/features/extract.js';
import { DEFAULT_OCR_OPTIONS, OcrEngine, type OcrResult } from '../../src/vision/ocr.js';

const images = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));
const NAME = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';
const sha256Of = async (file: string): Promise<string> => sha256Hex(await readFile(file));

test('features are computed once, then read from the cache (augmented copies too)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const cache = new FeatureCache({ dir });
    const ocr = await OcrEngine.create({ threads: 1 });
    let calls = 0;
    // A stand-in embedding: the mean of the image, 1280 times (the real one is tested in test/vision).
    const fake: VectorExtractor = {
      name: 'fake', version: 1, signature: '',
      compute: async (image) => { calls++; return new Float32Array(1280).fill(image.data.reduce((s, v) => s + v, 0) / image.data.length); },
    };
    const options = { cache, ocr, embedding: fake, augmentCopies: 2, augment: async (image: { data: Uint8Array; width: number; height: number }, seed: number) => ({ ...image, data: image.data.map((v) => Math.min(255, v + seed * 10)) }) };
    const first = await extractImageFeatures({ name: NAME, path: images + NAME }, options);
    assert.equal(calls, 3);
    assert.ok(first.ocr.lines.length > 5);
    assert.equal(first.embedding?.length, 1280);
    assert.equal(first.augmentedEmbeddings?.length, 2);
    assert.ok(first.augmentedEmbeddings![1][0] > first.augmentedEmbeddings![0][0]);
    const second = await extractImageFeatures({ name: NAME, path: images + NAME }, options);
    assert.equal(calls, 3);
    assert.deepEqual(second, first);
    assert.equal(cache.stats.hits, 4);
    // Readers without an engine (the scene no-copy test) find the OCR lines under ocrCacheKey; the
    // engine's thread count is not part of its output, so the default options name the same entry.
    assert.deepEqual(await cache.get(ocrCacheKey(first.contentHash, ocr.options), jsonCodec<OcrResult>()), first.ocr);
    assert.deepEqual(await cache.get(ocrCacheKey(first.contentHash), jsonCodec<OcrResult>()), first.ocr);
    assert.equal(await cache.get(ocrCacheKey(first.contentHash, { ...ocr.options, maxSide: 1280 }), jsonCodec<OcrResult>()), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a record whose image field is not a list of names is reported with its id and index', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const file = path.join(dir, 'data.json');
    await writeFile(file, JSON.stringify([{ id: 'a', image: ['x.jpg', 'y.jpg'] }, { id: 'b', image: ['x.jpg'] }, { id: 'c', image: 'z.jpg' }]));
    await assert.rejects(listDatasetImages(file, dir), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_RECORD' && /record #2, id c/.test(err.message));
    await writeFile(file, JSON.stringify([{ id: 'a', image: ['x.jpg', 'y.jpg'] }, { id: 'b', image: ['x.jpg'] }]));
    const jobs = await listDatasetImages(file, dir);
    assert.deepEqual(jobs.map((j) => j.ref.name), ['x.jpg', 'y.jpg']);
    assert.equal(jobs[1].ref.path, path.join(dir, 'y.jpg'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a vector computed from the OCR lines is cached per OCR configuration; named extra vectors come back by name', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const cache = new FeatureCache({ dir });
    let calls = 0;
    const lineCount: VectorExtractor = { name: 'line-count', version: 1, signature: '', usesOcr: true, compute: async (_image, ocr) => { calls++; return Float32Array.of((await ocr).lines.length); } };
    const pixelsOnly: VectorExtractor = { name: 'pixels-only', version: 1, signature: '', compute: async (image) => { calls++; return Float32Array.of(image.width); } };
    const ref = { name: NAME, path: images + NAME };
    const low = await OcrEngine.create({ threads: 1, maxSide: 640 });
    const high = await OcrEngine.create({ threads: 1, maxSide: 1280 });
    const a = await extractImageFeatures(ref, { cache, ocr: low, vectors: [lineCount, pixelsOnly] });
    assert.equal(calls, 2);
    assert.equal(a.vectors?.['line-count']?.[0], a.ocr.lines.length);
    const b = await extractImageFeatures(ref, { cache, ocr: high, vectors: [lineCount, pixelsOnly] });
    // The OCR-based vector is recomputed under the new OCR options; the pixel-only one is read back.
    assert.equal(calls, 3);
    assert.equal(b.vectors?.['line-count']?.[0], b.ocr.lines.length);
    assert.equal(b.vectors?.['pixels-only']?.[0], a.vectors?.['pixels-only']?.[0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** An OCR engine that reads nothing until `release` is called; enough for extractImageFeatures. */
function heldOcrEngine(options: Partial<typeof DEFAULT_OCR_OPTIONS> = {}) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reads: { width: number }[] = [];
  const engine = {
    options: { ...DEFAULT_OCR_OPTIONS, ...options },
    read: async (image: { width: number }) => {
      reads.push({ width: image.width });
      await released;
      return { lines: [{ text: '订单', confidence: 0.9, box: { x0: 0.1, y0: 0.1, x1: 0.3, y1: 0.15 } }] } as unknown as OcrResult;
    },
  } as unknown as OcrEngine;
  return { engine, release, reads };
}

test('vectors start while the OCR still reads: pixel-only ones finish first, those using the lines wait for them', async () => {
  const { engine, release } = heldOcrEngine();
  const order: string[] = [];
  const pixelsOnly: VectorExtractor = {
    name: 'pixels-only', version: 1, signature: '',
    compute: async (image) => {
      order.push('pixels-only');
      // The OCR is held until a pixel-only vector has been computed: run one after the other, this never happens.
      release();
      return Float32Array.of(image.width);
    },
  };
  const lineCount: VectorExtractor = { name: 'line-count', version: 1, signature: '', usesOcr: true, compute: async (_image, ocr) => { const { lines } = await ocr; order.push('line-count'); return Float32Array.of(lines.length); } };
  const features = extractImageFeatures({ name: NAME, path: images + NAME }, { cache: new FeatureCache({ disabled: true }), ocr: engine, vectors: [lineCount, pixelsOnly] });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the vectors waited for the OCR')), 10_000)));
  try {
    const f = await Promise.race([features, timeout]);
    assert.deepEqual(order, ['pixels-only', 'line-count']);
    assert.equal(f.vectors?.['line-count']?.[0], 1);
    assert.equal(f.ocr.lines[0].text, '订单');
  } finally {
    clearTimeout(timer);
  }
});

test('vectors see the default decode size whatever size the OCR engine decodes at, and whether or not its lines were cached', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const width: VectorExtractor = { name: 'width', version: 1, signature: '', compute: async (image) => Float32Array.of(image.width) };
    const small = heldOcrEngine({ decodeMaxSide: 64 });
    small.release();
    const f = await extractImageFeatures({ name: NAME, path: images + NAME }, { cache: new FeatureCache({ dir }), ocr: small.engine, vectors: [width] });
    assert.ok(small.reads[0].width <= 64, `the OCR read a ${small.reads[0].width} px wide image`);
    const full = await extractImageFeatures({ name: NAME, path: images + NAME }, { cache: new FeatureCache({ disabled: true }), ocr: small.engine, vectors: [width] });
    assert.ok(f.vectors!.width[0] > 64);
    assert.equal(f.vectors!.width[0], full.vectors!.width[0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a corrupt image fails once, naming the item, with no unhandled rejection from the parts that ran alongside', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const file = path.join(dir, 'broken.png');
    await writeFile(file, Buffer.from('\x89PNG not really'));
    const { engine, release } = heldOcrEngine();
    release();
    const pixelsOnly: VectorExtractor = { name: 'pixels-only', version: 1, signature: '', compute: async (image) => Float32Array.of(image.width) };
    const lineCount: VectorExtractor = { name: 'line-count', version: 1, signature: '', usesOcr: true, compute: async (_image, ocr) => Float32Array.of((await ocr).lines.length) };
    await assert.rejects(
      extractImageFeatures({ name: 'broken.png', path: file }, { cache: new FeatureCache({ disabled: true }), ocr: engine, layout: lineCount, vectors: [pixelsOnly], item: { id: 'sample-7' } }),
      (err: Error & { code?: string }) => /sample-7/.test(err.message) && err.code === 'ECM_ERR_IMAGE_CORRUPT' && /broken\.png/.test(err.message),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await rm(dir, { recursive: true, force: true });
  }
});

test('native records are listed too: the images of every turn and a scene’s image, resolved as the loader does', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const file = path.join(dir, 'data.jsonl');
    const lines = [
      { id: 'd', task: 'intent', dialogue: [{ role: 'user', text: '看看', images: ['a.png'] }, { role: 'agent', text: '好的' }, { role: 'user', text: '还有', images: ['b.png', 'a.png'] }] },
      { id: 's', task: 'scene', image: 'c.png' },
    ];
    await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const jobs = await listDatasetImages(file, path.join(dir, 'images'));
    assert.deepEqual(jobs.map((j) => [j.item.id, j.ref.path]), [['d', path.join(dir, 'a.png')], ['d', path.join(dir, 'b.png')], ['s', path.join(dir, 'c.png')]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('when one part fails, the extraction fails only after the other parts wrote their entries', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-extract-'));
  try {
    const cache = new FeatureCache({ dir });
    const ocr = await OcrEngine.create({ threads: 1 });
    // Fails at once, while the OCR (a second or so) is still reading the image.
    const broken: VectorExtractor = { name: 'broken', version: 1, signature: '', compute: async () => { throw new Error('broken extractor'); } };
    let first: OcrResult | undefined;
    await assert.rejects(
      extractImageFeatures({ name: NAME, path: images + NAME }, { cache, ocr, vectors: [broken] }).finally(async () => {
        first = await cache.get(ocrCacheKey(await sha256Of(images + NAME)), jsonCodec<OcrResult>());
      }),
      /broken extractor/,
    );
    assert.ok(first && first.lines.length > 5, 'the OCR entry was on disk when the failure came back');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
