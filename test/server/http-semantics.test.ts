// HTTP as integrators expect it: 405 with Allow for a known path, 415 or 400 for a body of the wrong
// type or none, a WWW-Authenticate header on 401, one rate allowance per key however the header is
// spelt, and a batch answered however long it takes within its own deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { KEY, startServer } from './helpers.js';

const recognizers = () => ({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() });

test('a known path asked with another method is 405 with Allow; an unknown path stays 404', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const ask = (method: string, path: string) => fetch(server.url + path, { method, headers: { authorization: `Bearer ${KEY}` } });
    for (const [method, path, allow] of [
      ['GET', '/v1/intent', 'POST'],
      ['PUT', '/v1/scene', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['POST', '/v1/feedback/some-id', 'DELETE, GET, HEAD'],
    ] as const) {
      const response = await ask(method, path);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.deepEqual(response.headers.get('allow')?.split(', ').sort(), allow.split(', '), `${method} ${path}`);
      assert.equal(body.error.code, 'ECM_ERR_METHOD_NOT_ALLOWED');
      assert.match(body.error.message, new RegExp(`^${path} takes .*not ${method}$`));
    }
    const unknown = await ask('GET', '/v1/intents');
    assert.equal(unknown.status, 404);
  } finally {
    await server.close();
  }
});

test('/v1/scene answers a body of another type 415 and no body 400 (both were 500); /v1/feedback names the type too', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const post = async (path: string, init: RequestInit) => {
      const response = await fetch(server.url + path, { method: 'POST', ...init, headers: { authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) } });
      return { status: response.status, json: (await response.json()) as { error: { code: string; message: string } } };
    };
    const plain = await post('/v1/scene', { headers: { 'content-type': 'text/plain' }, body: '{"image":"aGVsbG8="}' });
    assert.equal(plain.status, 415);
    assert.match(plain.json.error.message, /\/v1\/scene takes application\/json or a multipart\/form-data upload; this body was sent as text\/plain/);
    const none = await post('/v1/scene', {});
    assert.equal(none.status, 400);
    assert.match(none.json.error.message, /\/v1\/scene needs a body/);
    const feedback = await post('/v1/feedback', { headers: { 'content-type': 'text/plain' }, body: '{"requestId":"x","label":"y"}' });
    assert.equal(feedback.status, 415);
    assert.match(feedback.json.error.message, /\/v1\/feedback takes application\/json only/);
  } finally {
    await server.close();
  }
});

test('a 401 says how to authenticate, and the rate limit counts a key once however its header is spelt', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { rateLimitPerMinute: 3 } });
  try {
    const missing = await fetch(`${server.url}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const body = JSON.stringify({ dialogue: [{ role: 'user', text: '会生锈吗' }] });
    const statuses: number[] = [];
    for (const authorization of [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer  ${KEY}`, `BEARER ${KEY}`, `Bearer ${KEY} `]) {
      const response = await fetch(`${server.url}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429], 'one allowance of 3 for the one key');
  } finally {
    await server.close();
  }
});

test('a batch that takes longer than the idle-socket timeout is still answered', { timeout: 60_000 }, async () => {
  // The idle-socket timeout is the request timeout + 10 s: 11 s here; the batch needs about 12 s.
  const server = await startServer({
    recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer({ delayMs: 6_000 }) },
    limits: { timeoutMs: 1_000, imageConcurrency: 1, textConcurrency: 1 },
  });
  try {
    const samples = [1, 2].map((n) => ({ task: 'intent', id: `slow-${n}`, dialogue: [{ role: 'user', text: '会生锈吗' }] }));
    const { status, json } = await server.post('/v1/batch', { samples });
    assert.equal(status, 200);
    assert.equal((json as { results: unknown[] }).results.length, 2);
  } finally {
    await server.close();
  }
});
