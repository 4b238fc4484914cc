// test: serial
// The audit's hostile review queue: 300 candidates and 200 labelled dialogues of 20,000 random Han
// characters each, 100 asked for. Compared as whole bigram sets on the event loop this took 90 s
// with every timer held up; sketched and sliced, a 10 ms ticker keeps ticking and it ends in seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderForReview, orderForReviewAsync } from '../../src/feedback/review-order.js';
import { textTokens } from '../../src/feedback/similarity.js';

let seed = 11;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const han = (length: number): string => String.fromCharCode(...Array.from({ length }, () => 0x4e00 + Math.floor(random() * 20902)));

test('ordering a hostile review queue keeps the event loop responsive and ends in seconds', async () => {
  const started = performance.now();
  const candidates = Array.from({ length: 300 }, (_, i) => ({ informativeness: random(), signature: { content: `c${i}`, tokens: textTokens(han(20_000)) } }));
  const labelled = Array.from({ length: 200 }, (_, i) => ({ content: `l${i}`, tokens: textTokens(han(20_000)) }));
  let worstGap = 0;
  let last = performance.now();
  const tick = (): void => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  };
  const ticker = setInterval(tick, 10);
  const ordered = await orderForReviewAsync(candidates, { limit: 100, labelled }).finally(() => clearInterval(ticker));
  tick(); // the stretch since the last tick counts too
  const seconds = (performance.now() - started) / 1000;
  assert.equal(ordered.length, 100);
  assert.ok(worstGap < 200, `the event loop was held ${worstGap.toFixed(0)} ms at once`);
  assert.ok(seconds < 10, `signatures and order took ${seconds.toFixed(1)} s`);
  assert.deepEqual(
    ordered.map((o) => o.item),
    orderForReview(candidates, { limit: 100, labelled }).map((o) => o.item),
    'the same order as the synchronous call',
  );
});
