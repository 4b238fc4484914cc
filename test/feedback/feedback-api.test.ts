// The feedback API on a real server: requestIds on every answer, corrections (201, unknown label
// 400 with the allowed labels, unknown request 404, replace with history, undo), the review queue
// with the shipped intent model (least certain first, near-duplicates held back), stored images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedbackStore } from '../../src/feedback/store.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { imageDHash } from '../../src/vision/difference-hash.js';
import { FAKES_MODULE, FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { KEY, startServer, type RunningServer } from '../server/helpers.js';

const tmpDb = (): string => join(mkdtempSync(join(tmpdir(), 'ecommir-feedback-api-')), 'feedback.db');

async function call(server: RunningServer, method: string, path: string, body?: unknown, key: string | null = KEY) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined, bytes: text };
}

test('every /v1 answer carries a requestId, also without the feedback store', async () => {
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } });
  try {
    const intent = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] });
    assert.equal(intent.status, 200);
    assert.match(intent.json.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(intent.headers.get('x-request-id'), intent.json.requestId);
    const again = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗' }] });
    assert.notEqual(again.json.requestId, intent.json.requestId);
    const png = readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url)).toString('base64');
    const batch = await server.post('/v1/batch', { samples: [{ dialogue: [{ role: 'user', text: '褪色吗' }] }, { image: png }, { image: 'bad!' }] });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.json.results.map((r: { requestId: string }) => r.requestId), [0, 1, 2].map((i) => `${batch.json.requestId}-${i}`));
    const error = await server.post('/v1/intent', { dialogue: [] });
    assert.equal(error.status, 400);
    assert.equal(error.json.requestId, error.headers.get('x-request-id'));
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [['/v1/feedback', 'post'], ['/v1/review', 'get'], ['/v1/feedback/{requestId}', 'delete'], ['/v1/admin/reload', 'post'], ['/v1/admin/rollback', 'post']]) {
      assert.ok(doc.paths[path.replace('{requestId}', ':requestId')]?.[method] ?? doc.paths[path]?.[method], `${method} ${path} in /openapi.json`);
    }
    const off = await server.post('/v1/feedback', { requestId: intent.json.requestId, label: '商品材质' });
    assert.equal(off.status, 404);
    assert.match(off.json.error.message, /--feedback-db/);
  } finally {
    await server.close();
  }
});

test('corrections: 201, unknown label 400 with the allowed labels, unknown request 404, replace with history, undo', async () => {
  const feedback = FeedbackStore.open({ path: tmpDb() });
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  try {
    const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }, { role: 'agent', text: '不会' }] });
    const requestId = answer.json.requestId as string;
    assert.ok(answer.json.prediction.ranked.length <= 5, 'the answer is still cut to topK');

    const stored = await call(server, 'GET', `/v1/feedback/${requestId}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.json.prediction.label, answer.json.prediction.label);
    assert.deepEqual(stored.json.dialogue.map((t: { text: string }) => t.text), ['这个杯子会生锈吗', '不会']);
    assert.equal(stored.json.label, null);

    const unknown = await server.post('/v1/feedback', { requestId, label: '不存在的标签' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'ECM_ERR_UNKNOWN_LABEL');
    assert.deepEqual(unknown.json.details.allowed, new FakeIntentRecognizer().labels);
    assert.match(unknown.json.error.message, /是否会生锈/);

    const sceneLabel = await server.post('/v1/feedback', { requestId, label: '订单详情页面' });
    assert.equal(sceneLabel.status, 400, 'a scene label for an intent prediction');

    const missing = await server.post('/v1/feedback', { requestId: 'no-such-request', label: '商品材质' });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'ECM_ERR_NOT_FOUND');

    const extra = await server.post('/v1/feedback', { requestId, label: '商品材质', who: 'me' });
    assert.equal(extra.status, 400, 'strict body');
    // Half a surrogate pair cannot be stored as UTF-8: it came back as U+FFFD. Now it is refused by name.
    const cut = await server.post('/v1/feedback', { requestId, label: '商品材质', note: 'a\ud800b' });
    assert.equal(cut.status, 400);
    assert.match(cut.json.error.message, /^note holds half of a UTF-16 surrogate pair/);
    assert.equal((await call(server, 'GET', `/v1/feedback/${requestId}`)).json.history.length, 0, 'nothing stored');

    const first = await server.post('/v1/feedback', { requestId, label: '商品材质' });
    assert.equal(first.status, 201);
    assert.equal(first.json.replaced, undefined);
    const second = await server.post('/v1/feedback', { requestId, label: '是否会生锈', note: 'the customer asks about rust' });
    assert.equal(second.status, 201);
    assert.equal(second.json.replaced.label, '商品材质');
    const after = await call(server, 'GET', `/v1/feedback/${requestId}`);
    assert.equal(after.json.label, '是否会生锈');
    assert.deepEqual(after.json.history.map((h: { label: string }) => h.label), ['商品材质', '是否会生锈']);
    assert.equal(after.json.history[1].note, 'the customer asks about rust');
    assert.equal(after.json.history[0].keyHash, feedback.keyHash(KEY));
    assert.notEqual(after.json.history[0].keyHash, KEY);

    const undo = await call(server, 'DELETE', `/v1/feedback/${requestId}`);
    assert.deepEqual(undo.json, { requestId, retracted: '是否会生锈', label: '商品材质' });

    const noKey = await call(server, 'POST', '/v1/feedback', { requestId, label: '商品材质' }, null);
    assert.equal(noKey.status, 401);
  } finally {
    await server.close();
  }
});

/** A request written by hand (`send` writes its body, if any, and ends it); the answer's status and JSON. */
function rawRequest(server: RunningServer, method: string, path: string, headers: Record<string, string>, send: (req: ClientRequest) => void): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(server.url + path, { method, headers: { authorization: `Bearer ${KEY}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    send(req);
  });
}

