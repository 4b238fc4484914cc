// Shutdown during a review: app.close() (what serve does on SIGTERM) while a GET /v1/review is
// still reading and ordering in event-loop slices. The store is closed by an onClose hook of the
// app, and Fastify's own onClose handler, which closes the HTTP server and waits for the requests
// in flight, is registered later (at ready) and so runs first: the review finishes with its answer
// and the store is closed after it. This pins that order (a store closed in preClose, or before
// app.close(), would fail the review with "The database connection is not open").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedbackStore } from '../../src/feedback/store.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { KEY, startServer } from '../server/helpers.js';

let seed = 5;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const han = (length: number): string => String.fromCharCode(...Array.from({ length }, () => 0x4e00 + Math.floor(random() * 20902)));

test('closing the service while a review is being ordered lets the review finish, then closes the store', async () => {
  const feedback = FeedbackStore.open({ path: join(mkdtempSync(join(tmpdir(), 'ecommir-review-shutdown-')), 'feedback.db'), maxAgeDays: 0 });
  for (let i = 0; i < 40; i++) {
    await feedback.record({
      requestId: `r${i}`,
      task: 'intent',
      createdAt: Date.now(),
      contentHash: `h${i}`,
      turns: [{ role: 'user', text: han(20_000), images: [] }],
      label: '商品材质',
      confidence: 0.5,
      margin: random(),
      entropy: 0.5,
      ranked: [{ label: '商品材质', coarse: '商品信息咨询', confidence: 0.5 }],
      modelVersion: 'v',
      keyHash: null,
    });
  }
  feedback.correct({ requestId: 'r0', label: '商品材质', keyHash: null });
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  // The route asks for the pool's ids first, then reads rows, signs and orders them in slices.
  let started!: () => void;
  const inHandler = new Promise<void>((resolve) => (started = resolve));
  const unlabelledIds = feedback.unlabelledIds.bind(feedback);
  feedback.unlabelledIds = (...args) => {
    started();
    return unlabelledIds(...args);
  };
  const events: string[] = [];
  const counts = feedback.counts.bind(feedback);
  feedback.counts = (...args) => {
    events.push('review read its last rows');
    return counts(...args);
  };
  const close = feedback.close.bind(feedback);
  feedback.close = () => {
    events.push('store closed');
    close();
  };
  const review = fetch(`${server.url}/v1/review?task=intent&limit=100`, { headers: { authorization: `Bearer ${KEY}` } });
  await inHandler;
  events.push('app.close()');
  const closed = server.close();
  const response = await review;
  const body = (await response.json()) as { items: { requestId: string }[]; counts: { unlabelled: number } };
  await closed;
  assert.deepEqual(events, ['app.close()', 'review read its last rows', 'store closed']);
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.items.length, 39);
  assert.equal(body.counts.unlabelled, 39);
  assert.throws(() => feedback.prediction('r1'), /not open/, 'the store is closed once the review is done');
});
