import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uiStructureVector, uiTokens, UI_VECTOR_LENGTH, UI_VECTOR_NAMES } from '../../../src/tasks/scene/ui-structure.js';
import type { OcrLine } from '../../../src/vision/ocr.js';
import type { RawImage } from '../../../src/vision/decode.js';

const line = (text: string, x0: number, y0: number, x1: number, h = 0.015, confidence = 0.95): OcrLine => ({ text, confidence, box: { x0, y0, x1, y1: y0 + h } });

test('structure tokens of an order list: status bar, centred title, tabs, aligned rows with prices and dates', () => {
  const lines: OcrLine[] = [line('9:41', 0.05, 0.01, 0.12), line('我的订单', 0.4, 0.06, 0.6), ...['全部', '待付款', '待发货', '待收货', '评价'].map((t, i) => line(t, 0.05 + i * 0.19, 0.12, 0.15 + i * 0.19))];
  for (let r = 0; r < 5; r++) {
    lines.push(line('某某旗舰店', 0.05, 0.2 + r * 0.14, 0.4));
    lines.push(line(`¥${r + 10}.00`, 0.8, 0.25 + r * 0.14, 0.95));
    lines.push(line(`2024-0${r + 1}-12`, 0.05, 0.3 + r * 0.14, 0.3));
  }
  const tokens = uiTokens(lines);
  for (const t of ['status-bar', 'title-centred', 'short-row-top-5+', 'aligned-9-16', 'right-prices-5-8', 'price-5-8', 'date-5-8', 'date@body']) {
    assert.ok(tokens.includes(t), `${t} missing from ${tokens.join(' ')}`);
  }
  assert.ok(!tokens.includes('title-left'));
});

test('a photo with a few garbled low-confidence words reads as such', () => {
  const tokens = uiTokens([line('xq', 0.2, 0.5, 0.3, 0.03, 0.55), line('品', 0.6, 0.7, 0.65, 0.03, 0.6)]);
  assert.ok(tokens.includes('no-title') && tokens.includes('low-confidence-4') && tokens.includes('confidence-5'), tokens.join(' '));
  assert.deepEqual(uiTokens([]), ['no-text']);
});

function page(width: number, height: number, pixel: (x: number, y: number) => number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(pixel(x, y), 3 * (y * width + x), 3 * (y * width + x) + 3);
  return { data, width, height };
}

test('pixel cues: a pop-up over a dimmed page, and rows that repeat', async () => {
  const w = 300, h = 660;
  const popup = await uiStructureVector(page(w, h, (x, y) => (x > 40 && x < 260 && y > 220 && y < 440 ? 255 : 90)));
  const plain = await uiStructureVector(page(w, h, () => 250));
  const list = await uiStructureVector(page(w, h, (x, y) => (y % 66 < 6 ? 200 : 250)));
  const at = (v: Float32Array, name: (typeof UI_VECTOR_NAMES)[number]) => v[UI_VECTOR_NAMES.indexOf(name)];
  assert.equal(popup.length, UI_VECTOR_LENGTH);
  assert.equal(at(popup, 'dimmed-edges'), 1);
  assert.equal(at(plain, 'dimmed-edges'), 0);
  assert.ok(at(popup, 'centre-box') > 0.2 && at(plain, 'centre-box') === 0);
  assert.ok(at(list, 'periodicity') > 0.5, `periodicity ${at(list, 'periodicity')}`);
  assert.ok(Math.abs(at(list, 'period') - 0.1) < 0.02, `period ${at(list, 'period')}`);
  for (const v of [popup, plain, list]) for (const x of v) assert.ok(Number.isFinite(x) && x >= -1 && x <= 1);
});
