// Reviewer keys: with them configured, any other key reads, corrects and undoes only the requests made
// with it (another key's answers 404 exactly as an unknown one), and gets 403 on the review queue and the
// stored images; a reviewer key and the keyless local page do everything. Without them every key does
// everything, as before. The admin routes stay for admin keys alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedbackStore } from '../../src/feedback/store.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import type { BuildAppOptions } from '../../src/server/options.js';
import { startServer, type RunningServer } from '../server/helpers.js';

const A = 'client-a-0123456789abcdef';
const B = 'client-b-0123456789abcdef';
const REVIEWER = 'reviewer-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';

const tmpDb = (): string => join(mkdtempSync(join(tmpdir(), 'ecommir-reviewer-keys-')), 'feedback.db');
const recognizers = () => ({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() });
const png = readFileSync(new URL('../../examples/screenshots/refund.png', import.meta.url));

async function call(server: RunningServer, method: string, path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

/** A service with a fresh feedback store and these options, closed after `use`. */
async function withService(options: Omit<BuildAppOptions, 'recognizers' | 'feedback'>, use: (server: RunningServer, feedback: FeedbackStore) => Promise<void>): Promise<void> {
  const feedback = FeedbackStore.open({ path: tmpDb() });
  const server = await startServer({ recognizers: recognizers(), feedback, ...options });
  try {
    await use(server, feedback);
  } finally {
    await server.close();
  }
}

/** A dialogue classified with `key`, and its requestId. */
async function classify(server: RunningServer, key: string | null, text: string): Promise<string> {
  const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text }] }, key);
  assert.equal(answer.status, 200);
  return answer.json.requestId as string;
}

/** What an unknown requestId gets on this route, with `requestId` in its place: the answer another key's request must get. */
async function unknownAnswer(server: RunningServer, method: string, key: string, requestId: string) {
  const unknown = 'no-such-request-0000';
  const path = method === 'POST' ? '/v1/feedback' : `/v1/feedback/${unknown}`;
  const answer = await call(server, method, path, key, method === 'POST' ? { requestId: unknown, label: '商品材质' } : undefined);
  assert.equal(answer.status, 404);
  return { status: 404, code: answer.json.error.code, message: (answer.json.error.message as string).replace(JSON.stringify(unknown), JSON.stringify(requestId)) };
}

const shape = (answer: { status: number; json: any }) => ({ status: answer.status, code: answer.json?.error?.code, message: answer.json?.error?.message });

