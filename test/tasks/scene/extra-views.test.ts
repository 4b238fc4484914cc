import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sceneDocExtras, shapeTokens } from '../../../src/tasks/scene/extra-views.js';
import type { OcrLine } from '../../../src/vision/ocr.js';

const line = (text: string, y0: number, x0 = 0.1, confidence = 0.99): OcrLine => ({ text, confidence, box: { x0, y0, x1: x0 + 0.1, y1: y0 + 0.02 } });

// A made-up order page: status bar, page title, body lines, a four-item tab bar.
const lines: OcrLine[] = [
  line('10:42', 0.01),
  line('5G 87%', 0.012, 0.8),
  line('订单详情', 0.05),
  line('待发货', 0.2),
  line('某某旗舰店', 0.3, 0.1, 0.5),
  line('首页', 0.95, 0.05),
  line('消息', 0.95, 0.3),
  line('购物车', 0.95, 0.55),
  line('我的', 0.95, 0.8),
];

test('head view skips the status bar and keeps the first lines below it', () => {
  assert.equal(sceneDocExtras({ ocr: { width: 1080, height: 2400, lines } }).head, '订单详情 待发货 某某旗舰店');
});

test('confident view drops lines read with low confidence', () => {
  const doc = sceneDocExtras({ ocr: { width: 1080, height: 2400, lines } });
  assert.ok(!(doc.confident as string).includes('某某旗舰店'));
  assert.ok((doc.confident as string).includes('待发货'));
  assert.ok((doc.all as string).includes('某某旗舰店'));
});

test('shape tokens see a tab bar as one bottom row of four short items', () => {
  const tokens = shapeTokens(lines);
  assert.ok(tokens.includes('bottom:row=4-6'), tokens.join(' '));
  assert.ok(tokens.includes('bottom:lines=4-6'));
  assert.ok(tokens.includes('bottom:short=4'));
  assert.ok(tokens.includes('body:lines=2'));
});
