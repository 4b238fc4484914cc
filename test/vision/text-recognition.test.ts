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