test('with reviewer keys, a key reads, corrects and undoes only its own requests; another key\'s is 404 as an unknown one', async () => {
  await withService({ auth: { apiKeys: [A, B], reviewerKeys: [REVIEWER] } }, async (server, feedback) => {
    const mine = await classify(server, A, '这个杯子会生锈吗');
    const theirs = await classify(server, B, '会褪色吗');

    // A's own request: read, correct, undo.
    assert.equal((await call(server, 'GET', `/v1/feedback/${mine}`, A)).status, 200);
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '商品材质' })).status, 201);
    const undo = await call(server, 'DELETE', `/v1/feedback/${mine}`, A);
    assert.equal(undo.status, 200);
    assert.equal(undo.json.retracted, '商品材质');

    // A reviewer's label on A's request: A sees the label but not the reviewer's note or key, and cannot undo it.
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '商品材质' })).status, 201);
    assert.equal((await call(server, 'POST', '/v1/feedback', REVIEWER, { requestId: mine, label: '是否会生锈', note: 'checked by the team' })).status, 201);
    const seen = await call(server, 'GET', `/v1/feedback/${mine}`, A);
    assert.equal(seen.json.label, '是否会生锈');
    const reviewed = seen.json.history.at(-1);
    assert.deepEqual([reviewed.label, reviewed.note, reviewed.keyHash], ['是否会生锈', null, null]);
    assert.ok(seen.json.history.at(-2).keyHash, "A's own entry keeps its key hash");
    const ownUndo = await call(server, 'DELETE', `/v1/feedback/${mine}`, A);
    assert.equal(ownUndo.json.retracted, '商品材质', "A's undo takes back A's own label");
    assert.equal(ownUndo.json.label, '是否会生锈', "the reviewer's label stays");
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${mine}`, A)).json.retracted, null, 'nothing of A\'s left to undo');
    assert.equal(feedback.prediction(mine)?.correction?.label, '是否会生锈');
    assert.equal((await call(server, 'GET', `/v1/feedback/${mine}`, REVIEWER)).json.history.at(-1).note, 'checked by the team', 'a reviewer sees the note');

    // B's request, asked with A's key: every route answers as for an unknown requestId.
    assert.deepEqual(shape(await call(server, 'GET', `/v1/feedback/${theirs}`, A)), await unknownAnswer(server, 'GET', A, theirs));
    assert.deepEqual(shape(await call(server, 'POST', '/v1/feedback', A, { requestId: theirs, label: '商品材质' })), await unknownAnswer(server, 'POST', A, theirs));
    // A label that is not the task's would be 400 on a visible request, naming the task's labels: still 404.
    assert.deepEqual(shape(await call(server, 'POST', '/v1/feedback', A, { requestId: theirs, label: '不存在的标签' })), await unknownAnswer(server, 'POST', A, theirs));
    assert.deepEqual(shape(await call(server, 'DELETE', `/v1/feedback/${theirs}`, A)), await unknownAnswer(server, 'DELETE', A, theirs));
    assert.equal(feedback.history(theirs).length, 0, "A's attempts changed nothing");

    // B corrects its own; A still cannot undo it.
    assert.equal((await call(server, 'POST', '/v1/feedback', B, { requestId: theirs, label: '是否易褪色' })).status, 201);
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${theirs}`, A)).status, 404);
    assert.equal(feedback.prediction(theirs)?.correction?.label, '是否易褪色');
  });
});

test('with reviewer keys, another key gets 403 on the review queue and fetches only the images it sent; a reviewer and the local page get everything', async () => {
  // The same key in both lists is a reviewer.
  const auth = { apiKeys: [A, B, REVIEWER], reviewerKeys: [REVIEWER], anonymousLoopback: true };
  await withService({ auth, adminKeys: [ADMIN] }, async (server, feedback) => {
    const mine = await classify(server, A, '这个杯子会生锈吗');
    const scene = await server.post('/v1/scene', { image: png.toString('base64') }, B);
    assert.equal(scene.status, 200);
    const hash = (await call(server, 'GET', `/v1/feedback/${scene.json.requestId}`, REVIEWER)).json.image.hash as string;

    // B's image: A cannot fetch it (404, as a missing image); B, who sent it, can (GET /v1/feedback links it).
    const othersImage = await call(server, 'GET', `/v1/review/images/${hash}`, A);
    assert.equal(othersImage.status, 404);
    const unknownImage = await call(server, 'GET', `/v1/review/images/${'0'.repeat(64)}`, A);
    assert.equal(unknownImage.status, 404);
    assert.equal(othersImage.json.error.code, unknownImage.json.error.code);
    assert.match(othersImage.json.error.message, /^no stored image [0-9a-f]{64}$/);
    const ownImage = await fetch(`${server.url}/v1/review/images/${hash}`, { headers: { authorization: `Bearer ${B}` } });
    assert.equal(ownImage.status, 200);
    assert.ok(Buffer.from(await ownImage.arrayBuffer()).equals(png));

    for (const path of ['/v1/review?task=intent', '/v1/review?task=nope']) {
      const refused = await call(server, 'GET', path, A);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.json.error.code, 'ECM_ERR_FORBIDDEN');
      assert.match(refused.json.error.message, /needs a reviewer key .*--reviewer-keys-file/);
    }

    // A reviewer key: everyone's requests, the queue, the images; it is an API key for the rest too.
    await classify(server, REVIEWER, '能调光吗');
    const read = await call(server, 'GET', `/v1/feedback/${mine}`, REVIEWER);
    assert.equal(read.status, 200);
    assert.equal(read.json.requestId, mine);
    assert.equal((await call(server, 'POST', '/v1/feedback', REVIEWER, { requestId: mine, label: '商品材质' })).status, 201);
    assert.equal((await call(server, 'POST', '/v1/feedback', REVIEWER, { requestId: scene.json.requestId, label: '退款页面' })).status, 201);
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${mine}`, REVIEWER)).json.retracted, '商品材质');
    const review = await call(server, 'GET', '/v1/review?task=intent', REVIEWER);
    assert.equal(review.status, 200);
    assert.ok(review.json.items.some((item: { requestId: string }) => item.requestId === mine), "A's request is in the reviewer's queue");
    const image = await fetch(`${server.url}/v1/review/images/${hash}`, { headers: { authorization: `Bearer ${REVIEWER}` } });
    assert.equal(image.status, 200);
    assert.ok(Buffer.from(await image.arrayBuffer()).equals(png));

    // Keyless from this machine (the review page): the operator, a reviewer.
    assert.equal((await call(server, 'GET', '/v1/review?task=scene', null)).status, 200);
    assert.equal((await call(server, 'GET', `/v1/feedback/${mine}`, null)).status, 200);
    assert.equal((await call(server, 'GET', `/v1/review/images/${hash}`, null)).status, 200);

    // Model swaps stay with the admin keys: neither a client key nor a reviewer key opens them.
    for (const key of [A, REVIEWER]) assert.equal((await call(server, 'POST', '/v1/admin/rollback', key)).status, 401);
    assert.notEqual((await call(server, 'POST', '/v1/admin/rollback', ADMIN)).status, 401);
  });
});

test('without reviewer keys every key reads, relabels and undoes every request, as before', async () => {
  await withService({ auth: { apiKeys: [A, B] } }, async (server, feedback) => {
    const theirs = await classify(server, B, '会褪色吗');
    assert.equal((await call(server, 'GET', `/v1/feedback/${theirs}`, A)).status, 200);
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: theirs, label: '是否易褪色' })).status, 201);
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${theirs}`, A)).json.retracted, '是否易褪色');
    assert.equal((await call(server, 'GET', '/v1/review?task=intent', A)).status, 200);
    // An unknown requestId is still 404 on DELETE too.
    assert.equal((await call(server, 'DELETE', '/v1/feedback/no-such-request', A)).status, 404);
  });
});