/** A request as curl sends `curl -X DELETE -H 'content-type: …' URL`: the header, no body, and no content-length. */
function bodiless(server: RunningServer, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  return rawRequest(server, method, path, headers, (req) => req.end());
}

/** A service with one stored dialogue corrected three times (商品材质, 是否会生锈, 是否易褪色), for the DELETE tests. */
async function withThreeCorrections(fn: (server: RunningServer, requestId: string, path: string) => Promise<void>): Promise<void> {
  const feedback = FeedbackStore.open({ path: tmpDb() });
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  try {
    const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] });
    const requestId = answer.json.requestId as string;
    for (const label of ['商品材质', '是否会生锈', '是否易褪色']) assert.equal((await server.post('/v1/feedback', { requestId, label })).status, 201);
    await fn(server, requestId, `/v1/feedback/${requestId}`);
  } finally {
    await server.close();
  }
}

test('a DELETE with no body is taken whatever its content type says; with nothing to undo it is 200 and says so', () =>
  withThreeCorrections(async (server, requestId, path) => {
    // The header with no body at all (curl), and with content-length: 0 (fetch and others).
    const json = await bodiless(server, 'DELETE', path, { 'content-type': 'application/json' });
    assert.equal(json.status, 200, JSON.stringify(json.json));
    assert.deepEqual(json.json, { requestId, retracted: '是否易褪色', label: '是否会生锈' });
    const zero = await bodiless(server, 'DELETE', path, { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' });
    assert.equal(zero.status, 200, JSON.stringify(zero.json));
    assert.deepEqual(zero.json, { requestId, retracted: '是否会生锈', label: '商品材质' });
    const form = await bodiless(server, 'DELETE', path, { 'content-type': 'multipart/form-data; boundary=x' });
    assert.equal(form.status, 200, JSON.stringify(form.json));
    assert.deepEqual(form.json, { requestId, retracted: '商品材质', label: null });
    // Nothing left to undo: still 200 (the prediction is there), with retracted null.
    const nothing = await bodiless(server, 'DELETE', path, { 'content-type': 'text/plain' });
    assert.equal(nothing.status, 200, JSON.stringify(nothing.json));
    assert.deepEqual(nothing.json, { requestId, retracted: null, label: null });
    assert.deepEqual((await call(server, 'GET', path)).json.history.map((h: { retractedAt: number | null }) => h.retractedAt !== null), [true, true, true]);
    // An unknown request is 404, with the header too (not a 400 about the body).
    const unknown = await bodiless(server, 'DELETE', '/v1/feedback/no-such-request', { 'content-type': 'application/json' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'ECM_ERR_NOT_FOUND');
  }));

/**
 * A DELETE whose body is chunked (`transfer-encoding: chunked`, the length not told before it is
 * read), the chunks written one by one with a pause between, then the terminating empty chunk.
 */
function chunked(server: RunningServer, path: string, headers: Record<string, string>, chunks: readonly string[]): Promise<{ status: number; json: any }> {
  return rawRequest(server, 'DELETE', path, { 'transfer-encoding': 'chunked', ...headers }, (req) => {
    req.flushHeaders();
    const next = (i: number): void => {
      if (i === chunks.length) return void req.end();
      req.write(chunks[i]);
      setTimeout(() => next(i + 1), 20);
    };
    setTimeout(() => next(0), 20);
  });
}

test('a DELETE with a chunked, empty body is taken as one with no body; a chunked body is read as before', () =>
  withThreeCorrections(async (server, requestId, path) => {
    const json = await chunked(server, path, { 'content-type': 'application/json' }, []);
    assert.equal(json.status, 200, JSON.stringify(json.json));
    assert.deepEqual(json.json, { requestId, retracted: '是否易褪色', label: '是否会生锈' });
    const untyped = await chunked(server, path, {}, []);
    assert.equal(untyped.status, 200, JSON.stringify(untyped.json));
    assert.deepEqual(untyped.json, { requestId, retracted: '是否会生锈', label: '商品材质' });
    // A body, chunked, is read whole as before: JSON in two chunks parsed, not-JSON refused, no type 415.
    const split = await chunked(server, path, { 'content-type': 'application/json' }, ['{', '}']);
    assert.equal(split.status, 200, JSON.stringify(split.json));
    assert.deepEqual(split.json, { requestId, retracted: '商品材质', label: null });
    const bad = await chunked(server, path, { 'content-type': 'application/json' }, ['{"a":', ' x}']);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'ECM_ERR_BAD_JSON');
    assert.match(bad.json.error.message, /not valid JSON/);
    assert.equal((await chunked(server, path, {}, ['x'])).status, 415);
    // A DELETE takes no body: one past a kilobyte is refused, not read whole and thrown away.
    const large = await chunked(server, path, { 'content-type': 'application/json' }, ['{"pad":"', 'x'.repeat(2048), '"}']);
    assert.equal(large.status, 413, JSON.stringify(large.json));
    // An unknown request is 404 (not a 400 about the body).
    const unknown = await chunked(server, '/v1/feedback/no-such-request', { 'content-type': 'application/json' }, []);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'ECM_ERR_NOT_FOUND');
  }));

test('stored scene images are served back to a key holder, with the right type', async () => {
  const feedback = FeedbackStore.open({ path: tmpDb() });
  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback });
  try {
    const png = readFileSync(new URL('../../examples/screenshots/refund.png', import.meta.url));
    const answer = await server.post('/v1/scene', { image: png.toString('base64') });
    const review = await call(server, 'GET', '/v1/review?task=scene&limit=5');
    assert.equal(review.status, 200);
    // The query's faults in words (ajv's "must match pattern \"^(100|[1-9][0-9]?)$\"", and no list of tasks).
    const zero = await call(server, 'GET', '/v1/review?task=scene&limit=0');
    assert.equal(zero.status, 400);
    assert.match(zero.json.error.message, /querystring\/limit must be a whole number from 1 to 100/);
    const foo = await call(server, 'GET', '/v1/review?task=foo');
    assert.match(foo.json.error.message, /querystring\/task must be one of "scene", "intent"/);
    assert.equal(review.json.items.length, 1);
    assert.equal(review.json.items[0].requestId, answer.json.requestId);
    const url = review.json.items[0].image.url as string;
    const image = await fetch(server.url + url, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await image.arrayBuffer()).equals(png));
    assert.equal((await fetch(server.url + url)).status, 401);
    assert.equal((await call(server, 'GET', '/v1/review/images/../../etc/passwd')).status, 404);
  } finally {
    await server.close();
  }
});

