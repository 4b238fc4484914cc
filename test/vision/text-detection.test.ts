import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { boxesFromProbabilityMap, detectionInput, detectionSize } from '../../src/vision/text-detection.js';

const OPTIONS = { pixelThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5 };

test('detection size keeps multiples of 32 under the max side', () => {
  assert.deepEqual(detectionSize(1080, 2400, 960), { width: 448, height: 960 });
  assert.deepEqual(detectionSize(100, 50, 960), { width: 96, height: 64 });
});

test('each text kernel becomes one grown box in source pixels; weak and tiny blobs are dropped', () => {
  const w = 40, h = 20;
  const prob = new Float32Array(w * h); // [h, w]
  const fill = (x0: number, y0: number, x1: number, y1: number, p: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) prob[y * w + x] = p;
  };
  fill(2, 2, 22, 6, 0.9); // a strong line
  fill(25, 12, 35, 16, 0.4); // above the pixel threshold, below the box threshold
  fill(5, 12, 7, 14, 0.9); // 2×2: below the minimum side
  const boxes = boxesFromProbabilityMap(prob, w, h, 400, 200, OPTIONS);
  assert.equal(boxes.length, 1);
  const [b] = boxes;
  // kernel 20×4 map pixels → d = 20·4·1.5 / (2·24) = 2.5, ×10 to source
  assert.deepEqual([b.x0, b.y0, b.x1, b.y1], [-5, -5, 245, 85].map((v) => Math.max(0, v)));
  assert.ok(Math.abs(b.score - 0.9) < 1e-6);
});

test('the detector input is the resized image normalised with ImageNet statistics in BGR planes, value for value', async () => {
  const width = 150, height = 70;
  const image = { data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 2654435761) >>> 24), width, height };
  const input = await detectionInput(image, 96);
  assert.deepEqual([input.width, input.height], [96, 32]);
  const resized = await sharp(image.data, { raw: { width, height, channels: 3 } }).resize(96, 32, { fit: 'fill' }).raw().toBuffer();
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const plane = 96 * 32;
  const expected = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) expected[c * plane + p] = (resized[p * 3 + (2 - c)] / 255 - mean[c]) / std[c];
  assert.deepEqual(input.data, expected);
});
