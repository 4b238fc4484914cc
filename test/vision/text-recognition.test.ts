import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropLine, REC_HEIGHT } from '../../src/vision/text-recognition.js';

// A 400 × 100 image: left half black, right half white.
const width = 400;
const height = 100;
const data = new Uint8Array(width * height * 3);
for (let y = 0; y < height; y++) for (let x = width / 2; x < width; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
const image = { data, width, height };
const box = { x0: 0, y0: 20, x1: 400, y1: 60, score: 1 };

test('cropLine keeps the aspect ratio at height 48, squeezed by widthScale and capped by maxWidth', () => {
  assert.equal(cropLine(image, box, 1280).width, 480);
  assert.equal(cropLine(image, box, 1280, 0.75).width, 360);
  assert.equal(cropLine(image, box, 300, 0.75).width, 300);
});

test('a squeezed line is the same picture, narrower: black on the left half, white on the right, BGR in [-1, 1]', () => {
  const line = cropLine(image, box, 1280, 0.5);
  assert.equal(line.data.length, 3 * REC_HEIGHT * line.width);
  const plane = REC_HEIGHT * line.width;
  for (let c = 0; c < 3; c++) {
    assert.equal(line.data[c * plane + 10 * line.width + 5], -1);
    assert.equal(line.data[c * plane + 10 * line.width + line.width - 5], 1);
  }
});

/** The crop written plainly, pixel by pixel (bilinear, edges clamped): what cropLine must equal exactly. */
function referenceCrop(img: typeof image, b: typeof box, maxWidth: number, widthScale: number): Float32Array {
  const bw = b.x1 - b.x0;
  const bh = b.y1 - b.y0;
  const w = Math.max(REC_HEIGHT / 4, Math.min(maxWidth, Math.round((REC_HEIGHT * bw * widthScale) / bh)));
  const out = new Float32Array(3 * REC_HEIGHT * w);
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const at = (x: number, y: number, ch: number) => img.data[(y * img.width + x) * 3 + ch];
  for (let y = 0; y < REC_HEIGHT; y++) {
    for (let x = 0; x < w; x++) {
      const syf = b.y0 + (y + 0.5) * (bh / REC_HEIGHT) - 0.5;
      const sxf = b.x0 + (x + 0.5) * (bw / w) - 0.5;
      const sy0 = clamp(Math.floor(syf), img.height - 1);
      const sx0 = clamp(Math.floor(sxf), img.width - 1);
      const sy1 = clamp(sy0 + 1, img.height - 1);
      const sx1 = clamp(sx0 + 1, img.width - 1);
      const wy = Math.min(1, Math.max(0, syf - sy0));
      const wx = Math.min(1, Math.max(0, sxf - sx0));
      for (let ch = 0; ch < 3; ch++) {
        const v = (at(sx0, sy0, ch) * (1 - wx) + at(sx1, sy0, ch) * wx) * (1 - wy) + (at(sx0, sy1, ch) * (1 - wx) + at(sx1, sy1, ch) * wx) * wy;
        out[(2 - ch) * REC_HEIGHT * w + y * w + x] = v / 127.5 - 1;
      }
    }
  }
  return out;
}

test('cropLine equals the plain per-pixel bilinear crop exactly (a guard for any faster crop)', () => {
  const noisy = { data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 2654435761) >>> 24), width, height };
  const boxes = [box, { x0: 3, y0: 1, x1: 57, y1: 19, score: 1 }, { x0: 380, y0: 90, x1: 400, y1: 100, score: 1 }, { x0: 0, y0: 0, x1: 400, y1: 7, score: 1 }];
  for (const b of boxes) {
    for (const [maxWidth, scale] of [[1280, 1], [1280, 0.75], [64, 0.75]] as const) {
      const line = cropLine(noisy, b, maxWidth, scale);
      assert.deepEqual(line.data, referenceCrop(noisy, b, maxWidth, scale), `box ${JSON.stringify(b)} at ${maxWidth}/${scale}`);
    }
  }
});