test('with reviewer keys, a reviewer\'s label stands: a client\'s correction after it is 409 and changes nothing', async () => {
  await withService({ auth: { apiKeys: [A], reviewerKeys: [REVIEWER], anonymousLoopback: true } }, async (server, feedback) => {
    const mine = await classify(server, A, '这个杯子会生锈吗');
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '商品材质', note: 'my first look' })).status, 201);
    assert.equal((await call(server, 'POST', '/v1/feedback', REVIEWER, { requestId: mine, label: '是否会生锈' })).status, 201);
    const before = await call(server, 'GET', `/v1/feedback/${mine}`, A);

    const refused = await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '是否易褪色', note: 'disagree' });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'ECM_ERR_CONFLICT');
    assert.match(refused.json.error.message, /a reviewer has labelled request ".*", and a reviewer's label stands over a client's: this correction is not taken/);
    assert.match(refused.json.error.message, /correction is not taken/);

    // Nothing stored: A reads exactly what it read before, the reviewer's label current and A's own entry with its note.
    const after = await call(server, 'GET', `/v1/feedback/${mine}`, A);
    assert.equal(after.status, 200);
    assert.equal(after.json.label, '是否会生锈');
    assert.deepEqual(after.json, before.json);
    assert.deepEqual([after.json.history[0].label, after.json.history[0].note], ['商品材质', 'my first look']);
    assert.equal(feedback.history(mine).length, 2);
    assert.equal(feedback.prediction(mine)?.correction?.label, '是否会生锈');

    // A label that is not the task's is still the 400 naming the labels, not a 409.
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '不存在的标签' })).status, 400);

    // A undoes its own earlier correction, no longer current: that one goes, the reviewer's label stays; still 409 after.
    const undo = await call(server, 'DELETE', `/v1/feedback/${mine}`, A);
    assert.deepEqual([undo.status, undo.json.retracted, undo.json.label], [200, '商品材质', '是否会生锈']);
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${mine}`, A)).json.retracted, null, "A's undo never reaches the reviewer's label");
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '是否易褪色' })).status, 409);
    assert.equal(feedback.prediction(mine)?.correction?.label, '是否会生锈');

    // Once the reviewer undoes its label, A may label again; the keyless local page (the operator) is a reviewer too.
    assert.equal((await call(server, 'DELETE', `/v1/feedback/${mine}`, REVIEWER)).json.retracted, '是否会生锈');
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '是否易褪色' })).status, 201);
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '商品材质' })).status, 201, 'A replaces its own label');
    assert.equal((await call(server, 'POST', '/v1/feedback', null, { requestId: mine, label: '是否会生锈' })).status, 201);
    const overLocal = await call(server, 'POST', '/v1/feedback', A, { requestId: mine, label: '是否易褪色' });
    assert.equal(overLocal.status, 409);
    assert.equal(overLocal.json.error.code, 'ECM_ERR_CONFLICT');
    assert.equal((await call(server, 'GET', `/v1/feedback/${mine}`, A)).json.label, '是否会生锈');
  });
});

test('with reviewer keys, a reviewer corrects over anyone: a client, another reviewer, the local page', async () => {
  const REVIEWER_2 = 'reviewer-2-0123456789abcdef';
  await withService({ auth: { apiKeys: [A], reviewerKeys: [REVIEWER, REVIEWER_2], anonymousLoopback: true } }, async (server, feedback) => {
    const mine = await classify(server, A, '这个杯子会生锈吗');
    const steps: [string | null, string, string | undefined][] = [
      [A, '商品材质', undefined],
      [REVIEWER, '是否会生锈', '商品材质'],
      [REVIEWER_2, '是否易褪色', '是否会生锈'],
      [REVIEWER, '商品材质', '是否易褪色'],
      [null, '是否会生锈', '商品材质'],
      [REVIEWER_2, '是否易褪色', '是否会生锈'],
    ];
    for (const [key, label, replaced] of steps) {
      const answer = await call(server, 'POST', '/v1/feedback', key, { requestId: mine, label });
      assert.equal(answer.status, 201, `${key ?? 'keyless'} → ${label}`);
      assert.equal(answer.json.replaced?.label, replaced);
    }
    assert.equal((await call(server, 'GET', `/v1/feedback/${mine}`, A)).json.label, '是否易褪色');
  });
});

test('without reviewer keys the newest correction still wins, whichever key sent it', async () => {
  await withService({ auth: { apiKeys: [A, B] } }, async (server, feedback) => {
    const theirs = await classify(server, B, '会褪色吗');
    assert.equal((await call(server, 'POST', '/v1/feedback', B, { requestId: theirs, label: '商品材质' })).status, 201);
    assert.equal((await call(server, 'POST', '/v1/feedback', A, { requestId: theirs, label: '是否易褪色' })).status, 201);
    const again = await call(server, 'POST', '/v1/feedback', B, { requestId: theirs, label: '是否会生锈' });
    assert.equal(again.status, 201);
    assert.equal(again.json.replaced.label, '是否易褪色');
    assert.equal((await call(server, 'GET', `/v1/feedback/${theirs}`, B)).json.label, '是否会生锈');
    assert.equal(feedback.prediction(theirs)?.correction?.label, '是否会生锈');
  });
});

test('/openapi.json lists 403 on the routes only a reviewer may call', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    assert.match(doc.paths['/v1/review'].get.responses['403'].description, /reviewer keys/);
    assert.match(doc.paths['/v1/review/images/{hash}'].get.responses['404'].description, /sent with another key/);
    assert.ok(doc.paths['/v1/review/images/{hash}'].get.responses['200'], 'the image route still answers 200');
    assert.match(doc.paths['/v1/feedback/{requestId}'].get.responses['404'].description, /another key/);
    assert.match(doc.paths['/v1/feedback'].post.responses['409'].description, /ECM_ERR_CONFLICT.*reviewer/s);
  } finally {
    await server.close();
  }
});
