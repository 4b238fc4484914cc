import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseText } from '../../../src/features/text/normalise.js';
import { charNgrams, wordNgrams } from '../../../src/features/text/ngrams.js';
import { zh } from '../../../src/features/lang/zh.js';

test('normaliseText folds full-width forms, lower-cases Latin, optionally collapses digits', () => {
  assert.equal(normaliseText('ＩＰｈｏｎｅ　１５，好'), 'iphone 15,好');
  assert.equal(normaliseText('订单 20240101 金额 35 元', { digits: 'collapse' }), '订单 0 金额 0 元');
  assert.equal(normaliseText('ABC', { lowercase: false }), 'ABC');
});

test('charNgrams pads chunks like char_wb and counts code points', () => {
  assert.deepEqual(charNgrams('退款', { min: 1, max: 2 }), ['退', '款', ' 退', '退款', '款 ']);
  assert.deepEqual(charNgrams('a b', { min: 2, max: 2, wordBoundaries: false }), ['a ', ' b']);
  assert.deepEqual(charNgrams('😀', { min: 1, max: 1 }), ['😀']);
});

test('wordNgrams joins neighbours with a space', () => {
  assert.deepEqual(wordNgrams(['我', '要', '退款'], 1, 2), ['我', '要', '退款', '我 要', '要 退款']);
});

test('the zh pack cuts words with jieba and drops punctuation', () => {
  const words = zh.words(zh.normalise('我要退款，快递还没到！'));
  assert.ok(words.includes('退款'), words.join('/'));
  assert.ok(words.includes('快递'), words.join('/'));
  assert.ok(!words.some((w) => /[,!，！]/.test(w)));
});
