// The review queue's order: least certain first; a burst of near-duplicates takes one place; what
// resembles a labelled sample waits. Margin and entropy against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { orderForReview } from '../../src/feedback/review-order.js';
import { dHashSimilarity, jaccard, textTokens } from '../../src/feedback/similarity.js';
import { imageDHash } from '../../src/vision/difference-hash.js';
import { informativeness, uncertaintyOf } from '../../src/feedback/uncertainty.js';

test('margin and normalised entropy', () => {
  assert.deepEqual(uncertaintyOf([0.25, 0.25, 0.25, 0.25]), { margin: 0, entropy: 1 });
  assert.deepEqual(uncertaintyOf([1, 0, 0]), { margin: 1, entropy: 0 });
  const u = uncertaintyOf([0.7, 0.2, 0.1]);
  assert.ok(Math.abs(u.margin - 0.5) < 1e-12);
  const h = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1)) / Math.log(3);
  assert.ok(Math.abs(u.entropy - h) < 1e-12);
  // Top 2 of 4 known: the remaining 0.2 is spread over the 2 unseen labels (0.1 each).
  const partial = uncertaintyOf([0.5, 0.3], 4);
  const full = uncertaintyOf([0.5, 0.3, 0.1, 0.1]);
  assert.ok(Math.abs(partial.entropy - full.entropy) < 1e-12);
  assert.equal(informativeness({ margin: 0.2, entropy: 0.7 }, 'margin'), 0.8);
  assert.equal(informativeness({ margin: 0.2, entropy: 0.7 }, 'entropy'), 0.7);
});

const topics = ['这个杯子会生锈吗', '裙子洗了会褪色吗', '面霜一次用多少', '台灯能调亮度吗', '什么时候补货', '一次发几件', '这个是什么材质', '推荐一款适合夏天的', '手机信号好不好', '怎么保养皮鞋', '包装有什么区别', '新版和老版哪个好'];

const dialogue = (text: string, informativeness: number) => ({ text, informativeness, signature: { content: text, tokens: textTokens(text) } });

test('distinct items come out least certain first', () => {
  const items = topics.map((t, i) => dialogue(t, ((i * 7) % 12) / 12));
  const ordered = orderForReview(items, { limit: items.length });
  const got = ordered.map((o) => o.item.informativeness);
  assert.deepEqual(got, [...got].sort((a, b) => b - a));
  assert.equal(ordered[0].item.informativeness, Math.max(...items.map((i) => i.informativeness)));
});

test('a burst of near-duplicates does not fill the queue', () => {
  // 30 copies of one complaint with small edits, all more uncertain than anything else.
  const burst = Array.from({ length: 30 }, (_, i) => dialogue(`你们这个订单${i}号怎么还没发货啊，我都等了好几天了，到底什么时候发`, 0.95 + i / 1000));
  const others = topics.map((t, i) => dialogue(t, 0.4 + i / 100));
  assert.ok(jaccard(burst[0].signature.tokens, burst[1].signature.tokens) > 0.8, 'the burst is near-duplicate text');
  const ordered = orderForReview([...burst, ...others], { limit: 10 });
  const fromBurst = ordered.filter((o) => burst.includes(o.item)).length;
  assert.equal(fromBurst, 1, 'one representative of the burst');
  assert.equal(ordered[0].item.informativeness, burst[29].informativeness, 'and it comes first: it is the least certain');
  // Without the diversity term the burst would take every place: the test can fail.
  const plain = orderForReview([...burst, ...others], { limit: 10, diversity: 0, duplicateSimilarity: 2 });
  assert.equal(plain.filter((o) => burst.includes(o.item)).length, 10);
});

test('an item like one already labelled waits behind the others', () => {
  const labelled = [{ content: 'x', tokens: textTokens('这个杯子会生锈吗？') }];
  const items = [dialogue('这个杯子会生锈吗', 0.9), dialogue('台灯能调亮度吗', 0.5)];
  const ordered = orderForReview(items, { limit: 2, labelled });
  assert.equal(ordered[0].item.text, '台灯能调亮度吗');
  assert.ok(ordered[1].nearest > 0.8);
});

test('the image difference hash finds a re-encoded screenshot and tells two apart', async () => {
  const order = readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url));
  const refund = readFileSync(new URL('../../examples/screenshots/refund.png', import.meta.url));
  const a = await imageDHash(order);
  const reencoded = await imageDHash(await sharp(order).resize({ width: 300 }).jpeg({ quality: 60 }).toBuffer());
  const b = await imageDHash(refund);
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.ok(dHashSimilarity(a, reencoded) >= 0.9, `re-encoded: ${dHashSimilarity(a, reencoded)}`);
  assert.ok(dHashSimilarity(a, b) < 0.85, `different pages: ${dHashSimilarity(a, b)}`);
  assert.equal(dHashSimilarity(a, a), 1);
  // Refused as the image check refuses, with a name that reads ("image image is…" before).
  await assert.rejects(imageDHash(order.subarray(0, order.length >> 1)), /: image given as bytes is corrupt or not a supported image/);
});
