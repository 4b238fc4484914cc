// test: serial
// GET /v1/review builds its answer in slices, serialisation included: 100 stored dialogues of
// 100,000 characters are about 30 MB of JSON, which serialised in one go held the event loop a few
// hundred ms. And the answer is byte for byte what the route answered when it serialised it whole
// (fixtures/review-golden.json was written by that code, over the deterministic store below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../src/feedback/image-folder.js';
import { FeedbackStore, type PredictionRecord } from '../../src/feedback/store.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { KEY, solidPng, startServer } from '../server/helpers.js';

let seed = 23;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const han = (length: number): string => String.fromCharCode(...Array.from({ length }, () => 0x4e00 + Math.floor(random() * 20902)));
const T0 = Date.UTC(2026, 11, 1);

function intentRecord(i: number, turns: PredictionRecord['turns'], margin: number, contentHash = `intent-${i}`): Omit<PredictionRecord, 'images'> {
  const top = 0.3 + margin / 2;
  return {
    requestId: `req-intent-${String(i).padStart(3, '0')}`,
    task: 'intent',
    createdAt: T0 + i * 1000,
    contentHash,
    turns,
    label: '质量',
    confidence: top,
    margin,
    entropy: 1 - margin,
    ranked: [
      { label: '质量', coarse: '商品', confidence: top },
      { label: '物流', coarse: '物流', confidence: top - margin },
    ],
    modelVersion: 'fake-intent@1',
    keyHash: null,
  };
}

async function fillDeterministic(store: FeedbackStore): Promise<void> {
  const png = await solidPng(8, 8, [200, 30, 30]);
  const texts = [
    '这件衣服会缩水吗',
    '这件衣服会缩水吗？洗了以后',
    '快递到哪里了 "quoted" and a \\ backslash',
    'line\nbreak\ttab \u2028 separator \u0001 control 😀',
    '发票怎么开',
    '发票怎么开具，公司抬头',
    '退货运费谁出',
    '尺码偏大还是偏小',
    '颜色和图片一样吗',
    '什么时候发货',
  ];
  for (const [i, text] of texts.entries()) {
    const withImage = i === 2;
    const turns = [
      { role: 'user' as const, text, images: withImage ? [sha256Hex(png)] : [] },
      { role: 'agent' as const, text: `回复${i}`, images: [] },
    ];
    const images = withImage ? [{ bytes: png, dhash: 'ffff0000ffff0000' }] : [];
    await store.record(intentRecord(i, turns, ((i * 37) % 100) / 100), images);
  }
  // The same content again (one per content in the queue) and two labelled ones.
  await store.record(intentRecord(10, [{ role: 'user', text: texts[4], images: [] }, { role: 'agent', text: '回复4', images: [] }], 0.05, 'intent-4'));
  await store.record(intentRecord(11, [{ role: 'user', text: '这件衣服会不会缩水', images: [] }], 0.5));
  await store.record(intentRecord(12, [{ role: 'user', text: '退货的运费谁来出', images: [] }], 0.6));
  store.correct({ requestId: 'req-intent-011', label: '质量', keyHash: null });
  store.correct({ requestId: 'req-intent-012', label: '物流', keyHash: null });
  await store.record(
    {
      requestId: 'req-scene-000',
      task: 'scene',
      createdAt: T0,
      contentHash: 'scene-0',
      turns: [{ role: 'user', text: '', images: [sha256Hex(png)] }],
      label: 'order',
      confidence: 0.6,
      margin: 0.3,
      entropy: 0.5,
      ranked: [{ label: 'order', coarse: 'order', confidence: 0.6 }],
      modelVersion: 'fake-scene@1',
      keyHash: null,
    },
    [{ bytes: png, dhash: 'ffff0000ffff0000' }],
  );
}

const tmpDb = (name: string): string => join(mkdtempSync(join(tmpdir(), `ecommir-review-${name}-`)), 'feedback.db');

test('GET /v1/review answers byte for byte what it answered when it serialised the answer whole', async () => {
  const feedback = FeedbackStore.open({ path: tmpDb('golden'), maxAgeDays: 0, now: () => T0 + 60_000 });
  await fillDeterministic(feedback);
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  try {
    const golden = JSON.parse(readFileSync(new URL('./fixtures/review-golden.json', import.meta.url), 'utf8')) as Record<string, string>;
    for (const [query, expected] of Object.entries(golden)) {
      const response = await fetch(`${server.url}/v1/review?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
      const text = await response.text();
      assert.equal(response.status, 200, query);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/, query);
      assert.equal(text, expected, query);
      assert.deepEqual(JSON.parse(text), JSON.parse(expected), query);
    }
  } finally {
    await server.close();
    feedback.close();
  }
});

test('GET /v1/review of 100 dialogues of 100,000 characters (about 30 MB of JSON) never holds the event loop long', async () => {
  const feedback = FeedbackStore.open({ path: tmpDb('stream'), maxAgeDays: 0 });
  for (let i = 0; i < 100; i++) {
    await feedback.record({ ...intentRecord(i, Array.from({ length: 5 }, () => ({ role: 'user' as const, text: han(20_000), images: [] })), random()), createdAt: Date.now() });
  }
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  try {
    // A stall is the time between two ticks of a 5 ms timer, counted as the lesser of the wall
    // clock and the process's CPU time meanwhile: on a loaded machine (other test runs, another
    // worktree's build) the process may simply not be scheduled, which is not the route holding
    // the loop; work on the loop uses CPU time as it goes.
    let worst = 0;
    let worstWall = 0;
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    const tick = (): void => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      worstWall = Math.max(worstWall, now - last);
      worst = Math.max(worst, Math.min(now - last, (cpu.user + cpu.system) / 1000));
      last = now;
      lastCpu = process.cpuUsage();
    };
    const ticker = setInterval(tick, 5);
    const chunks: Buffer[] = [];
    let status = 0;
    try {
      // The body is only collected meanwhile (the client runs on this event loop too); parsed after.
      const response = await fetch(`${server.url}/v1/review?task=intent&limit=100`, { headers: { authorization: `Bearer ${KEY}` } });
      status = response.status;
      for await (const chunk of response.body!) chunks.push(Buffer.from(chunk));
      tick();
    } finally {
      clearInterval(ticker);
    }
    const body = Buffer.concat(chunks);
    assert.equal(status, 200);
    assert.ok(body.length > 25e6, `${body.length} bytes`);
    const answer = JSON.parse(body.toString('utf8')) as { items: { requestId: string; dialogue: { text: string }[] }[] };
    assert.equal(answer.items.length, 100);
    assert.equal(new Set(answer.items.map((i) => i.requestId)).size, 100);
    assert.equal(answer.items[0].dialogue[0].text.length, 20_000);
    // Serialised whole this was ~340 ms here (2 cores; 320–730 ms by the wall clock); streamed in
    // slices 40–85 ms: one signature of a 100,000-character dialogue (10–45 ms unloaded, one step
    // of its own), a scavenge over the dialogues (up to 55 ms seen with --trace-gc), the HTTP client
    // on the same loop.
    assert.ok(worst < 150, `the event loop was held ${worst.toFixed(0)} ms at once (${worstWall.toFixed(0)} ms by the wall clock)`);
  } finally {
    await server.close();
    feedback.close();
  }
});
