// test: serial (asserts which request answers first while others are busy; scripts/test.ts runs it alone)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/runtime/work-queue.js';
import { FakeIntentRecognizer } from './fakes.js';
import { sleep, startServer } from './helpers.js';

const dialogue = (text: string) => ({ dialogue: [{ role: 'user', text }] });

test('a burst of 20 parallel requests is queued and all are answered', async () => {
  const intent = new FakeIntentRecognizer({ delayMs: 20 });
  const server = await startServer({ recognizers: { intent }, limits: { textConcurrency: 2, textMaxQueue: 32 } });
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => server.post('/v1/intent', { id: `r${i}`, ...dialogue('推荐') })));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
    assert.deepEqual(answers.map((a) => a.json.prediction.id), Array.from({ length: 20 }, (_, i) => `r${i}`));
    assert.equal(intent.calls, 20);
  } finally {
    await server.close();
  }
});

test('a full queue answers 503 ECM_ERR_BUSY with Retry-After', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer({ delayMs: 300 }) }, limits: { textConcurrency: 1, textMaxQueue: 1 } });
  try {
    const answers = await Promise.all(Array.from({ length: 4 }, () => server.post('/v1/intent', dialogue('推荐'))));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 503, 503]);
    const busy = answers.find((a) => a.status === 503)!;
    assert.equal(busy.json.error.code, 'ECM_ERR_BUSY');
    assert.equal(busy.headers.get('retry-after'), '1');
  } finally {
    await server.close();
  }
});

test('a request past its deadline is 504 ECM_ERR_TIMEOUT; one still queued is dropped unrun', async () => {
  const intent = new FakeIntentRecognizer({ delayMs: 400 });
  const server = await startServer({ recognizers: { intent }, limits: { textConcurrency: 1, timeoutMs: 150 } });
  try {
    const [first, second] = await Promise.all([server.post('/v1/intent', dialogue('a')), server.post('/v1/intent', dialogue('b'))]);
    assert.equal(first.status, 504);
    assert.equal(first.json.error.code, 'ECM_ERR_TIMEOUT');
    assert.equal(second.status, 504);
    await sleep(500);
    assert.equal(intent.calls, 1, 'the queued request never reached the recogniser');
  } finally {
    await server.close();
  }
});

test('close() lets in-flight requests finish, then refuses new connections', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer({ delayMs: 300 }) } });
  const inFlight = server.post('/v1/intent', dialogue('怎么用'));
  await sleep(80);
  const closed = server.close();
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.equal(answer.json.prediction.label, '用法用量');
  await closed;
  await assert.rejects(fetch(`${server.url}/healthz`));
});

test('WorkQueue: never more than `concurrency` at once, FIFO, refuses past maxQueue', async () => {
  const queue = new WorkQueue(2, 3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const job = (i: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    await sleep(10);
    order.push(i);
    running--;
    return i;
  };
  const jobs = [0, 1, 2, 3, 4].map((i) => queue.run(job(i)));
  await assert.rejects(queue.run(job(5)), { code: 'ECM_ERR_BUSY' });
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.deepEqual(order.slice(2), [2, 3, 4]);
  const aborted = new AbortController();
  const blockers = [queue.run(job(6)), queue.run(job(7))];
  const waiting = queue.run(job(8), aborted.signal);
  aborted.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  assert.equal(queue.queued, 0);
  await Promise.all(blockers);
});
