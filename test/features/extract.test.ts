import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureCache, jsonCodec } from '../../src/features/cache.js';
import { extractImageFeatures, listDatasetImages, ocrCacheKey, type VectorExtractor } from '../../src/features/extract.js';
import { OcrEngine, type OcrResult } from '../../src/vision/ocr.js';

const images = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));
const NAME = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';

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
    const lineCount: VectorExtractor = { name: 'line-count', version: 1, signature: '', usesOcr: true, compute: async (_image, ocr) => { calls++; return Float32Array.of(ocr.lines.length); } };
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
