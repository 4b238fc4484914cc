import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { decodeRgb } from '../../src/vision/decode.js';
import { EMBEDDING_SIZE, ImageEmbedder } from '../../src/vision/embedding.js';

const images = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));
const A = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';
const B = '212ba63617275795069558601d101c-0.jpg';

test('MobileNetV2 embedding: 1280 values, deterministic, different for different images; grid pooling adds 4 quadrants', async () => {
  const embedder = await ImageEmbedder.create({ pooling: 'global+grid2' });
  const a = await decodeRgb({ name: A, path: images + A });
  const b = await decodeRgb({ name: B, path: images + B });
  const ea = await embedder.embed(a);
  assert.equal(ea.length, 5 * EMBEDDING_SIZE);
  assert.deepEqual(await embedder.embed(a), ea);
  const eb = await embedder.embed(b);
  assert.ok(ea.every(Number.isFinite));
  let diff = 0;
  for (let i = 0; i < EMBEDDING_SIZE; i++) diff += Math.abs(ea[i] - eb[i]);
  assert.ok(diff > 1);
  // the global part is the mean of the four (equal-size, 7×7 → 4,3 split is unequal: only check it lies between)
  for (let i = 0; i < EMBEDDING_SIZE; i += 97) {
    const q = [1, 2, 3, 4].map((k) => ea[k * EMBEDDING_SIZE + i]);
    assert.ok(ea[i] >= Math.min(...q) - 1e-5 && ea[i] <= Math.max(...q) + 1e-5);
  }
  const global = await ImageEmbedder.create();
  const g = await global.embed(a);
  assert.equal(g.length, EMBEDDING_SIZE);
  for (let i = 0; i < EMBEDDING_SIZE; i++) assert.ok(Math.abs(g[i] - ea[i]) < 1e-4);
});
