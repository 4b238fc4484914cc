import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/vision/decode.js';
import {
  applyTrivialOp, brightness, ecommerceAugment, flipHorizontal, seededRandom, TRIVIAL_AUGMENT_OPS, trivialAugment,
} from '../../src/vision/augment.js';

// A 24×16 test card: a gradient with a bright square off centre.
function card(): RawImage {
  const width = 24, height = 16;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const inSquare = x >= 3 && x < 9 && y >= 3 && y < 9;
      data[p] = inSquare ? 240 : 40 + x * 5;
      data[p + 1] = inSquare ? 200 : 60 + y * 5;
      data[p + 2] = inSquare ? 30 : 100;
    }
  }
  return { data, width, height };
}
const mean = (img: RawImage) => img.data.reduce((s, v) => s + v, 0) / img.data.length;

test('identity is identity; flipping twice is identity; flipping once is not', () => {
  const img = card();
  assert.deepEqual(applyTrivialOp(img, 'identity', 17).data, img.data);
  assert.deepEqual(flipHorizontal(flipHorizontal(img)).data, img.data);
  assert.notDeepEqual(flipHorizontal(img).data, img.data);
});

test('pixel ops move the statistics the way they should', () => {
  const img = card();
  assert.ok(mean(brightness(img, 1.5)) > mean(img));
  assert.ok(mean(applyTrivialOp(img, 'brightness', 30, -1)) < mean(img));
  // posterize at the strongest bin keeps 2 bits: every value is a multiple of 64
  assert.ok(applyTrivialOp(img, 'posterize', 30).data.every((v) => v % 64 === 0));
  // solarize at bin 0 (threshold 255) changes nothing below 255; at bin 30 (threshold 0) inverts all
  assert.deepEqual(applyTrivialOp(img, 'solarize', 0).data, img.data);
  assert.deepEqual(applyTrivialOp(img, 'solarize', 30).data, img.data.map((v) => 255 - v));
  const stretched = applyTrivialOp(img, 'autoContrast', 0);
  assert.equal(Math.max(...stretched.data.filter((_, i) => i % 3 === 0)), 255);
  assert.equal(Math.min(...stretched.data.filter((_, i) => i % 3 === 0)), 0);
  // colour at factor 0.01 (bin 30, sign −1) is nearly grey: r ≈ g ≈ b
  const grey = applyTrivialOp(img, 'color', 30, -1);
  for (let p = 0; p < grey.data.length; p += 3) assert.ok(Math.abs(grey.data[p] - grey.data[p + 1]) <= 3 && Math.abs(grey.data[p] - grey.data[p + 2]) <= 3);
  // magnitude 0 of a signed op is (nearly) no change
  for (const op of ['brightness', 'contrast', 'color', 'sharpness', 'shearX', 'translateY', 'rotate'] as const) {
    const out = applyTrivialOp(img, op, 0);
    const maxDiff = out.data.reduce((m, v, i) => Math.max(m, Math.abs(v - img.data[i])), 0);
    assert.ok(maxDiff <= 1, `${op} at magnitude 0 changed a value by ${maxDiff}`);
  }
});

/** Where the card's square is: its pixels' centroid and extent (a pixel of the square's colour, by threshold). */
function squareOf(img: RawImage): { cx: number; cy: number; x0: number; x1: number; y0: number; y1: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * 3;
      if (img.data[p + 2] < 65 && img.data[p] > 200) xs.push(x), ys.push(y);
    }
  }
  const m = (a: number[]) => a.reduce((t, v) => t + v, 0) / a.length;
  return { cx: m(xs), cy: m(ys), x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
}

test('geometric ops move the square the way each says, and keep the size', () => {
  const img = card();
  const before = squareOf(img);
  const moved = Object.fromEntries((['shearX', 'shearY', 'translateX', 'translateY', 'rotate'] as const).map((op) => {
    const out = applyTrivialOp(img, op, 30);
    assert.equal(out.width, img.width);
    assert.equal(out.height, img.height);
    return [op, squareOf(out)];
  }));
  // "Changed" alone held for a shearY that sheared along x: each op is checked for its own direction.
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 0.5, `${what}: ${a} vs ${b}`);
  // Translations move along their axis only (bin 30: 32/224 of the side, 3.4 px of 24 and 2.3 of 16).
  near(moved.translateX.cx - before.cx, (32 / 224) * 24, 'translateX moves right');
  near(moved.translateX.cy, before.cy, 'translateX keeps rows');
  near(moved.translateY.cy - before.cy, (32 / 224) * 16, 'translateY moves down');
  near(moved.translateY.cx, before.cx, 'translateY keeps columns');
  // A shear along x keeps each row where it was and slides it; along y, each column.
  assert.deepEqual([moved.shearX.y0, moved.shearX.y1], [before.y0, before.y1]);
  assert.ok(moved.shearX.x1 - moved.shearX.x0 > before.x1 - before.x0 + 1, 'shearX widens the square');
  assert.deepEqual([moved.shearY.x0, moved.shearY.x1], [before.x0, before.x1]);
  assert.ok(moved.shearY.y1 - moved.shearY.y0 > before.y1 - before.y0 + 1, 'shearY makes it taller');
  // A rotation of 135° about the centre takes the square (off centre, top left) to the other side.
  assert.ok(moved.rotate.cx > img.width / 2 && moved.rotate.cy > img.height / 2, JSON.stringify(moved.rotate));
});

test('TrivialAugment and the e-commerce chain are deterministic given a seed and vary across seeds', () => {
  const img = card();
  assert.deepEqual(trivialAugment(img, 7), trivialAugment(img, 7));
  const ops = new Set(Array.from({ length: 200 }, (_, s) => trivialAugment(img, s).op));
  assert.equal(ops.size, TRIVIAL_AUGMENT_OPS.length);
  const a = ecommerceAugment(img, 3);
  assert.deepEqual(a, ecommerceAugment(img, 3));
  assert.notDeepEqual(a.data, ecommerceAugment(img, 4).data);
  const r = seededRandom(1);
  const xs = Array.from({ length: 1000 }, r);
  assert.ok(xs.every((x) => x >= 0 && x < 1) && Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5) < 0.05);
});
