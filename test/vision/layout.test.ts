import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { decodeRgb, type RawImage } from '../../src/vision/decode.js';
import { LAYOUT_BLOCKS, LAYOUT_LENGTH, layoutFeatures, linesByRegion } from '../../src/vision/layout.js';
import type { OcrLine } from '../../src/vision/ocr.js';

const images = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));
const line = (text: string, y0: number, y1: number): OcrLine => ({ text, confidence: 0.9, box: { x0: 0.1, y0, x1: 0.6, y1 } });

function solid(width: number, height: number, rgb: [number, number, number]): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3];
  return { data, width, height };
}

function block(v: Float32Array, name: string): Float32Array {
  let o = 0;
  for (const b of LAYOUT_BLOCKS) {
    if (b.name === name) return v.subarray(o, o + b.length);
    o += b.length;
  }
  throw new Error(`no block ${name}`);
}

test('layout vector has a fixed length and finite values, for a real screenshot and an empty image', async () => {
  const name = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';
  const image = await decodeRgb({ name, path: images + name });
  const a = await layoutFeatures(image, { lines: [line('订单详情', 0.03, 0.06), line('联系快递员', 0.5, 0.52)] });
  const b = await layoutFeatures(solid(30, 10, [255, 255, 255]), { lines: [] });
  for (const v of [a, b]) {
    assert.equal(v.length, LAYOUT_LENGTH);
    assert.ok(v.every(Number.isFinite));
  }
  assert.ok(LAYOUT_LENGTH > 300);
  assert.notDeepEqual(a, b);
});

test('text blocks follow the OCR boxes; screenshot statistics separate flat from noisy images', async () => {
  const flat = solid(200, 400, [250, 250, 250]);
  const v = await layoutFeatures(flat, { lines: [line('标题', 0.0, 0.0625)] });
  const grid = block(v, 'textGrid');
  assert.ok(grid[1] > 0.9 && grid[9] === 0 && grid[7] === 0, 'first grid row covered where the box is, second row empty');
  const noisy = solid(200, 400, [0, 0, 0]);
  let s = 7;
  for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const w = await layoutFeatures(noisy, { lines: [] });
  const [distinctFlat, flatFlat] = block(v, 'screenshotStats');
  const [distinctNoisy, flatNoisy] = block(w, 'screenshotStats');
  assert.ok(distinctNoisy > distinctFlat && flatFlat > flatNoisy);
});

test('lines are grouped into title bar, body and bottom bar', () => {
  const r = linesByRegion([line('t', 0.01, 0.05), line('b', 0.4, 0.45), line('x', 0.93, 0.97)]);
  assert.deepEqual([r.title, r.body, r.bottom].map((ls) => ls.map((l) => l.text)), [['t'], ['b'], ['x']]);
});

test('layout takes the OCR lines as a promise: it waits for them, and the vector equals the one with lines in hand', async () => {
  const name = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';
  const image = await decodeRgb({ name, path: images + name });
  const lines = [line('订单详情', 0.03, 0.06), line('联系快递员', 0.5, 0.52)];
  const inHand = await layoutFeatures(image, { lines });
  let resolveLines!: (ocr: { lines: OcrLine[] }) => void;
  const pending = layoutFeatures(image, new Promise((resolve) => (resolveLines = resolve)));
  // The vector waits for the lines: it is not done after the pixel work has had time to finish.
  const early = await Promise.race([pending.then(() => 'done'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))]);
  assert.equal(early, 'waiting');
  resolveLines({ lines });
  assert.deepEqual(await pending, inHand);
});