test('a stored screenshot keeps its similarity hash, asked of the runtime with its prediction (in this process, and from the image worker); the answer does not carry it', { timeout: 90_000 }, async () => {
  const png = readFileSync(new URL('../../examples/screenshots/refund.png', import.meta.url));
  const expected = await imageDHash(png);
  const runtimes = {
    'in this process': { recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } },
    // imageIdle false: another test file runs beside this one, and a SCHED_IDLE image process would wait for it.
    'in worker lanes': { workers: { source: { module: FAKES_MODULE, export: 'createRecognizerSet', args: {} }, cache: { disabled: true }, imageIdle: false } },
  };
  for (const [where, runtime] of Object.entries(runtimes)) {
    const feedback = FeedbackStore.open({ path: tmpDb() });
    const server = await startServer({ ...runtime, feedback, limits: { rateLimitPerMinute: 0 } });
    try {
      const answer = await server.post('/v1/scene', { image: png.toString('base64') });
      assert.equal(answer.status, 200, where);
      assert.equal('imageHashes' in answer.json.prediction, false, where);
      const stored = feedback.prediction(answer.json.requestId);
      assert.deepEqual(stored?.images.map((i) => i.dhash), [expected], where);
    } finally {
      await server.close();
    }
  }
});

test('the review queue returns the least certain predictions of the shipped intent model first, and holds back near-duplicates', async () => {
  const intent = await IntentRecognizer.load(join(DEFAULT_MODELS_DIR, 'intent'));
  const feedback = FeedbackStore.open({ path: tmpDb() });
  const server = await startServer({ recognizers: { intent }, feedback, topK: 23 });
  try {
    const texts = [
      '这个杯子用久了会生锈吗',
      '衣服洗了会不会掉色',
      '这款面霜一天用几次，每次用多少',
      '台灯的亮度可以调节吗',
      '什么时候补货呀',
      '拍两件的话发几件',
      '这个外壳是什么材质的',
      '有没有适合夏天穿的推荐一下',
      '在地下室信号怎么样',
      '皮鞋要怎么保养',
      '礼盒装和普通装有什么不一样',
      '你好',
      '嗯嗯',
      '这个东西怎么样啊',
    ];
    const margins = new Map<string, number>();
    for (const text of texts) {
      const r = await server.post('/v1/intent', { dialogue: [{ role: 'user', text }] });
      assert.equal(r.status, 200);
      const [a, b] = r.json.prediction.ranked;
      margins.set(r.json.requestId, a.confidence - b.confidence);
    }
    const review = await call(server, 'GET', `/v1/review?task=intent&limit=${texts.length}`);
    assert.equal(review.status, 200);
    assert.equal(review.json.counts.unlabelled, texts.length);
    // Every stored dialogue comes back (the order check below covered only what came back).
    assert.equal(review.json.items.length, texts.length);
    const got = review.json.items.map((i: { requestId: string }) => margins.get(i.requestId)!);
    const near = review.json.items.map((i: { nearest: number }) => i.nearest);
    assert.ok(near.every((n: number) => n < 0.3), `these dialogues are distinct: ${near}`);
    const expected = [...margins.values()].sort((x, y) => x - y);
    got.forEach((m: number, i: number) => assert.ok(Math.abs(m - expected[i]) < 1e-6, `item ${i}: margin ${m}, expected ${expected[i]}`));
    assert.ok(expected[0] < expected[expected.length - 1] - 0.2, 'the margins spread: the order means something');

    // A burst: 20 near-copies of the least certain dialogue arrive; the next page holds one of them.
    const top = review.json.items[0].dialogue[0].text as string;
    for (let i = 0; i < 20; i++) await server.post('/v1/intent', { dialogue: [{ role: 'user', text: `${top}${'！'.repeat(i % 3 + 1)}${i}` }] });
    const after = await call(server, 'GET', '/v1/review?task=intent&limit=10');
    const texts10 = after.json.items.map((i: { dialogue: { text: string }[] }) => i.dialogue[0].text as string);
    const copies = texts10.filter((t: string) => t.startsWith(top));
    assert.equal(copies.length, 1, `one of the burst (or the original) in the first 10: ${texts10.join(' | ')}`);

    // Labelled ones leave the queue.
    const first = after.json.items[0].requestId;
    assert.equal((await server.post('/v1/feedback', { requestId: first, label: '用法用量' })).status, 201);
    const next = await call(server, 'GET', '/v1/review?task=intent&limit=50');
    assert.ok(!next.json.items.some((i: { requestId: string }) => i.requestId === first));
    assert.equal(next.json.counts.labelled, 1);
  } finally {
    await server.close();
  }
});
